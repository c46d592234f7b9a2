// STS mode aws: the proxy resolves its own credentials and asks sts:GetCallerIdentity in the background;
// /readyz is not ready (and says why) until that works, /status shows who the proxy is.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type AddressInfo } from 'node:net';
import { startCli, type CliProcess } from './cli-process.js';
import { FakeAws } from '../helpers/fake-aws.js';

const SECRET = 'proxy-own-secret-0123456789abcdef';
const NO_SHARED_FILES = { AWS_CONFIG_FILE: '/nonexistent/config', AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/credentials', AWS_EC2_METADATA_DISABLED: 'true' };
const KEYS = { AWS_ACCESS_KEY_ID: 'AKIAPROXYOWNKEY00000', AWS_SECRET_ACCESS_KEY: SECRET };

interface Ready {
  ready: boolean;
  checks: Record<string, { ok: boolean; detail?: string }>;
}

async function readyz(cli: CliProcess): Promise<Ready> {
  return (await (await fetch(`http://${cli.admin}/readyz`)).json()) as Ready;
}

async function readyzUntil(cli: CliProcess, what: string, check: (r: Ready) => boolean): Promise<Ready> {
  let last = await readyz(cli);
  for (let i = 0; i < 300 && !check(last); i++) {
    await new Promise((r) => setTimeout(r, 50));
    last = await readyz(cli);
  }
  assert.ok(check(last), `${what}: ${JSON.stringify(last)}\n${cli.output()}`);
  return last;
}

function start(env: Record<string, string>): Promise<CliProcess> {
  return startCli([], { MOCK_API: 'true', AWS_REGION: 'eu-west-1', ...NO_SHARED_FILES, ...env });
}

test('with credentials: one line names account, ARN, region and endpoint, never the secret; ready; /status shows it', async () => {
  const aws = await FakeAws.start();
  const cli = await start({ ...KEYS, AWS_ENDPOINT_URL_STS: aws.url });
  try {
    const ready = await readyzUntil(cli, 'ready', (r) => r.ready);
    assert.match(ready.checks.sts!.detail!, /arn:aws:iam::123456789012:user\/metadataproxy/);
    assert.equal((cli.output().match(/proxy identity: /g) ?? []).length, 1);
    assert.match(cli.output(), new RegExp(`proxy identity: arn:aws:iam::123456789012:user/metadataproxy \\(account 123456789012, region eu-west-1, STS ${aws.url}\\)`));
    assert.ok(!cli.output().includes(SECRET));
    const call = aws.calls.find((c) => c.action === 'GetCallerIdentity');
    assert.equal(call?.region, 'eu-west-1', 'signed for the regional endpoint in use');
    const status = (await (await fetch(`http://${cli.admin}/status`)).json()) as { proxy: { awsIdentity: Record<string, string> } };
    assert.equal(status.proxy.awsIdentity.state, 'ok');
    assert.equal(status.proxy.awsIdentity.account, '123456789012');
    assert.equal(status.proxy.awsIdentity.endpoint, aws.url);
  } finally {
    cli.child.kill('SIGKILL');
    await aws.close();
  }
});

test('no credentials anywhere: not ready, and /readyz says so', async () => {
  const aws = await FakeAws.start();
  const cli = await start({ AWS_ENDPOINT_URL_STS: aws.url });
  try {
    const ready = await readyzUntil(cli, 'a failed attempt', (r) => /no usable AWS credentials/.test(r.checks.sts?.detail ?? ''));
    assert.equal(ready.ready, false);
    assert.match(ready.checks.sts!.detail!, /no credentials: Could not load credentials from any providers/);
    assert.equal(aws.count('GetCallerIdentity'), 0, 'nothing unsigned was sent');
  } finally {
    cli.child.kill('SIGKILL');
    await aws.close();
  }
});

test('AccessDenied: not ready with the code; retried with backoff until STS answers', async () => {
  const aws = await FakeAws.start();
  aws.failWith({ status: 403, code: 'AccessDenied', message: 'User is not authorized to perform: sts:GetCallerIdentity' });
  const cli = await start({ ...KEYS, AWS_ENDPOINT_URL_STS: aws.url });
  try {
    const ready = await readyzUntil(cli, 'refused', (r) => /AccessDenied/.test(r.checks.sts?.detail ?? ''));
    assert.equal(ready.ready, false);
    assert.match(ready.checks.sts!.detail!, new RegExp(`STS at ${aws.url} refused GetCallerIdentity: AccessDenied: User is not authorized`));
    aws.clearFailures();
    await readyzUntil(cli, 'ready once STS answers', (r) => r.ready);
    assert.ok(aws.count('GetCallerIdentity') >= 2);
    assert.equal((cli.output().match(/proxy has no usable AWS credentials/g) ?? []).length, 1, 'one WARN however many retries');
  } finally {
    cli.child.kill('SIGKILL');
    await aws.close();
  }
});

test('STS unreachable: not ready, naming the endpoint', async () => {
  const closed = createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(closed.address() as AddressInfo).port}`;
  await new Promise((resolve) => closed.close(resolve));
  const cli = await start({ ...KEYS, AWS_ENDPOINT_URL_STS: url });
  try {
    const ready = await readyzUntil(cli, 'unreachable', (r) => /unreachable/.test(r.checks.sts?.detail ?? ''));
    assert.equal(ready.ready, false);
    assert.match(ready.checks.sts!.detail!, new RegExp(`STS unreachable at ${url}: ECONNREFUSED`));
  } finally {
    cli.child.kill('SIGKILL');
  }
});
