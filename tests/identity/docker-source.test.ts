import assert from 'node:assert/strict';
import Docker from 'dockerode';
import { describe, test } from 'node:test';
import { DockerSource } from '../../src/identity/docker/docker-source.js';
import { DockerApiStub, stubContainer } from '../helpers/docker-api-stub.js';
import { BRIDGE, cleanups, died, harness, onBridge, started } from './docker-harness.js';
import { eventually } from '../helpers/eventually.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { recordingLogger, WARN } from '../helpers/recording-logger.js';

describe('DockerSource: start', () => {
  test('indexes every address of every running container; host-network and stopped containers are not indexed', async () => {
    const { source, stub, changes, metrics } = await harness((stub) => {
      const multi = stubContainer('multi', {
        env: ['IAM_ROLE=app'],
        networks: {
          ...onBridge('172.17.0.2', 'fd00::2'),
          backend: { NetworkID: 'net-backend', IPAddress: '172.18.0.2', GlobalIPv6Address: '' },
        },
      });
      stub.containers.set('multi', multi);
      stub.containers.set('hostnet', stubContainer('hostnet', { env: ['IAM_ROLE=admin'], networkMode: 'host', networks: { host: { NetworkID: 'net-host' } } }));
      stub.containers.set('stopped', stubContainer('stopped', { running: false, networks: onBridge('172.17.0.9') }));
    });
    assert.equal(source.isReady(), true);
    for (const ip of ['172.17.0.2', 'fd00::2', '172.18.0.2']) assert.equal(source.lookup(ip)?.role?.spec, 'app', ip);
    assert.equal(source.lookup('172.17.0.9'), undefined);
    assert.deepEqual([...source.workloads()].map((w) => w.name), ['multi']);
    assert.deepEqual(changes, ['added multi']);
    assert.equal(stub.requests.filter((path) => path === '/containers/hostnet/json').length, 0, 'host-network containers are not even inspected');
    const status = source.status();
    assert.equal(status.connected, true);
    assert.equal(status.containers, 1);
    assert.equal(status.addresses, 3);
    assert.ok(status.lastSyncAt instanceof Date);
    assert.deepEqual(metrics.sizes.at(-1), ['docker', 3]);
    assert.equal(metrics.resyncs, 1);
  });

  test('follows events from the time of the list, filtered to the events it handles', async () => {
    const { stub, clock } = await harness();
    await stub.subscriptions(1);
    const query = stub.eventSubscriptions[0]!;
    assert.equal(query.get('since'), String(Math.floor(clock.now() / 1000)));
    const filters = JSON.parse(query.get('filters')!) as { type: string[]; event: string[] };
    assert.deepEqual(filters.type, ['container', 'network']);
    for (const action of ['start', 'die', 'destroy', 'rename', 'update', 'connect', 'disconnect']) assert.ok(filters.event.includes(action), action);
  });

  test('a container that started between the list and the subscription is replayed through since', async () => {
    const clock = new FakeClock();
    const stub = await new DockerApiStub(() => Math.floor(clock.now() / 1000)).listen();
    cleanups.push(() => stub.close());
    stub.networks = [BRIDGE];
    const source = new DockerSource({ docker: new Docker({ socketPath: stub.socketPath }), logger: recordingLogger().logger, clock });
    cleanups.push(() => source.close());
    const release = stub.hold((path) => path === '/containers/json');
    const starting = source.start();
    await eventually(() => stub.requests.includes('/containers/json'), 'the list is asked for');
    stub.containers.set('late', stubContainer('late', { env: ['IAM_ROLE=late'], networks: onBridge('172.17.0.4') }));
    stub.emit(started('late'));
    release();
    await starting;
    await eventually(() => source.lookup('172.17.0.4') !== undefined, 'the replayed start is indexed');
  });
});

