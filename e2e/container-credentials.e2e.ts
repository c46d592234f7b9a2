// The container-credentials protocol from real containers: real SDK clients (JS v3 fromHttp with the EKS
// full URI, fromContainerMetadata with an ECS relative URI, both default chains, and botocore's container
// provider) reach the proxy at 169.254.170.23 and 169.254.170.2 through the DNAT rules that
// `metadataproxy iptables` adds, and each container gets its own role, with and without an authorization
// token. The default chains pick this endpoint before IMDS. A container's session tags, SourceIdentity and
// duration reach the fake STS as configured, and a tag STS would refuse gets 404 without a call.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { createLab, type Lab } from './lab/lab.js';
import { runOnce, startContainer, wget, type Container } from './lab/containers.js';
import { mustRun } from './lab/exec.js';
import { PROXY_PORT } from './lab/proxy.js';
import { assertIssuedFor, roleArn } from './lab/metadata.js';
import { BUSYBOX_IMAGE } from './lab/busybox-image.js';
import { sentSession } from '../tests/helpers/fake-aws.js';

const CLIENT = fileURLToPath(new URL('./fixtures/container-credentials-client.js', import.meta.url));
const CLI = fileURLToPath(new URL('../src/cli.js', import.meta.url));
const CONTAINER_PORT = 8081;
const FULL_URI = 'http://169.254.170.23/v1/credentials';
// botocore's default chain, which puts its container provider before IMDS; prints the key and the provider.
const BOTOCORE = [
  'import botocore.session, json',
  'c = botocore.session.get_session().get_credentials()',
  'print(json.dumps({"key": c.access_key, "method": c.method}))',
].join('\n');

interface ClientReport {
  http: string;
  metadata: string;
  chain: string;
  chainSources: string[];
  botocore: { key: string; method: string };
}

