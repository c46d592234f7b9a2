import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  containerAddresses,
  containerWorkload,
  envToKeep,
  isHostNetwork,
  parseEnv,
  type WorkloadRules,
} from '../../src/identity/docker/container-workload.js';
import { stubContainer } from '../helpers/docker-api-stub.js';
import { parseRoleSessionKey } from '../../src/config/role-session-key.js';
import { sessionNameFor } from '../../src/roles/session-name.js';

const rules: WorkloadRules = {
  aliasToArn: { reader: 'arn:aws:iam::123456789012:role/reader' },
  keepEnv: new Set(['SERVICE']),
};

function roleOf(env: string[], labels: Record<string, string> = {}, with_: Partial<WorkloadRules> = {}) {
  return containerWorkload(stubContainer('c1', { env, labels }), { ...rules, ...with_ });
}

describe('what a container carries', () => {
  test('IAM_ROLE in any spec form, with IAM_EXTERNAL_ID and a compacted IAM_POLICY', () => {
    for (const spec of ['app', 'app@123456789012', 'app@prod', 'team/app', 'arn:aws:iam::123456789012:role/app']) {
      assert.deepEqual(roleOf([`IAM_ROLE=${spec}`]).workload.role, { spec });
    }
    const { workload, warnings } = roleOf(['IAM_ROLE=app', 'IAM_EXTERNAL_ID=xid', 'IAM_POLICY={ "Version": "2012-10-17" }']);
    assert.deepEqual(workload.role, { spec: 'app', externalId: 'xid', policy: '{"Version":"2012-10-17"}' });
    assert.deepEqual(warnings, []);
  });

  test('the ec2metaproxy.RoleAlias label resolves through aliasToARN', () => {
    assert.deepEqual(roleOf([], { 'ec2metaproxy.RoleAlias': 'reader' }).workload.role, { spec: 'arn:aws:iam::123456789012:role/reader' });
  });

  test('an unknown alias gives no role and a warning', () => {
    const { workload, warnings } = roleOf([], { 'ec2metaproxy.RoleAlias': 'nobody' });
    assert.equal(workload.role, undefined);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!, /missing from aliasToARN/);
    assert.deepEqual(roleOf([], { 'ec2metaproxy.RoleAlias': 'toString' }).workload.role, undefined, 'no prototype keys');
  });

  test('precedence: IAM_ROLE over the alias label, IAM_POLICY over the policy label', () => {
    const { workload, warnings } = roleOf(['IAM_ROLE=app', 'IAM_POLICY={"Statement":[]}'], {
      'ec2metaproxy.RoleAlias': 'nobody',
      'ec2metaproxy.Policy': '{"Version":"label"}',
    });
    assert.deepEqual(workload.role, { spec: 'app', policy: '{"Statement":[]}' });
    assert.deepEqual(warnings, [], 'an alias that is not used is not checked');
    assert.deepEqual(roleOf([], { 'ec2metaproxy.RoleAlias': 'reader', 'ec2metaproxy.Policy': '{"Version":"label"}' }).workload.role, {
      spec: 'arn:aws:iam::123456789012:role/reader',
      policy: '{"Version":"label"}',
    });
  });

  test('empty values count as absent', () => {
    const { workload } = roleOf(['IAM_ROLE=', 'IAM_POLICY= '], { 'ec2metaproxy.RoleAlias': 'reader' });
    assert.deepEqual(workload.role, { spec: 'arn:aws:iam::123456789012:role/reader' });
  });

  test('an invalid policy is passed on as written (STS refuses it: fail closed) with a warning', () => {
    const { workload, warnings } = roleOf(['IAM_ROLE=app', 'IAM_POLICY=allow everything']);
    assert.deepEqual(workload.role, { spec: 'app', policy: 'allow everything' });
    assert.match(warnings[0]!, /policy is not valid JSON; STS will refuse it/);
    assert.ok(!warnings[0]!.includes('allow everything'));
  });

  test('a policy or external id without a role goes with the default role, when there is one', () => {
    assert.deepEqual(roleOf(['IAM_EXTERNAL_ID=xid'], {}, { defaultRole: 'fallback' }).workload.role, { spec: 'fallback', externalId: 'xid' });
    assert.deepEqual(roleOf([], { 'ec2metaproxy.Policy': '{}' }, { defaultRole: 'fallback' }).workload.role, { spec: 'fallback', policy: '{}' });
    assert.equal(roleOf(['IAM_EXTERNAL_ID=xid']).workload.role, undefined);
    assert.equal(roleOf(['OTHER=1'], {}, { defaultRole: 'fallback' }).workload.role, undefined, 'the composite applies the plain default');
  });

  test('env entries without "=" are tolerated; values may contain "="', () => {
    assert.deepEqual([...parseEnv(['FLAG', '=odd', 'A=b=c', 'EMPTY=', 'A=last'])], [['A', 'last'], ['EMPTY', '']]);
    assert.deepEqual(parseEnv(null).size, 0);
    assert.deepEqual(roleOf(['IAM_ROLE', 'IAM_ROLE=app=x']).workload.role, { spec: 'app=x' });
  });

  test('the workload: id, name without "/", host name with domain, labels, and only the env vars kept', () => {
    const container = stubContainer('0123456789abcdef', {
      name: 'web',
      env: ['SERVICE=checkout', 'DB_PASSWORD=hunter2', 'IAM_ROLE=app'],
      labels: { team: 'payments' },
      hostname: 'web1',
    });
    container.Config!.Domainname = 'example.com';
    assert.deepEqual(containerWorkload(container, rules).workload, {
      id: '0123456789abcdef',
      name: 'web',
      source: 'docker',
      labels: { team: 'payments' },
      env: { SERVICE: 'checkout' },
      hostname: 'web1.example.com',
      role: { spec: 'app' },
    });
    container.Config = null;
    assert.deepEqual(containerWorkload(container, rules).workload, { id: '0123456789abcdef', name: 'web', source: 'docker', labels: {}, env: {} });
  });

  test('env kept for ROLE_SESSION_KEY (Env: or bare name) and COPY_DOCKER_ENV', () => {
    assert.deepEqual([...envToKeep('Env:SESSION', ['A'])].sort(), ['A', 'SESSION']);
    assert.deepEqual([...envToKeep('SESSION')], ['SESSION']);
    assert.deepEqual([...envToKeep('Labels:session')], []);
    assert.deepEqual([...envToKeep(undefined)], []);
    // Prefixes in any case, as ROLE_SESSION_KEY accepts them.
    assert.deepEqual([...envToKeep('env:TEAM')], ['TEAM']);
    assert.deepEqual([...envToKeep('LABELS:team')], []);
  });
});