describe('DockerSource: events', () => {
  test('start indexes, die removes at once (no inspect), a reused address belongs to the new container only', async () => {
    const h = await harness();
    h.stub.containers.set('a', stubContainer('a', { env: ['IAM_ROLE=role-a'], networks: onBridge('172.17.0.2') }));
    h.stub.emit(started('a'));
    await eventually(() => h.source.lookup('172.17.0.2') !== undefined, 'a is indexed');
    assert.equal(h.source.lookup('172.17.0.2')?.role?.spec, 'role-a');

    // b gets a's address and its start is seen before a's die.
    h.stub.containers.get('a')!.State = { Running: false };
    h.stub.containers.set('b', stubContainer('b', { env: ['IAM_ROLE=role-b'], networks: onBridge('172.17.0.2') }));
    const beforeB = h.source.generation;
    h.stub.emit(started('b'));
    await eventually(() => h.source.lookup('172.17.0.2')?.name === 'b', 'b holds the address');
    const inspectsOfA = h.inspections('a');
    const generation = h.source.generation;
    h.stub.emit(died('a'));
    await eventually(() => h.changes.includes('removed a'), 'a is removed');
    assert.equal(h.source.lookup('172.17.0.2')?.role?.spec, 'role-b');
    assert.equal(h.inspections('a'), inspectsOfA, 'a die needs no inspect');

    assert.ok(generation > beforeB, "b's start moved the generation");
    assert.equal(h.source.generation, generation, "a's die changed no answer, so nothing remembered is dropped");
    h.stub.emit(died('b'));
    await eventually(() => h.source.lookup('172.17.0.2') === undefined, 'b is removed');
    assert.ok(h.source.generation > generation, "b's die moved the generation");
    assert.deepEqual(h.changes, ['added a', 'added b', 'removed a', 'removed b']);
    assert.deepEqual(h.metrics.events, ['start', 'start', 'die', 'die']);
  });

  test('an inspect answer overtaken by a die is not applied', async () => {
    const h = await harness();
    h.stub.containers.set('a', stubContainer('a', { env: ['IAM_ROLE=role-a'], networks: onBridge('172.17.0.2') }));
    const release = h.stub.hold((path) => path === '/containers/a/json');
    h.stub.emit(started('a'));
    await eventually(() => h.inspections('a') === 1, 'a is being inspected');
    h.stub.emit(died('a'));
    h.stub.emit({ Type: 'container', Action: 'rename', Actor: { ID: 'marker' } });
    await eventually(() => h.inspections('marker') === 1, 'the die was handled');
    release(); // answers "running", as it would have before the die
    h.stub.containers.set('z', stubContainer('z', { networks: onBridge('172.17.0.99') }));
    h.stub.emit(started('z'));
    await eventually(() => h.source.lookup('172.17.0.99') !== undefined, 'later events are handled');
    assert.equal(h.source.lookup('172.17.0.2'), undefined);
    assert.ok(!h.changes.includes('added a'));
  });

  test('network connect adds the new address; disconnect drops that network only', async () => {
    const h = await harness((stub) => stub.containers.set('a', stubContainer('a', { networks: onBridge('172.17.0.2') })));
    const backend = { NetworkID: 'net-backend', IPAddress: '172.18.0.7', GlobalIPv6Address: '' };
    h.stub.containers.get('a')!.NetworkSettings!.Networks!.backend = backend;
    h.stub.emit({ Type: 'network', Action: 'connect', Actor: { ID: 'net-backend', Attributes: { container: 'a', name: 'backend' } } });
    await eventually(() => h.source.lookup('172.18.0.7') !== undefined, 'the new network is indexed');

    const release = h.stub.hold((path) => path === '/containers/a/json');
    h.stub.emit({ Type: 'network', Action: 'disconnect', Actor: { ID: 'net-bridge', Attributes: { container: 'a', name: 'bridge' } } });
    await eventually(() => h.source.lookup('172.17.0.2') === undefined, 'the bridge address goes before any inspect answers');
    assert.equal(h.source.lookup('172.18.0.7')?.name, 'a');
    delete h.stub.containers.get('a')!.NetworkSettings!.Networks!.bridge;
    release();
    assert.deepEqual(h.changes, ['added a'], 'same container, same role: no churn for listeners');
  });

  test('rename updates the name; a container gone before its inspect is treated as removed', async () => {
    const h = await harness((stub) => stub.containers.set('a', stubContainer('a', { name: 'old', networks: onBridge('172.17.0.2') })));
    h.stub.containers.get('a')!.Name = '/new';
    h.stub.emit({ Type: 'container', Action: 'rename', Actor: { ID: 'a', Attributes: { name: 'new', oldName: '/old' } } });
    await eventually(() => h.source.lookup('172.17.0.2')?.name === 'new', 'renamed');
    h.stub.containers.delete('a');
    h.stub.emit({ Type: 'container', Action: 'update', Actor: { ID: 'a' } });
    await eventually(() => h.source.lookup('172.17.0.2') === undefined, 'removed after a 404');
    assert.deepEqual(h.changes, ['added old', 'removed new']);
  });

  test('odd events and failing inspects never stop the stream', async () => {
    const h = await harness();
    h.stub.inspectStatus.set('broken', 500);
    h.stub.emitRaw('this is not json\n');
    h.stub.emitRaw('null\n\n[]\n');
    h.stub.emit({ Type: 'container', Action: 'exec_start: sh -c secret', Actor: { ID: 'x' } });
    h.stub.emit({ Type: 'plugin', Action: 'enable', Actor: { ID: 'p' } });
    h.stub.emitRaw('{"Type":"container","Action":"start"}\n{"Type":"network","Action":"connect","Actor":{"ID":"n"}}\n');
    h.stub.emit(started('broken'));
    h.stub.emit(started('ghost'));
    h.stub.containers.set('ok', stubContainer('ok', { networks: onBridge('172.17.0.3') }));
    // One event split across writes.
    const line = JSON.stringify(started('ok'));
    h.stub.emitRaw(line.slice(0, 10));
    h.stub.emitRaw(`${line.slice(10)}\n`);
    await eventually(() => h.source.lookup('172.17.0.3') !== undefined, 'the good event after the odd ones is handled');
    await eventually(() => h.log.lines.some((l) => l.msg.includes('inspect failed')), 'the failing inspect is logged');
    assert.equal(h.source.isReady(), true);
    assert.deepEqual(h.metrics.events, ['network_connect', 'start', 'start', 'start'], 'only known actions are counted');
    assert.ok(!JSON.stringify(h.log.lines).includes('secret'));
  });
});