describe('container credentials through DNAT', { timeout: 600_000 }, () => {
  let lab: Lab;
  let guarded: Container;

  before(async () => {
    lab = await createLab();
    // The product's own rules, applied in the lab's namespace: DNAT for 169.254.170.2:80 and 169.254.170.23:80.
    const env = { ...process.env, HOST: lab.gateway, PORT: String(PROXY_PORT), CONTAINER_CREDENTIALS_PORT: String(CONTAINER_PORT) };
    await mustRun('nsenter', [`--net=/run/netns/${lab.name}`, process.execPath, CLI, 'iptables', '--apply', '--interface', 'docker0'], { env });
    await lab.proxy.start({
      env: { CONTAINER_CREDENTIALS_PORT: String(CONTAINER_PORT), DEFAULT_SESSION_TAGS: 'container={name},image={image}', SOURCE_IDENTITY_KEY: 'Name' },
    });
    guarded = await startContainer(lab.engine, {
      env: { IAM_ROLE: 'cc-guarded', AWS_CONTAINER_AUTHORIZATION_TOKEN: 'Bearer e2e-token-b' },
      options: ['--volume', '/:/host:ro'],
    });
  });
  after(() => lab?.destroy());

  /** The host's node and python against the project's node_modules, in the container's own network. */
  async function clients(run: (command: string[]) => Promise<{ code: number | null; stdout: string; stderr: string }>): Promise<ClientReport> {
    const script = [
      `${process.execPath} ${CLIENT}`,
      // botocore (Debian's) allows full URIs only on 169.254.170.2 and loopback: it gets the ECS relative form.
      `env -u AWS_CONTAINER_CREDENTIALS_FULL_URI AWS_CONTAINER_CREDENTIALS_RELATIVE_URI=/v2/credentials/e2e-task python3 -c '${BOTOCORE}'`,
    ].join(' && ');
    const result = await run(['chroot', '/host', 'sh', '-c', script]);
    assert.equal(result.code, 0, `clients failed:\n${result.stderr}`);
    const [js, py] = result.stdout.trim().split('\n');
    return { ...(JSON.parse(js!) as Omit<ClientReport, 'botocore'>), botocore: JSON.parse(py!) as ClientReport['botocore'] };
  }

  /** Every client got the one cached set of the container's role; both default chains chose this endpoint. */
  async function assertOwnRole(report: ClientReport, role: string): Promise<void> {
    assert.deepEqual(new Set([report.http, report.metadata, report.chain, report.botocore.key]).size, 1, JSON.stringify(report));
    await assertIssuedFor(lab.agent, roleArn(role), report.http);
    assert.ok(report.chainSources.includes('CREDENTIALS_HTTP'), `JS default chain used ${report.chainSources.join(', ')}`);
    assert.equal(report.botocore.method, 'container-role');
  }

  it('serves a new container its own role without a token, from its very first request', () =>
    lab.withLogs(async () => {
      const env = { IAM_ROLE: 'cc-open', HOME: '/nonexistent', AWS_CONTAINER_CREDENTIALS_FULL_URI: FULL_URI };
      const report = await clients((command) => runOnce(lab.engine, { env, options: ['--volume', '/:/host:ro'] }, command, 180_000));
      await assertOwnRole(report, 'cc-open');
    }));

  it('serves a container with AWS_CONTAINER_AUTHORIZATION_TOKEN its own role when the SDKs send the token', () =>
    lab.withLogs(async () => {
      const report = await clients((command) =>
        lab.engine.dockerResult(['exec', '--env', 'HOME=/nonexistent', '--env', `AWS_CONTAINER_CREDENTIALS_FULL_URI=${FULL_URI}`, guarded.id, ...command], 180_000),
      );
      await assertOwnRole(report, 'cc-guarded');
    }));

  it('refuses that container with 401 without its token or with another, at both addresses', () =>
    lab.withLogs(async () => {
      for (const url of ['http://169.254.170.2/v2/credentials/x', FULL_URI]) {
        for (const header of [[], ['--header', 'Authorization: Bearer e2e-token-a']]) {
          const [timeout, seconds, ...get] = wget(url);
          const result = await lab.engine.dockerResult(['exec', guarded.id, timeout!, seconds!, ...get.slice(0, -1), ...header, url]);
          assert.notEqual(result.code, 0, `answered without the token: ${result.stdout}`);
          assert.match(result.stderr, /\b401\b/, `${url} ${header.join(' ')}`);
        }
      }
    }));

  it('sends a container\'s session tags (labels, IAM_SESSION_TAGS, DEFAULT_SESSION_TAGS), SourceIdentity and IAM_ROLE_DURATION to STS', () =>
    lab.withLogs(async () => {
      const tagged = await startContainer(lab.engine, {
        env: { IAM_ROLE: 'cc-tagged', IAM_SESSION_TAGS: 'env=prod,team=billing', IAM_ROLE_DURATION: '30m' },
        labels: { 'metadataproxy.session-tag.team': 'payments', 'metadataproxy.session-tag.cost-center': '4711' },
        options: ['--name', 'tagged-app'],
      });
      const [timeout, seconds, ...get] = wget('http://169.254.170.2/v1/credentials');
      const answer = await lab.engine.dockerResult(['exec', tagged.id, timeout!, seconds!, ...get]);
      assert.equal(answer.code, 0, answer.stderr);
      const key = (JSON.parse(answer.stdout) as { AccessKeyId: string }).AccessKeyId;
      const call = (await lab.agent.assumeRoleCalls(roleArn('cc-tagged'))).find((c) => c.issuedKeyId === key)!;
      assert.deepEqual(sentSession(call.params), {
        tags: [
          { key: 'container', value: 'tagged-app' },
          { key: 'cost-center', value: '4711' },
          { key: 'env', value: 'prod' },
          { key: 'image', value: BUSYBOX_IMAGE },
          { key: 'team', value: 'billing' },
        ],
        transitiveTagKeys: [],
        sourceIdentity: 'tagged-app',
        durationSeconds: 1800,
      });
    }));

  it('refuses a container whose session tag STS would refuse: 404, the reason logged, no STS call', () =>
    lab.withLogs(async () => {
      const bad = await startContainer(lab.engine, { env: { IAM_ROLE: 'cc-bad-tag' }, labels: { 'metadataproxy.session-tag.team': 'a;b' } });
      const [timeout, seconds, ...get] = wget('http://169.254.170.2/v1/credentials');
      const answer = await lab.engine.dockerResult(['exec', bad.id, timeout!, seconds!, ...get]);
      assert.notEqual(answer.code, 0, answer.stdout);
      assert.match(answer.stderr, /\b404\b/);
      assert.equal((await lab.agent.assumeRoleCalls(roleArn('cc-bad-tag'))).length, 0);
      assert.match(lab.proxy.logTail(200), /session tag \\?"team\\?": the value must be/);
    }));

  it('never answered these SDKs through IMDS', () =>
    lab.withLogs(async () => {
      const metrics = (await lab.proxy.admin('/metrics')).body;
      assert.match(metrics, /metadataproxy_http_requests_total\{handler="container-credentials",status="200"[^}]*\} [1-9]/);
      assert.doesNotMatch(metrics, /metadataproxy_http_requests_total\{handler="credentials"/);
    }));
});