describe('swarm task containers', () => {
  test('role from the task env (service --env) or label (--container-label); the service name on the workload and for ROLE_SESSION_KEY', () => {
    const labels = { 'com.docker.swarm.service.name': 'billing_api', 'com.docker.swarm.task.id': 'x1' };
    const fromEnv = roleOf(['IAM_ROLE=billing'], labels).workload;
    assert.deepEqual(fromEnv.role, { spec: 'billing' });
    assert.equal(fromEnv.service, 'billing_api');
    assert.equal(sessionNameFor(fromEnv, fromEnv.role, parseRoleSessionKey('Labels:com.docker.swarm.service.name')), 'billing_api');
    const fromLabel = roleOf([], { ...labels, 'ec2metaproxy.RoleAlias': 'reader' }).workload;
    assert.deepEqual(fromLabel.role, { spec: 'arn:aws:iam::123456789012:role/reader' });
    assert.equal(roleOf(['IAM_ROLE=plain']).workload.service, undefined, 'a plain container has no service');
  });
});

describe('container addresses', () => {
  test('every network, IPv4 and IPv6, the legacy top-level fields folded in', () => {
    const addresses = containerAddresses({
      IPAddress: '172.17.0.2',
      GlobalIPv6Address: '',
      NetworkID: 'bridge-id',
      Networks: {
        bridge: { NetworkID: 'bridge-id', IPAddress: '172.17.0.2', GlobalIPv6Address: '2001:DB8::2' },
        backend: { NetworkID: 'backend-id', IPAddress: '172.18.0.3', GlobalIPv6Address: '' },
        macvlan: { NetworkID: 'mac-id', IPAddress: '192.168.1.50' },
        broken: null,
      },
    });
    assert.deepEqual(addresses, [
      { address: '172.17.0.2', network: 'bridge-id' },
      { address: '2001:db8::2', network: 'bridge-id' },
      { address: '172.18.0.3', network: 'backend-id' },
      { address: '192.168.1.50', network: 'mac-id' },
    ]);
  });

  test('no settings, no networks, or host networking: no addresses', () => {
    assert.deepEqual(containerAddresses(undefined), []);
    assert.deepEqual(containerAddresses({ Networks: null }), []);
    assert.deepEqual(containerAddresses({ Networks: { host: { NetworkID: 'h', IPAddress: '' } } }), []);
    assert.equal(isHostNetwork({ HostConfig: { NetworkMode: 'host' } }), true);
    assert.equal(isHostNetwork({ HostConfig: { NetworkMode: 'bridge' } }), false);
    assert.equal(isHostNetwork({}), false);
  });
});

