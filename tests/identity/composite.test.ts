import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CompositeIdentity } from '../../src/identity/composite.js';
import type { IdentitySource, Workload } from '../../src/identity/workload.js';

function source(name: string, entries: Record<string, Workload>, generation?: number): IdentitySource & { generation?: number } {
  return {
    name,
    ...(generation === undefined ? {} : { generation }),
    lookup: (ip) => entries[ip],
    entries: () => Object.entries(entries),
    isReady: () => true,
    onChange: () => {},
    start: async () => {},
    close: async () => {},
  };
}

const workload = (id: string): Workload => ({ id, name: id, source: 'mapping' });

test('the first source that knows an address wins', () => {
  const identity = new CompositeIdentity([source('pinned', { '10.0.0.1': workload('pinned') }), source('docker', { '10.0.0.1': workload('c1'), '10.0.0.2': workload('c2') })]);
  assert.equal(identity.lookupChecked('10.0.0.1')?.id, 'pinned');
  assert.equal(identity.lookupChecked('10.0.0.2')?.id, 'c2');
  assert.equal(identity.lookupChecked('10.0.0.3'), undefined);
});

test("a source's own check decides: a workload it finds gone is a miss there, and a later source may answer", () => {
  const gone = { ...source('docker', { '10.0.0.1': workload('old') }), lookupChecked: () => undefined };
  const identity = new CompositeIdentity([gone, source('mapping', { '10.0.0.1': workload('mapped') })]);
  assert.equal(identity.lookupChecked('10.0.0.1')?.id, 'mapped');
  assert.equal(new CompositeIdentity([gone]).lookupChecked('10.0.0.1'), undefined);
});

test('the generation grows when any source changes, and is undefined when a source answers by time', () => {
  const first = source('mapping', {}, 3);
  const second = source('docker', {}, 7);
  const identity = new CompositeIdentity([first, second]);
  const before = identity.generation()!;
  second.generation = 8;
  assert.ok(identity.generation()! > before);
  const again = identity.generation()!;
  first.generation = 4;
  assert.ok(identity.generation()! > again);
  assert.equal(new CompositeIdentity([first, source('reverse-dns', {})]).generation(), undefined);
});
