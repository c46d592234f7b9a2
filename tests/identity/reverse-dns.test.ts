import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ReverseDnsSource, type ContainerDirectory, type ReverseDnsOptions } from '../../src/identity/reverse-dns.js';
import type { Workload, WorkloadEvent } from '../../src/identity/workload.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { recordingLogger, WARN } from '../helpers/recording-logger.js';

function workload(id: string, hostname: string | undefined, role = `role-${id}`): Workload {
  return { id, name: id, source: 'docker', role: { spec: role }, ...(hostname === undefined ? {} : { hostname }) };
}

function directory(workloads: Workload[]): ContainerDirectory & { emit(event: WorkloadEvent): void; list: Workload[] } {
  const listeners: Array<(event: WorkloadEvent) => void> = [];
  return {
    list: workloads,
    workloads: () => workloads,
    onChange: (listener) => void listeners.push(listener),
    emit: (event) => listeners.forEach((listener) => listener(event)),
  };
}

function source(workloads: Workload[], ptr: Record<string, string[]>, options: Partial<ReverseDnsOptions> = {}) {
  const clock = new FakeClock();
  const log = recordingLogger();
  const asked: string[] = [];
  const containers = directory(workloads);
  const resolver = async (ip: string): Promise<string[]> => {
    asked.push(ip);
    const names = ptr[ip];
    if (names === undefined) throw Object.assign(new Error(`getHostByAddr ENOTFOUND ${ip}`), { code: 'ENOTFOUND' });
    return names;
  };
  const reverse = new ReverseDnsSource({ containers, logger: log.logger, resolver, clock, foundTtlMs: 60_000, notFoundTtlMs: 5_000, ...options });
  return { reverse, clock, asked, containers, log };
}

test('with the default pattern the whole PTR name must equal the container host name (case, trailing dot ignored)', async () => {
  const web = workload('web', 'web1.example.com');
  const { reverse } = source([workload('db', 'db1.example.com'), web, workload('bare', undefined)], {
    '10.0.0.5': ['WEB1.example.com.'],
    '10.0.0.6': ['web1'],
  });
  assert.equal(await reverse.resolveMiss('10.0.0.5'), web);
  assert.equal(await reverse.resolveMiss('10.0.0.6'), undefined);
  assert.equal(await reverse.resolveMiss('10.0.0.7'), undefined, 'no PTR record');
});

test('HOSTNAME_MATCH_REGEX: matched from the start of both names, the first groups compared', async () => {
  const web = workload('web', 'web1');
  const { reverse } = source(
    [web, workload('api', 'api-7.internal')],
    { '10.0.0.5': ['other.example', 'web1.ec2.internal'], '10.0.0.6': ['api-7.dc2'], '10.0.0.7': ['xweb1.ec2.internal'] },
    { hostnameMatch: /([a-z]+\d)/ },
  );
  assert.equal(await reverse.resolveMiss('10.0.0.5'), web, 'any PTR name may match');
  assert.equal(await reverse.resolveMiss('10.0.0.6'), undefined, '"api-7" does not match the pattern at its start');
  assert.equal(await reverse.resolveMiss('10.0.0.7'), undefined, 'anchored at the start like re.match');
});

test('a pattern that matches empty text never makes every name equal', async () => {
  const { reverse } = source([workload('web', 'web1')], { '10.0.0.5': ['db1'] }, { hostnameMatch: /x*/ });
  assert.equal(await reverse.resolveMiss('10.0.0.5'), undefined);
});

test('several containers with the name: none is chosen, with a warning', async () => {
  const { reverse, log } = source([workload('a', 'web1'), workload('b', 'web1')], { '10.0.0.5': ['web1'] });
  assert.equal(await reverse.resolveMiss('10.0.0.5'), undefined);
  assert.ok(log.lines.some((line) => line.level === WARN && /several containers/.test(line.msg)));
});

test('answers are cached, found and not found, and concurrent misses share one lookup', async () => {
  const web = workload('web', 'web1');
  const { reverse, clock, asked } = source([web], { '10.0.0.5': ['web1'] });
  assert.equal(reverse.lookup('10.0.0.5'), undefined, 'lookup never resolves names');
  const [first, second] = await Promise.all([reverse.resolveMiss('10.0.0.5'), reverse.resolveMiss('10.0.0.5')]);
  assert.equal(first, web);
  assert.equal(second, web);
  assert.equal(reverse.lookup('10.0.0.5'), web, 'a found name is on the hot path now');
  assert.deepEqual([...reverse.entries()], [['10.0.0.5', web]]);
  await reverse.resolveMiss('10.0.0.9');
  await reverse.resolveMiss('10.0.0.9');
  assert.deepEqual(asked, ['10.0.0.5', '10.0.0.9']);

  await clock.advance(5_000);
  await reverse.resolveMiss('10.0.0.9');
  assert.equal(reverse.lookup('10.0.0.5'), web);
  await clock.advance(55_000);
  assert.equal(reverse.lookup('10.0.0.5'), undefined, 'expired');
  assert.deepEqual([...reverse.entries()], []);
  await reverse.resolveMiss('10.0.0.5');
  assert.deepEqual(asked, ['10.0.0.5', '10.0.0.9', '10.0.0.9', '10.0.0.5']);
});

