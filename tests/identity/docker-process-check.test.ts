// Address reuse when the engine's events lag (Podman delivers them after `podman rm` has returned): the
// first lookup of a connection asks /proc (here a fake process table) whether the indexed container's
// process still runs, and a gone one never answers, whatever its events say.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { NamespaceOf } from '../../src/identity/docker/container-processes.js';
import type { ContainerJson } from '../../src/identity/docker/container-workload.js';
import { stubContainer, type StubEvent } from '../helpers/docker-api-stub.js';
import { WARN } from '../helpers/recording-logger.js';
import { died, harness, onBridge, started } from './docker-harness.js';
import { eventually } from '../helpers/eventually.js';

const IP = '172.17.0.2';

/** pid → network namespace; the proxy itself in `net:[1]`. */
function processTable(): { namespaceOf: NamespaceOf; processes: Map<number, string> } {
  const processes = new Map<number, string>([[process.pid, 'net:[1]']]);
  return { namespaceOf: (pid) => processes.get(pid), processes };
}

function running(id: string, pid: number, ip = IP): ContainerJson {
  const container = stubContainer(id, { env: [`IAM_ROLE=${id}`], networks: onBridge(ip) });
  container.State = { Running: true, Pid: pid };
  return container;
}

const rename = (id: string): StubEvent => ({ Type: 'container', Action: 'rename', Actor: { ID: id } });

describe('DockerSource: a container whose process is gone', () => {
  test('is dropped by the first lookup of a new connection, before its die event, and the address waits for its new holder', async () => {
    const table = processTable();
    table.processes.set(100, 'net:[7]');
    const h = await harness((stub) => stub.containers.set('old', running('old', 100)), { namespaceOf: table.namespaceOf });
    assert.equal(h.source.lookupChecked(IP)?.name, 'old');
    // The engine freed the address: the process is gone, its events are not here yet.
    table.processes.delete(100);
    h.stub.containers.delete('old');
    assert.equal(h.source.lookup(IP)?.name, 'old', 'the hot path of a known connection is not asked');
    const miss = h.source.resolveMiss(IP);
    assert.deepEqual(h.changes, ['added old', 'removed old'], 'dropped by the check');
    assert.equal(h.source.lookup(IP), undefined);
    table.processes.set(200, 'net:[8]');
    h.stub.containers.set('new', running('new', 200));
    h.stub.emit(started('new'));
    assert.equal((await miss)?.name, 'new');
    h.stub.emit(died('old'));
    h.stub.emit(rename('marker'));
    await eventually(() => h.inspections('marker') === 1, 'the late die is handled');
    assert.equal(h.source.lookupChecked(IP)?.name, 'new', "the old container's late die leaves the new one");
  });

  test('a pid reused by a process in another namespace does not keep a container', async () => {
    const table = processTable();
    table.processes.set(100, 'net:[7]');
    const h = await harness((stub) => stub.containers.set('old', running('old', 100)), { namespaceOf: table.namespaceOf });
    table.processes.set(100, 'net:[9]');
    assert.equal(h.source.lookupChecked(IP), undefined);
  });

  test('an inspect that says running is not indexed when its process has already gone', async () => {
    const table = processTable();
    table.processes.set(100, 'net:[7]');
    const h = await harness((stub) => stub.containers.set('seen', running('seen', 100, '172.17.0.3')), { namespaceOf: table.namespaceOf });
    h.stub.containers.set('ended', running('ended', 300));
    h.stub.emit(started('ended'));
    await eventually(() => h.inspections('ended') === 1, 'inspected');
    h.stub.emit(rename('marker'));
    await eventually(() => h.inspections('marker') === 1, 'the answer is handled');
    assert.equal(h.source.lookup(IP), undefined);
    assert.ok(!h.changes.includes('added ended'));
  });

  test('when no container process is visible (another PID namespace) lookups answer as before, with one warning', async () => {
    const h = await harness((stub) => {
      stub.containers.set('a', running('a', 100));
      stub.containers.set('b', running('b', 101, '172.17.0.3'));
    }, { namespaceOf: processTable().namespaceOf });
    assert.equal(h.source.lookupChecked(IP)?.name, 'a');
    assert.equal(h.source.lookupChecked('172.17.0.3')?.name, 'b');
    const warnings = h.log.lines.filter((l) => l.level === WARN && l.msg.includes('not visible'));
    assert.equal(warnings.length, 1);
  });
});