describe('DockerSource: swarm tasks, known by their docker_gwbridge address', () => {
  const OVERLAY = 'net-overlay';
  const GWBRIDGE_ID = 'net-gwbridge';
  /** A task as container inspect shows it: on its overlay network only. */
  const task = (id: string, role: string, overlayIp: string) =>
    stubContainer(id, {
      env: [`IAM_ROLE=${role}`],
      labels: { 'com.docker.swarm.service.name': `svc-${role}` },
      networks: { 'mdp-overlay': { NetworkID: OVERLAY, IPAddress: overlayIp } },
    });
  const swarmNode = (stub: DockerApiStub, endpoints: Record<string, string> = {}): void => {
    const gwbridge = {
      Id: GWBRIDGE_ID,
      Name: 'docker_gwbridge',
      IPAM: { Config: [{ Subnet: '172.20.0.0/16', Gateway: '172.20.0.1' }] },
      Containers: {} as Record<string, { IPv4Address?: string }>,
    };
    for (const [id, ip] of Object.entries(endpoints)) gwbridge.Containers[id] = { IPv4Address: `${ip}/16` };
    gwbridge.Containers['ingress-sbox'] = { IPv4Address: '172.20.0.2/16' };
    stub.networks = [BRIDGE, { Id: OVERLAY, Name: 'mdp-overlay', IPAM: { Config: [{ Subnet: '10.0.1.0/24', Gateway: '10.0.1.1' }] } }, gwbridge];
  };
  const gatewayEndpoints = (stub: DockerApiStub) => stub.networks.find((n) => n.Id === GWBRIDGE_ID)!.Containers!;

  test('indexes a task by the gwbridge address its packets come from, besides its overlay address', async () => {
    const h = await harness((stub) => {
      stub.containers.set('task-a', task('task-a', 'a', '10.0.1.3'));
      swarmNode(stub, { 'task-a': '172.20.0.3' });
    });
    assert.equal(h.source.lookup('172.20.0.3')?.role?.spec, 'a');
    assert.equal(h.source.lookup('172.20.0.3')?.service, 'svc-a');
    assert.equal(h.source.lookup('10.0.1.3')?.name, 'task-a');
    assert.equal(h.source.lookup('172.20.0.2'), undefined, 'the ingress sandbox is no container');
  });

  test('outside a swarm no network is inspected', async () => {
    const h = await harness((stub) => stub.containers.set('a', stubContainer('a', { networks: onBridge('172.17.0.2') })));
    h.stub.emit(started('a'));
    await eventually(() => h.inspections('a') === 2, 'the start event is handled');
    assert.ok(!h.stub.requests.some((path) => path.startsWith('/networks/')));
  });

  test("a task's first request, before its start event, waits for the resync and finds it", async () => {
    const h = await harness((stub) => swarmNode(stub));
    h.stub.containers.set('task-b', task('task-b', 'b', '10.0.1.4'));
    gatewayEndpoints(h.stub)['task-b'] = { IPv4Address: '172.20.0.4/16' };
    assert.equal((await h.source.resolveMiss('172.20.0.4'))?.role?.spec, 'b');
  });

  test('start indexes the gwbridge address, disconnect drops it, and a replacement task on the same address is the only holder', async () => {
    const h = await harness((stub) => swarmNode(stub));
    h.stub.containers.set('old', task('old', 'a', '10.0.1.3'));
    gatewayEndpoints(h.stub).old = { IPv4Address: '172.20.0.3/16' };
    h.stub.emit({ Type: 'network', Action: 'connect', Actor: { ID: GWBRIDGE_ID, Attributes: { container: 'old', name: 'docker_gwbridge' } } });
    h.stub.emit(started('old'));
    await eventually(() => h.source.lookup('172.20.0.3')?.name === 'old', 'the task is indexed by its gwbridge address');

    h.stub.containers.get('old')!.State = { Running: false };
    delete gatewayEndpoints(h.stub).old;
    h.stub.emit({ Type: 'network', Action: 'disconnect', Actor: { ID: GWBRIDGE_ID, Attributes: { container: 'old', name: 'docker_gwbridge' } } });
    await eventually(() => h.source.lookup('172.20.0.3') === undefined, 'disconnect drops the gwbridge address at once');

    h.stub.containers.set('new', task('new', 'a2', '10.0.1.5'));
    gatewayEndpoints(h.stub).new = { IPv4Address: '172.20.0.3/16' };
    h.stub.emit(started('new'));
    h.stub.emit(died('old'));
    await eventually(() => h.source.lookup('172.20.0.3')?.role?.spec === 'a2', 'the new task holds the address');
    await eventually(() => h.changes.includes('removed old'), 'the old task is gone');
    assert.equal(h.source.lookup('172.20.0.3')?.name, 'new');
  });

  test('a network that a connect event names but container inspect omits is read from its own endpoint list', async () => {
    const hidden = { Id: 'net-hidden', Name: 'hidden', IPAM: { Config: [{ Subnet: '172.30.0.0/16' }] }, Containers: { c: { IPv4Address: '172.30.0.9/16' } } };
    const h = await harness((stub) => {
      stub.networks = [BRIDGE, hidden];
      stub.containers.set('c', stubContainer('c', { env: ['IAM_ROLE=c'], networks: onBridge('172.17.0.9') }));
    });
    assert.equal(h.source.lookup('172.30.0.9'), undefined);
    h.stub.emit({ Type: 'network', Action: 'connect', Actor: { ID: 'net-hidden', Attributes: { container: 'c', name: 'hidden' } } });
    await eventually(() => h.source.lookup('172.30.0.9')?.name === 'c', 'the hidden endpoint is indexed');
  });
});