test('a removed container loses its cached answer at once; a new container clears cached misses', async () => {
  const web = workload('web', 'web1');
  const { reverse, containers, asked } = source([web], { '10.0.0.5': ['web1'], '10.0.0.6': ['web2'] });
  assert.equal(await reverse.resolveMiss('10.0.0.5'), web);
  assert.equal(await reverse.resolveMiss('10.0.0.6'), undefined);

  containers.list.splice(0, 1);
  containers.emit({ type: 'removed', workload: web });
  assert.equal(reverse.lookup('10.0.0.5'), undefined);

  const web2 = workload('web2', 'web2');
  containers.list.push(web2);
  containers.emit({ type: 'added', workload: web2 });
  assert.equal(await reverse.resolveMiss('10.0.0.6'), web2);
  assert.deepEqual(asked, ['10.0.0.5', '10.0.0.6', '10.0.0.6']);
});

test('an event drops only the answers it affects: answers for other containers, and cached misses on a removal, stay', async () => {
  const web = workload('web', 'web1');
  const api = workload('api', 'api1');
  const ptr: Record<string, string[]> = { '10.0.0.5': ['web1'], '10.0.0.6': ['web1'], '10.0.0.7': ['api1'] };
  const { reverse, clock, containers, asked } = source([web, api], ptr);
  for (const ip of ['10.0.0.5', '10.0.0.6', '10.0.0.7', '10.0.0.9']) await reverse.resolveMiss(ip);

  containers.list.splice(0, 1);
  containers.emit({ type: 'removed', workload: web });
  assert.deepEqual([...reverse.entries()], [['10.0.0.7', api]]);
  assert.equal(await reverse.resolveMiss('10.0.0.9'), undefined);
  assert.deepEqual(asked, ['10.0.0.5', '10.0.0.6', '10.0.0.7', '10.0.0.9'], 'the cached miss survived the removal');

  containers.emit({ type: 'added', workload: workload('db', 'db1') });
  assert.equal(reverse.lookup('10.0.0.7'), api, 'an added container leaves found answers alone');
  await reverse.resolveMiss('10.0.0.9');
  assert.deepEqual(asked.slice(4), ['10.0.0.9'], 'but drops cached misses');

  // An address re-resolved to another container moves with its answer: removing the old one leaves it.
  containers.list.push(web);
  await clock.advance(60_000);
  ptr['10.0.0.7'] = ['web1'];
  assert.equal(await reverse.resolveMiss('10.0.0.7'), web);
  containers.emit({ type: 'removed', workload: api });
  assert.equal(reverse.lookup('10.0.0.7'), web);
  containers.emit({ type: 'removed', workload: web });
  assert.equal(reverse.lookup('10.0.0.7'), undefined);
});

test('an evicted answer takes its address out of the removed container\'s reach', async () => {
  const web = workload('web', 'web1');
  const api = workload('api', 'api1');
  const ptr: Record<string, string[]> = { '10.0.0.5': ['web1'] };
  const { reverse, containers } = source([web, api], ptr, { maxEntries: 2 });
  for (const ip of ['10.0.0.5', '10.0.0.8', '10.0.0.9']) await reverse.resolveMiss(ip);
  assert.equal(reverse.lookup('10.0.0.5'), undefined, 'evicted');
  ptr['10.0.0.5'] = ['api1'];
  assert.equal(await reverse.resolveMiss('10.0.0.5'), api);
  containers.emit({ type: 'removed', workload: web });
  assert.equal(reverse.lookup('10.0.0.5'), api);
});

test('the cache is bounded, oldest first', async () => {
  const { reverse, asked } = source([], {}, { maxEntries: 2 });
  for (const ip of ['10.0.0.1', '10.0.0.2', '10.0.0.3', '10.0.0.1']) await reverse.resolveMiss(ip);
  assert.deepEqual(asked, ['10.0.0.1', '10.0.0.2', '10.0.0.3', '10.0.0.1']);
});
