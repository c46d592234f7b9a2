// A DockerSource wired to the Docker API stub with a hand-driven clock, shared by the Docker source tests.
import Docker from 'dockerode';
import { afterEach } from 'node:test';
import { DockerSource, type DockerSourceOptions } from '../../src/identity/docker/docker-source.js';
import type { WorkloadEvent } from '../../src/identity/workload.js';
import { DockerApiStub, type StubEvent } from '../helpers/docker-api-stub.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { recordingLogger } from '../helpers/recording-logger.js';
import { recordingMetrics } from '../helpers/recording-metrics.js';

export const BRIDGE = { Id: 'net-bridge', Name: 'bridge', IPAM: { Config: [{ Subnet: '172.17.0.0/16', Gateway: '172.17.0.1' }, { Subnet: 'fd00::/64' }] } };
export const BACKEND = { Id: 'net-backend', Name: 'backend', IPAM: { Config: [{ Subnet: '172.18.0.0/16', Gateway: '172.18.0.1' }] } };

export function onBridge(ip: string, ipv6 = '') {
  return { bridge: { NetworkID: 'net-bridge', IPAddress: ip, GlobalIPv6Address: ipv6 } };
}

export function started(id: string): StubEvent {
  return { Type: 'container', Action: 'start', Actor: { ID: id } };
}

export function died(id: string): StubEvent {
  return { Type: 'container', Action: 'die', Actor: { ID: id } };
}

export interface Harness {
  stub: DockerApiStub;
  source: DockerSource;
  clock: FakeClock;
  changes: string[];
  metrics: ReturnType<typeof recordingMetrics>;
  log: ReturnType<typeof recordingLogger>;
  inspections: (id: string) => number;
}

export const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

export async function harness(setup: (stub: DockerApiStub) => void = () => {}, options: Partial<DockerSourceOptions> = {}): Promise<Harness> {
  const clock = new FakeClock();
  const stub = await new DockerApiStub(() => Math.floor(clock.now() / 1000)).listen();
  cleanups.push(() => stub.close());
  stub.networks = [structuredClone(BRIDGE), structuredClone(BACKEND)];
  setup(stub);
  const log = recordingLogger();
  const metrics = recordingMetrics();
  const source = new DockerSource({
    docker: new Docker({ socketPath: stub.socketPath }),
    logger: log.logger,
    metrics,
    clock,
    random: () => 1,
    ...options,
  });
  cleanups.push(() => source.close());
  const changes: string[] = [];
  source.onChange((event: WorkloadEvent) => changes.push(`${event.type} ${event.workload.name}`));
  await source.start();
  const inspections = (id: string) => stub.requests.filter((path) => path === `/containers/${id}/json`).length;
  return { stub, source, clock, changes, metrics, log, inspections };
}

