// The Docker source reading rootful Podman's compatibility API through podmanCompatClient: Podman's event
// words (`remove`, `init`, network events about a container) reach it as Docker's, over a real socket.
import assert from 'node:assert/strict';
import Docker from 'dockerode';
import { afterEach, describe, test } from 'node:test';
import { DockerSource } from '../../src/identity/docker/docker-source.js';
import { dockerEvents, podmanCompatClient } from '../../src/identity/docker/podman-client.js';
import { DockerApiStub, stubContainer } from '../helpers/docker-api-stub.js';
import { eventually } from '../helpers/eventually.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { recordingLogger } from '../helpers/recording-logger.js';

// As Podman 4.3 answers: the default network is listed as "bridge", inspect names the network by its name.
const NETWORK = { Id: '31921989a293', Name: 'bridge', IPAM: { Config: [{ Subnet: '10.88.0.0/16', Gateway: '10.88.0.1' }] } };
const onPodmanNet = (ip: string) => ({ podman: { NetworkID: 'podman', IPAddress: ip } });
const podmanEvent = (Type: string, Action: string, id: string) => ({ Type, Action, Actor: { ID: id, Attributes: { name: 'web', podId: '' } } });

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function podmanSource(setup: (stub: DockerApiStub) => void) {
  const clock = new FakeClock();
  const stub = await new DockerApiStub(() => Math.floor(clock.now() / 1000)).listen();
  cleanups.push(() => stub.close());
  stub.networks = [NETWORK];
  setup(stub);
  const source = new DockerSource({ docker: podmanCompatClient(new Docker({ socketPath: stub.socketPath })), logger: recordingLogger().logger, clock });
  cleanups.push(() => source.close());
  await source.start();
  return { stub, source };
}

describe('podmanCompatClient', () => {
  test("asks Podman for its own event names: `remove` for Docker's `destroy`, `init` along with `create`", async () => {
    const { stub } = await podmanSource(() => {});
    const asked = JSON.parse(stub.eventSubscriptions[0]!.get('filters')!) as { event: string[]; type: string[] };
    assert.ok(asked.event.includes('remove') && !asked.event.includes('destroy'), asked.event.join(','));
    assert.deepEqual(asked.type, ['container', 'network']);
  });

  test('a container Podman reports removed is forgotten at once, without waiting for an inspect', async () => {
    const { stub, source } = await podmanSource((stub) => stub.containers.set('web', stubContainer('web', { env: ['IAM_ROLE=app'], networks: onPodmanNet('10.88.0.5') })));
    assert.equal(source.lookup('10.88.0.5')?.role?.spec, 'app');
    stub.inspectStatus.set('web', 500); // an inspect would still say it runs: only the event can remove it
    stub.emit(podmanEvent('container', 'remove', 'web'));
    await eventually(() => source.lookup('10.88.0.5') === undefined, 'removed on the event');
  });

  test("a network disconnect (Podman names the container, not the network) drops the container's addresses, then an inspect brings back those it kept", async () => {
    const web = stubContainer('web', { env: ['IAM_ROLE=app'], networks: { ...onPodmanNet('10.88.0.5'), other: { NetworkID: 'other', IPAddress: '10.89.0.5' } } });
    const { stub, source } = await podmanSource((stub) => stub.containers.set('web', web));
    assert.equal(source.lookup('10.89.0.5')?.role?.spec, 'app');
    web.NetworkSettings = { Networks: onPodmanNet('10.88.0.5') };
    const release = stub.hold((path) => path === '/containers/web/json');
    stub.emit(podmanEvent('network', 'disconnect', 'web'));
    await eventually(() => source.lookup('10.89.0.5') === undefined && source.lookup('10.88.0.5') === undefined, 'every address dropped on the event');
    release();
    await eventually(() => source.lookup('10.88.0.5')?.role?.spec === 'app', 'the kept address back after the inspect');
    assert.equal(source.lookup('10.89.0.5'), undefined);
  });

  test('a network connect has the container read again', async () => {
    const web = stubContainer('web', { env: ['IAM_ROLE=app'], networks: onPodmanNet('10.88.0.5') });
    const { stub, source } = await podmanSource((stub) => stub.containers.set('web', web));
    web.NetworkSettings = { Networks: { ...onPodmanNet('10.88.0.5'), other: { NetworkID: 'other', IPAddress: '10.89.0.5' } } };
    stub.emit(podmanEvent('network', 'connect', 'web'));
    await eventually(() => source.lookup('10.89.0.5')?.role?.spec === 'app', 'the new address indexed');
  });

  test('translates event by event; whatever Docker already calls the same passes unchanged', () => {
    assert.deepEqual(dockerEvents(podmanEvent('container', 'init', 'c1')).map((e) => e.Action), ['create']);
    assert.deepEqual(dockerEvents(podmanEvent('container', 'remove', 'c1')).map((e) => e.Action), ['destroy']);
    assert.deepEqual(dockerEvents(podmanEvent('network', 'disconnect', 'c1')).map((e) => `${e.Type} ${e.Action} ${String(e.Actor?.ID)}`), ['container die c1', 'container update c1']);
    const start = podmanEvent('container', 'start', 'c1');
    assert.deepEqual(dockerEvents(start), [start]);
    const networkCreate = podmanEvent('network', 'create', 'n1');
    assert.deepEqual(dockerEvents(networkCreate), [networkCreate]);
  });
});