describe('session tags, duration, image and authorization token of a container', () => {
  test('labels metadataproxy.session-tag.KEY, then IAM_SESSION_TAGS over them per key; IAM_ROLE_DURATION in seconds or as a duration', () => {
    const { workload, warnings } = roleOf(['IAM_ROLE=app', 'IAM_SESSION_TAGS=team=payments,env=prod', 'IAM_ROLE_DURATION=2h'], {
      'metadataproxy.session-tag.team': 'from-label',
      'metadataproxy.session-tag.cost-center': '4711',
    });
    assert.deepEqual(workload.role, { spec: 'app', session: { tags: { team: 'payments', 'cost-center': '4711', env: 'prod' }, durationSeconds: 7200 } });
    assert.deepEqual(warnings, []);
  });

  test('tags or a duration without a role ride on the default role', () => {
    assert.deepEqual(roleOf(['IAM_ROLE_DURATION=1800'], {}, { defaultRole: 'fallback' }).workload.role, { spec: 'fallback', session: { durationSeconds: 1800 } });
    assert.deepEqual(roleOf([], { 'metadataproxy.session-tag.team': 'x' }, { defaultRole: 'fallback' }).workload.role, {
      spec: 'fallback',
      session: { tags: { team: 'x' } },
    });
  });

  test('each invalid value refuses the binding with its reason and a warning, never a silent drop', () => {
    const cases: Array<[string[], Record<string, string>, RegExp]> = [
      [['IAM_SESSION_TAGS=team'], {}, /IAM_SESSION_TAGS: session tag entry "team" is not KEY=VALUE/],
      [['IAM_SESSION_TAGS=team=a;b'], {}, /session tag "team": the value must be/],
      [[], { 'metadataproxy.session-tag.bad!key': 'v' }, /session tag key "bad!key"/],
      [['IAM_ROLE_DURATION=forever'], {}, /IAM_ROLE_DURATION: session duration "forever" is not a number/],
      [['IAM_ROLE_DURATION=600'], {}, /session duration 600 must be/],
      [['IAM_ROLE_DURATION=13h'], {}, /session duration 46800 must be/],
    ];
    for (const [env, labels, reason] of cases) {
      const { workload, warnings } = roleOf(['IAM_ROLE=app', ...env], labels);
      assert.match(workload.role?.refusal ?? '', reason, env.join() || JSON.stringify(labels));
      assert.equal(warnings.length, 1);
      assert.match(warnings[0]!, reason);
      assert.match(warnings[0]!, /gets no credentials until this is fixed/);
    }
  });

  test('an invalid value is warned about even when there is no role (and no default role) to refuse', () => {
    const { workload, warnings } = roleOf(['IAM_ROLE_DURATION=5'], {});
    assert.equal(workload.role, undefined);
    assert.match(warnings.join(), /session duration 5 must be/);
  });

  test('the image, and AWS_CONTAINER_AUTHORIZATION_TOKEN kept apart from the env metrics may copy', () => {
    const container = stubContainer('c1', { env: ['IAM_ROLE=app', 'AWS_CONTAINER_AUTHORIZATION_TOKEN=s3cret', 'SERVICE=web'] });
    container.Config!.Image = 'registry:5000/app:1.2';
    const { workload } = containerWorkload(container, { ...rules, keepEnv: new Set(['SERVICE', 'AWS_CONTAINER_AUTHORIZATION_TOKEN']) });
    assert.equal(workload.image, 'registry:5000/app:1.2');
    assert.equal(workload.authorizationToken, 's3cret');
    assert.deepEqual(workload.env, { SERVICE: 'web' }, 'never copied into env, even when COPY_DOCKER_ENV names it');
    assert.equal(roleOf(['IAM_ROLE=app']).workload.authorizationToken, undefined);
    assert.equal(roleOf(['AWS_CONTAINER_AUTHORIZATION_TOKEN=']).workload.authorizationToken, undefined);
  });
});
