// The churn's mix of containers (e2e/soak/container-plan.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CHURN_ROLES, FIXED_ADDRESSES, FixedAddresses, planContainer, SOAK_NETWORK } from '../../e2e/soak/container-plan.js';

/** A repeatable stand-in for Math.random. */
function seeded(seed: number): () => number {
  let state = seed;
  return () => ((state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
}

test('a fixed address is never planned twice while a container holds it', () => {
  const fixed = new FixedAddresses();
  const random = seeded(7);
  const held = new Set<string>();
  for (let i = 0; i < 500; i++) {
    const plan = planContainer(`c${i}`, random, fixed);
    if (plan.ip !== undefined) {
      assert.ok(!held.has(plan.ip), `${plan.ip} planned twice`);
      assert.equal(plan.network, SOAK_NETWORK);
      held.add(plan.ip);
    }
    // Give an address back now and then, as removals do.
    if (held.size === FIXED_ADDRESSES.length || random() < 0.3) {
      const [ip] = held;
      if (ip !== undefined) {
        held.delete(ip);
        fixed.release(ip);
      }
    }
  }
});

test('the mix has every role, containers without one, both networks, fixed addresses and both session kinds', () => {
  const fixed = new FixedAddresses();
  const random = seeded(11);
  const plans = Array.from({ length: 400 }, (_, i) => {
    const plan = planContainer(`c${i}`, random, fixed);
    if (plan.ip !== undefined) fixed.release(plan.ip);
    return plan;
  });
  assert.deepEqual(new Set(plans.map((p) => p.role)), new Set([...CHURN_ROLES, undefined]));
  assert.deepEqual(new Set(plans.map((p) => p.network)), new Set(['bridge', SOAK_NETWORK]));
  assert.deepEqual(new Set(plans.map((p) => p.ownSession)), new Set([true, false]));
  assert.ok(plans.some((p) => p.ip !== undefined) && plans.some((p) => p.network === SOAK_NETWORK && p.ip === undefined));
  assert.ok(plans.every((p) => p.lifetimeMs >= 500 && p.lifetimeMs < 2500));
});
