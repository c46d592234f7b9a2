import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { createLogger, type Logger } from '../../src/observability/logger.js';
import { startNewRelic } from '../../src/observability/newrelic.js';

function captureLogger(): { logger: Logger; lines: () => Array<Record<string, unknown>> } {
  const written: string[] = [];
  const logger = createLogger({ level: 'info', format: 'json', destination: { write: (l: string) => void written.push(l) } });
  return { logger, lines: () => written.map((l) => JSON.parse(l) as Record<string, unknown>) };
}

const settings = { newrelicAppName: 'metadataproxy-test', newrelicLicense: 'a'.repeat(40) };

describe('New Relic agent', () => {
  it('is not loaded without NEWRELIC_APP_NAME and NEWRELIC_LICENSE', async () => {
    const { logger, lines } = captureLogger();
    const env: NodeJS.ProcessEnv = {};
    assert.equal(await startNewRelic({}, logger, env, () => assert.fail('must not load')), false);
    assert.deepEqual(lines(), []);
    assert.deepEqual(env, {});
  });

  it('warns once when only one of the two is set', async () => {
    const { logger, lines } = captureLogger();
    assert.equal(await startNewRelic({ newrelicAppName: 'x' }, logger, {}, () => assert.fail('must not load')), false);
    assert.equal(lines().length, 1);
    assert.match(String(lines()[0]!.msg), /NEWRELIC_APP_NAME and NEWRELIC_LICENSE must both be set/);
  });

  it('configures the agent through its own environment variables, keeping ones the operator set', async () => {
    const { logger } = captureLogger();
    const env: NodeJS.ProcessEnv = { NEW_RELIC_LOG_LEVEL: 'info' };
    let loaded = 0;
    assert.equal(await startNewRelic(settings, logger, env, async () => void loaded++), true);
    assert.equal(loaded, 1);
    assert.equal(env.NEW_RELIC_APP_NAME, settings.newrelicAppName);
    assert.equal(env.NEW_RELIC_LICENSE_KEY, settings.newrelicLicense);
    assert.equal(env.NEW_RELIC_NO_CONFIG_FILE, 'true');
    assert.equal(env.NEW_RELIC_LOG, 'stderr');
    assert.equal(env.NEW_RELIC_LOG_LEVEL, 'info');
  });

  it('a missing or failing agent package is one warning, and the proxy goes on', async () => {
    const { logger, lines } = captureLogger();
    const missing = Object.assign(new Error("Cannot find package 'newrelic'"), { code: 'ERR_MODULE_NOT_FOUND' });
    assert.equal(await startNewRelic(settings, logger, {}, () => Promise.reject(missing)), false);
    assert.equal(lines().length, 1);
    assert.equal(lines()[0]!.level, 40);
    assert.ok(!JSON.stringify(lines()).includes(settings.newrelicLicense), 'the license key is not logged');
  });

  it('the real agent with an unreachable collector neither blocks start-up nor stops a server answering', async () => {
    // A namespace with only loopback: whatever the agent tries to reach, nothing leaves the machine.
    const ns = `mdp-nr-${randomBytes(3).toString('hex')}`;
    execFileSync('ip', ['netns', 'add', ns]);
    try {
      execFileSync('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
      const moduleUrl = new URL('../../src/observability/newrelic.js', import.meta.url).href;
      const loggerUrl = new URL('../../src/observability/logger.js', import.meta.url).href;
      const script = `
        import http from 'node:http';
        const { startNewRelic } = await import(${JSON.stringify(moduleUrl)});
        const { createLogger } = await import(${JSON.stringify(loggerUrl)});
        const logger = createLogger({ level: 'info', format: 'json' });
        const started = await startNewRelic(${JSON.stringify(settings)}, logger);
        const server = http.createServer((req, res) => res.end('still answering'));
        server.listen(0, '127.0.0.1', () => {
          http.get({ host: '127.0.0.1', port: server.address().port }, (res) => {
            let body = '';
            res.on('data', (d) => (body += d));
            res.on('end', () => { console.log(JSON.stringify({ started, body })); process.exit(0); });
          });
        });`;
      const env = {
        PATH: process.env.PATH,
        // Belt and braces on top of the namespace: a closed local collector port, no cloud probing.
        NEW_RELIC_HOST: '127.0.0.1',
        NEW_RELIC_PORT: '9',
        NEW_RELIC_UTILIZATION_DETECT_AWS: 'false',
        NEW_RELIC_UTILIZATION_DETECT_AZURE: 'false',
        NEW_RELIC_UTILIZATION_DETECT_GCP: 'false',
        NEW_RELIC_UTILIZATION_DETECT_PCF: 'false',
        NEW_RELIC_UTILIZATION_DETECT_DOCKER: 'false',
        NEW_RELIC_UTILIZATION_DETECT_KUBERNETES: 'false',
        NEW_RELIC_LOG_LEVEL: 'error',
      };
      const output = await new Promise<string>((resolve, reject) => {
        const child = spawn('nsenter', [`--net=/run/netns/${ns}`, process.execPath, '--input-type=module', '-e', script], {
          env,
          cwd: fileURLToPath(new URL('.', import.meta.url)),
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let out = '';
        child.stdout.on('data', (d: Buffer) => (out += d));
        // A bound on the test, not a timing assertion: a hanging agent must fail the test, not stall the suite.
        const guard = setTimeout(() => child.kill('SIGKILL'), 60_000);
        child.on('error', reject);
        child.on('close', () => {
          clearTimeout(guard);
          resolve(out);
        });
      });
      const result = output.split('\n').find((line) => line.startsWith('{"started"'));
      assert.ok(result, `no answer from the child: ${output}`);
      assert.deepEqual(JSON.parse(result), { started: true, body: 'still answering' });
    } finally {
      execFileSync('ip', ['netns', 'del', ns]);
    }
  });
});