describe('DockerSource: misses', () => {
  test('a miss for an address outside Docker networks, or a gateway, answers at once without Docker', async () => {
    const h = await harness();
    const asked = h.stub.requests.length;
    assert.equal(await h.source.resolveMiss('10.1.2.3'), undefined);
    assert.equal(await h.source.resolveMiss('172.17.0.1'), undefined);
    assert.equal(await h.source.resolveMiss('127.0.0.1'), undefined);
    assert.equal(h.stub.requests.length, asked);
    assert.deepEqual(h.clock.pending(), []);
  });

  test('a miss inside a Docker network resyncs and finds a container whose start event has not arrived', async () => {
    const h = await harness();
    h.stub.containers.set('fresh', stubContainer('fresh', { env: ['IAM_ROLE=fresh'], networks: onBridge('172.17.0.5', 'fd00::5') }));
    assert.equal((await h.source.resolveMiss('fd00::5'))?.role?.spec, 'fresh');
    assert.equal(h.source.lookup('172.17.0.5')?.name, 'fresh');
    assert.equal(h.metrics.resyncs, 2);
    assert.deepEqual(h.clock.pending(), [], 'the wait timer is cleared');
  });

  test('a miss that stays a miss after the resync is held until the deadline, then resolves undefined', async () => {
    const h = await harness();
    let settled = false;
    const miss = h.source.resolveMiss('172.17.0.77').finally(() => (settled = true));
    await eventually(() => h.metrics.resyncs === 2 && h.stub.requests.filter((p) => p === '/containers/json').length === 2, 'the resync ran');
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(settled, false, 'an empty resync does not end the hold');
    assert.deepEqual(h.clock.pending(), [1000]);
    await h.clock.advance(1000);
    assert.equal(await miss, undefined);
    assert.deepEqual(h.clock.pending(), []);
  });

  test('concurrent misses share resyncs: at most one running and one queued', async () => {
    const h = await harness((stub) => stub.containers.set('a', stubContainer('a', { networks: onBridge('172.17.0.2') })));
    const lists = () => h.stub.requests.filter((path) => path === '/containers/json').length;
    const before = lists();
    const release = h.stub.hold((path) => path === '/containers/json');
    const misses = ['172.17.0.10', '172.17.0.11', '172.17.0.12', '172.18.0.10', '172.17.0.13'].map((ip) => h.source.resolveMiss(ip));
    await eventually(() => lists() === before + 1, 'one resync is running');
    release();
    await eventually(() => lists() === before + 2, 'the queued resync ran');
    await h.clock.advance(1000);
    assert.deepEqual(await Promise.all(misses), [undefined, undefined, undefined, undefined, undefined]);
    assert.equal(lists(), before + 2);
    assert.equal(h.inspections('a'), 1, 'a resync does not re-inspect containers the index already has right');
  });

  test('a waiting miss resolves as soon as the start event indexes the address', async () => {
    const h = await harness();
    const release = h.stub.hold((path) => path === '/containers/json');
    const miss = h.source.resolveMiss('172.17.0.6');
    h.stub.containers.set('racer', stubContainer('racer', { env: ['IAM_ROLE=racer'], networks: onBridge('172.17.0.6') }));
    h.stub.emit(started('racer'));
    assert.equal((await miss)?.role?.spec, 'racer');
    release();
  });

  test('while Docker is unreachable a miss waits missWaitMs, then gives up', async () => {
    const h = await harness(() => {}, { missWaitMs: 800 });
    await h.stub.stop();
    await eventually(() => !h.source.isReady(), 'the loss is noticed');
    const miss = h.source.resolveMiss('172.17.0.8');
    assert.ok(h.clock.pending().includes(800));
    await eventually(() => h.log.lines.some((l) => l.msg === 'Docker sync after a miss failed'), 'the resync failed');
    await h.clock.advance(800);
    assert.equal(await miss, undefined);
  });
});

