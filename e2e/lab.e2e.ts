// The lab itself: containers run, get addresses on the namespace's bridge, and cannot reach anything
// off the machine — the guarantee every other e2e test relies on.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createLab, type Lab } from './lab/lab.js';
import { runOnce, wget } from './lab/containers.js';

describe('e2e lab', { timeout: 180_000 }, () => {
  let lab: Lab;
  before(async () => {
    lab = await createLab();
  });
  after(() => lab?.destroy());

  it('runs a container from the imported busybox image', async () => {
    const result = await runOnce(lab.engine, {}, ['echo', 'hi']);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout.trim(), 'hi');
  });

  it('gives containers no route off the machine', async () => {
    const result = await runOnce(lab.engine, {}, wget('http://1.1.1.1/'));
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, /Network is unreachable/);
  });
});
