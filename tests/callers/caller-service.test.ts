// The caller pipeline on its own: memoized roles, the default role, the per-connection memo, and prefetch
// bookkeeping (retain on start, release when the workload goes, no leak when the two race).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { CallerService, type CredentialSource, type WorkloadDirectory } from '../../src/callers/caller-service.js';
import { Prefetch } from '../../src/callers/prefetch.js';
import type { AssumeRoleRequest } from '../../src/roles/assume-request.js';
import type { Workload } from '../../src/identity/workload.js';
import { silentLogger } from '../../src/observability/logger.js';
import { eventually } from '../helpers/eventually.js';

function workload(id: string, spec?: string): Workload {
  return { id, name: id, source: 'docker', ...(spec !== undefined && { role: { spec } }) };
}

function recordingCredentials() {
  const held = new Map<string, number>();
  const source: CredentialSource = {
    keyOf: (request: AssumeRoleRequest) => request.roleArn,
    getByKey: () => undefined,
    get: () => ({ body: Buffer.from('{}'), credentials: { accessKeyId: 'a', secretAccessKey: 's', sessionToken: 't', expiration: new Date(0) } }),
    retain: (request: AssumeRoleRequest) => void held.set(request.roleArn, (held.get(request.roleArn) ?? 0) + 1),
    release: (request: AssumeRoleRequest) => {
      const left = (held.get(request.roleArn) ?? 0) - 1;
      if (left > 0) held.set(request.roleArn, left);
      else held.delete(request.roleArn);
    },
  };
  return { source, held };
}

function service(options: { credentials: CredentialSource; defaultSpec?: string; slowResolve?: boolean; identity?: WorkloadDirectory }) {
  let resolutions = 0;
  let resolved = 0;
  const role = (spec: string) => ({ arn: `arn:aws:iam::123456789012:role/${spec}`, name: spec });
  return {
    resolutions: () => resolutions,
    /** Resolutions that have finished: what a prefetch waits for before it retains anything. */
    resolved: () => resolved,
    service: new CallerService({
      identity: options.identity ?? { lookupChecked: () => undefined, generation: () => 0, resolveMiss: async () => undefined },
      resolver: {
        peek: (spec) => (options.slowResolve ? undefined : role(spec)),
        resolve: async (spec) => {
          resolutions++;
          await new Promise((r) => setTimeout(r, 5));
          resolved++;
          return role(spec);
        },
      },
      credentials: options.credentials,
      assumeRole: { roleDurationSeconds: 3600 },
      ...(options.defaultSpec !== undefined && { defaultBinding: { spec: options.defaultSpec } }),
      now: () => new Date(0),
    }),
  };
}

function prefetching(options: { credentials: CredentialSource; slowResolve?: boolean }) {
  const built = service(options);
  return { ...built, prefetch: new Prefetch({ callers: built.service, credentials: options.credentials, logger: silentLogger }) };
}


test('a resolved role is memoized per workload and answered synchronously', async () => {
  const { service: s, resolutions } = service({ credentials: recordingCredentials().source, slowResolve: true });
  const app = workload('a', 'app');
  const first = await s.roleFor(app);
  assert.equal(first?.roleName, 'app');
  const second = s.roleFor(app);
  assert.ok(!(second instanceof Promise), 'warm lookups do not return a promise');
  assert.equal(second, first);
  assert.equal(resolutions(), 1);
});

test('concurrent first lookups share one resolution', async () => {
  const { service: s, resolutions } = service({ credentials: recordingCredentials().source, slowResolve: true });
  const app = workload('a', 'app');
  await Promise.all([s.roleFor(app), s.roleFor(app), s.roleFor(app)]);
  assert.equal(resolutions(), 1);
});

test('the default role covers workloads without one and unknown callers, only when configured', async () => {
  const withDefault = service({ credentials: recordingCredentials().source, defaultSpec: 'fallback' }).service;
  assert.equal((await withDefault.roleFor(workload('x')))?.roleName, 'fallback');
  assert.equal((await withDefault.roleFor(undefined))?.roleName, 'fallback');
  assert.equal((await withDefault.roleFor(workload('y', 'own')))?.roleName, 'own');
  const without = service({ credentials: recordingCredentials().source }).service;
  assert.equal(await without.roleFor(workload('x')), undefined);
  assert.equal(await without.roleFor(undefined), undefined);
});

test('a keep-alive connection remembers its workload and role until the identity index moves', async () => {
  const app = workload('a', 'app');
  let generation = 1;
  let lookups = 0;
  const identity: WorkloadDirectory = { lookupChecked: () => (lookups++, app), generation: () => generation, resolveMiss: async () => undefined };
  const { service: s } = service({ credentials: recordingCredentials().source, identity });
  const socket = {} as Socket;
  assert.equal(s.identify('10.0.0.1', socket), app);
  const role = s.roleFor(app, socket);
  assert.equal(s.identify('10.0.0.1', socket), app);
  assert.equal(s.roleFor(app, socket), role);
  assert.equal(lookups, 1, 'the second request on the connection looks nothing up');
  generation = 2;
  assert.equal(s.identify('10.0.0.1', socket), app);
  assert.equal(lookups, 2, 'a moved index means looking up afresh');
  assert.equal(s.identify('10.0.0.1'), app, 'without a socket nothing is remembered');
  assert.equal(lookups, 3);
});

test('prefetch retains while a workload lives and releases when it goes', async () => {
  const { source, held } = recordingCredentials();
  const { prefetch: s } = prefetching({ credentials: source });
  const a = workload('a', 'app');
  const b = workload('b', 'app');
  s.onWorkloadEvent({ type: 'added', workload: a });
  s.onWorkloadEvent({ type: 'added', workload: b });
  await eventually(() => held.get('arn:aws:iam::123456789012:role/app') === 2, 'both workloads retain the role');
  assert.equal(held.get('arn:aws:iam::123456789012:role/app'), 2);
  s.onWorkloadEvent({ type: 'removed', workload: a });
  assert.equal(held.get('arn:aws:iam::123456789012:role/app'), 1);
  s.onWorkloadEvent({ type: 'removed', workload: b });
  assert.equal(held.size, 0, 'no holder left once every container of the role is gone');
});

test('a workload whose role changes moves its hold to the new role', async () => {
  const { source, held } = recordingCredentials();
  const { prefetch: s } = prefetching({ credentials: source });
  s.onWorkloadEvent({ type: 'added', workload: workload('a', 'old') });
  await eventually(() => held.has('arn:aws:iam::123456789012:role/old'), 'the old role is retained');
  s.onWorkloadEvent({ type: 'added', workload: workload('a', 'new') });
  await eventually(() => held.has('arn:aws:iam::123456789012:role/new'), 'the new role is retained');
  assert.deepEqual([...held.keys()], ['arn:aws:iam::123456789012:role/new']);
});

test('a workload removed while its role is still resolving is never retained', async () => {
  const { source, held } = recordingCredentials();
  const { prefetch: s, resolved } = prefetching({ credentials: source, slowResolve: true });
  const a = workload('a', 'app');
  s.onWorkloadEvent({ type: 'added', workload: a });
  s.onWorkloadEvent({ type: 'removed', workload: a });
  // The prefetch acts in the same turn as the resolution ends, so once it has ended there is nothing left to wait for.
  await eventually(() => resolved() === 1, 'the role resolution has finished');
  assert.equal(held.size, 0);
});
