import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ContainerIndex } from '../../src/identity/docker/container-index.js';
import type { Workload } from '../../src/identity/workload.js';

function container(id: string, role?: string): Workload {
  return { id, name: id, source: 'docker', ...(role === undefined ? {} : { role: { spec: role } }) };
}

test('every address of every network finds the container, IPv4 and IPv6', () => {
  const index = new ContainerIndex();
  const a = container('a', 'role-a');
  index.set('a', a, [
    { address: '172.17.0.2', network: 'bridge' },
    { address: 'fd00::2', network: 'bridge' },
    { address: '172.18.0.5', network: 'backend' },
    { address: '10.10.0.7', network: 'frontend' },
  ]);
  for (const ip of ['172.17.0.2', 'fd00::2', '172.18.0.5', '10.10.0.7']) assert.equal(index.lookup(ip), a);
  assert.equal(index.lookup('172.17.0.3'), undefined);
  assert.equal(index.size, 4);
  assert.equal(index.containers, 1);
  assert.deepEqual(
    [...index.entries()].map(([ip, w]) => `${ip}=${w.id}`),
    ['172.17.0.2=a', 'fd00::2=a', '172.18.0.5=a', '10.10.0.7=a'],
  );
});

test('a reused address maps only to the new container, whatever order the old one is removed in', () => {
  const index = new ContainerIndex();
  index.set('old', container('old', 'role-old'), [
    { address: '172.17.0.2', network: 'bridge' },
    { address: '172.18.0.2', network: 'backend' },
  ]);
  // The new container's start is seen before the old one's die.
  index.set('new', container('new', 'role-new'), [{ address: '172.17.0.2', network: 'bridge' }]);
  assert.equal(index.lookup('172.17.0.2')?.id, 'new');
  assert.deepEqual(index.addressesOf('old'), ['172.18.0.2']);

  assert.equal(index.remove('old')?.id, 'old');
  assert.equal(index.lookup('172.17.0.2')?.id, 'new', 'removing the old container leaves the new one its address');
  assert.equal(index.lookup('172.18.0.2'), undefined);

  index.remove('new');
  assert.equal(index.lookup('172.17.0.2'), undefined);
  assert.equal(index.size, 0);
  assert.equal(index.containers, 0);
});

test('the new container removed first takes the address with it', () => {
  const index = new ContainerIndex();
  index.set('old', container('old'), [{ address: '172.17.0.2', network: 'bridge' }]);
  index.set('new', container('new'), [{ address: '172.17.0.2', network: 'bridge' }]);
  index.remove('new');
  assert.equal(index.lookup('172.17.0.2'), undefined, 'never falls back to the old container');
  index.remove('old');
  assert.equal(index.size, 0);
});

test('setting a container again drops the addresses it no longer has and updates its workload', () => {
  const index = new ContainerIndex();
  index.set('a', container('a', 'one'), [
    { address: '172.17.0.2', network: 'bridge' },
    { address: '172.18.0.2', network: 'backend' },
  ]);
  const renamed = { ...container('a', 'one'), name: 'renamed' };
  index.set('a', renamed, [{ address: '172.18.0.2', network: 'backend' }, { address: 'fd00::9', network: 'v6' }]);
  assert.equal(index.lookup('172.17.0.2'), undefined);
  assert.equal(index.lookup('172.18.0.2'), renamed);
  assert.equal(index.lookup('fd00::9'), renamed);
  assert.equal(index.get('a'), renamed);
});

test('removing one network keeps the container on its other networks', () => {
  const index = new ContainerIndex();
  index.set('a', container('a'), [
    { address: '172.17.0.2', network: 'bridge' },
    { address: 'fd00::2', network: 'bridge' },
    { address: '172.18.0.2', network: 'backend' },
  ]);
  assert.equal(index.removeNetwork('a', 'bridge'), 2);
  assert.equal(index.lookup('172.17.0.2'), undefined);
  assert.equal(index.lookup('fd00::2'), undefined);
  assert.equal(index.lookup('172.18.0.2')?.id, 'a');
  assert.equal(index.removeNetwork('a', 'bridge'), 0);
  assert.equal(index.removeNetwork('unknown', 'bridge'), 0);
});

test('containers without addresses are still known as workloads', () => {
  const index = new ContainerIndex();
  index.set('none', container('none'), []);
  index.set('a', container('a'), [{ address: '172.17.0.2', network: 'bridge' }]);
  assert.deepEqual([...index.workloads()].map((w) => w.id), ['none', 'a']);
  assert.deepEqual([...index.containerIds()], ['none', 'a']);
  assert.equal(index.size, 1);
  assert.equal(index.remove('missing'), undefined);
});

test('a thousand containers churning through a small address pool keep the index exact', () => {
  const index = new ContainerIndex();
  const holder = new Map<string, string>();
  for (let n = 0; n < 1000; n += 1) {
    const address = `172.17.0.${(n % 50) + 2}`;
    index.set(`c${n}`, container(`c${n}`), [{ address, network: 'bridge' }]);
    holder.set(address, `c${n}`);
    // Containers die late and out of order.
    if (n % 7 === 0 && n >= 100) index.remove(`c${n - 100}`);
  }
  for (const [address, id] of holder) {
    const found = index.lookup(address)?.id;
    assert.ok(found === id || found === undefined, `${address} → ${found}, expected ${id}`);
    if (found === undefined) assert.equal(index.get(id), undefined, 'only missing when its container was removed');
  }
});

test('every change to what lookup answers moves the generation; a no-op does not', () => {
  const index = new ContainerIndex();
  const moves = (change: () => unknown): boolean => {
    const before = index.generation;
    change();
    return index.generation > before;
  };
  assert.ok(moves(() => index.set('a', container('a', 'one'), [{ address: '172.17.0.2', network: 'bridge' }, { address: '172.18.0.2', network: 'backend' }])));
  assert.ok(moves(() => index.set('a', container('a', 'two'), [{ address: '172.17.0.2', network: 'bridge' }, { address: '172.18.0.2', network: 'backend' }])), 'same addresses, new workload');
  assert.ok(moves(() => index.set('b', container('b'), [{ address: '172.17.0.2', network: 'bridge' }])), 'an address taken over');
  assert.ok(moves(() => index.removeNetwork('a', 'backend')));
  assert.ok(moves(() => index.remove('b')));
  assert.ok(!moves(() => index.remove('never-seen')));
  assert.ok(!moves(() => index.removeNetwork('a', 'backend')), 'nothing left on that network');
});