describe('DockerSource: losing Docker', () => {
  test('keeps serving known containers, reconnects with backoff and resyncs', async () => {
    const h = await harness((stub) => {
      stub.containers.set('stays', stubContainer('stays', { env: ['IAM_ROLE=stays'], networks: onBridge('172.17.0.2') }));
      stub.containers.set('goes', stubContainer('goes', { networks: onBridge('172.17.0.3') }));
    });
    await h.stub.stop();
    await eventually(() => !h.source.isReady(), 'not ready once the stream breaks');
    const status = h.source.status();
    assert.equal(status.connected, false);
    assert.match(status.lastError ?? '', /event stream/);
    assert.equal(h.source.lookup('172.17.0.2'), undefined, 'an address may have changed hands unseen: no hot-path answer');
    assert.equal((await h.source.resolveMiss('172.17.0.2'))?.role?.spec, 'stays', 'Docker unreachable: the known container is still served');
    assert.ok(h.log.lines.some((l) => l.level === WARN && l.msg.includes('Docker unreachable')));

    // Each failed attempt doubles the delay (random() = 1 → the full ceiling).
    assert.deepEqual(h.clock.pending(), [250]);
    await h.clock.advance(250);
    await eventually(() => h.clock.pending().length === 1, 'the next attempt is scheduled');
    assert.deepEqual(h.clock.pending(), [500]);
    await h.clock.advance(500);
    await eventually(() => h.clock.pending().length === 1, 'the next attempt is scheduled');
    assert.deepEqual(h.clock.pending(), [1000]);
    const unreachable = () => h.log.lines.filter((l) => l.level === WARN && l.msg.includes('Docker unreachable')).length;
    assert.equal(unreachable(), 1, 'one WARN per change of state, not one per retry');

    // The daemon comes back with one container gone and one new.
    h.stub.containers.delete('goes');
    h.stub.containers.set('new', stubContainer('new', { networks: onBridge('172.17.0.3') }));
    await h.stub.listen();
    await h.clock.advance(1000);
    await eventually(() => h.source.isReady(), 'reconnected');
    assert.equal(h.source.lookup('172.17.0.3')?.name, 'new');
    assert.equal(h.source.lookup('172.17.0.2')?.name, 'stays');
    assert.equal(h.source.status().lastError, undefined);
    assert.equal(h.stub.eventSubscriptions.length, 2);
    assert.deepEqual(h.changes, ['added stays', 'added goes', 'added new', 'removed goes']);

    // After a success the backoff starts over, and losing Docker again is worth a WARN again.
    h.stub.dropEventStreams();
    await eventually(() => !h.source.isReady(), 'the stream end is noticed');
    assert.deepEqual(h.clock.pending(), [250]);
    assert.equal(unreachable(), 2);
  });

  test('a miss that finds Docker back reconnects at once instead of waiting out the backoff', async () => {
    const h = await harness((stub) => stub.containers.set('a', stubContainer('a', { networks: onBridge('172.17.0.2') })), { reconnectMinMs: 20_000 });
    await h.stub.stop();
    await eventually(() => !h.source.isReady(), 'not ready once the stream breaks');
    assert.deepEqual(h.clock.pending(), [20_000]);

    h.stub.containers.set('b', stubContainer('b', { networks: onBridge('172.17.0.3') }));
    await h.stub.listen();
    assert.equal((await h.source.resolveMiss('172.17.0.3'))?.name, 'b');
    await eventually(() => h.source.isReady(), 'following events again, the clock untouched');
    assert.deepEqual(h.clock.pending(), [], 'the backoff timer is gone');
    assert.equal(h.stub.eventSubscriptions.length, 2);
  });

  test('Docker down at start: start resolves, not ready, and it connects later', async () => {
    const clock = new FakeClock();
    const stub = new DockerApiStub();
    cleanups.push(() => stub.close());
    const source = new DockerSource({ docker: new Docker({ socketPath: stub.socketPath }), logger: recordingLogger().logger, clock });
    cleanups.push(() => source.close());
    await source.start();
    assert.equal(source.isReady(), false);
    assert.match(source.status().lastError ?? '', /ENOENT|ECONNREFUSED/);
    stub.containers.set('a', stubContainer('a', { networks: onBridge('172.17.0.2') }));
    await stub.listen();
    await clock.advance(clock.pending()[0]!);
    await eventually(() => source.isReady(), 'connected');
    assert.equal(source.lookup('172.17.0.2')?.name, 'a');
  });

  test('a daemon that accepts but never answers counts as unreachable', async () => {
    const clock = new FakeClock();
    const stub = await new DockerApiStub().listen();
    cleanups.push(() => stub.close());
    const release = stub.hold((path) => path === '/containers/json');
    cleanups.push(async () => release());
    const docker = new Docker({ socketPath: stub.socketPath });
    const source = new DockerSource({ docker, logger: recordingLogger().logger, clock, requestTimeoutMs: 20 });
    cleanups.push(() => source.close());
    await source.start();
    assert.equal(source.isReady(), false);
    assert.equal(source.status().lastError, 'Docker did not answer in time');
    assert.equal(clock.pending().length, 1, 'a reconnect is scheduled');
  });

  test('close stops following and schedules nothing', async () => {
    const h = await harness();
    await h.source.close();
    await eventually(() => h.stub.openEventStreams === 0, 'the event stream is closed');
    assert.equal(h.source.isReady(), false);
    assert.deepEqual(h.clock.pending(), []);
  });
});
