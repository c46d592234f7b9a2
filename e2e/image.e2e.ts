// The project's image, built by `npm run image` against an engine that reaches no registry, run the way
// the seeds and docs/deploy.md run it: --net=host with the engine's socket mounted. Real containers get
// their roles through the production DNAT rule exactly as with the bare process.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createLab, type Lab } from './lab/lab.js';
import { startContainer } from './lab/containers.js';
import { waitFor } from './lab/exec.js';
import { assertNotFound, assertServedRole, roleArn, CREDENTIALS_PATH } from './lab/metadata.js';
import { askMetadata } from './lab/containers.js';
import { PROJECT_IMAGE, provideProjectImage } from './lab/project-image.js';
import { runProxyContainer } from './lab/proxy-container.js';

const VERSION = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

describe('the container image', { timeout: 1_800_000 }, () => {
  let lab: Lab;
  let proxy: string;

  before(async () => {
    lab = await createLab();
    const image = await provideProjectImage(lab.engine, lab.dir);
    process.stderr.write(`# image ${PROJECT_IMAGE}: ${image.built ? 'built' : 'loaded'} in ${(image.ms / 1000).toFixed(1)} s, ${Math.round(image.sizeBytes / 1e6)} MB\n`);
  });
  after(() => lab?.destroy());

  const inspect = async (format: string): Promise<string> => (await lab.engine.docker(['inspect', '--format', format, proxy])).trim();
  const withContainerLog = async (body: () => Promise<void>): Promise<void> => {
    try {
      await body();
    } catch (error) {
      if (proxy !== undefined) {
        // On stderr: the runner prints an assertion's stack, made before anything could be added to it.
        const logs = await lab.engine.dockerResult(['logs', '--tail', '40', proxy]);
        process.stderr.write(`--- proxy container log ---\n${logs.stdout}${logs.stderr}\n`);
      }
      throw error;
    }
  };

  it('prints its version', async () => {
    assert.equal((await lab.engine.docker(['run', '--rm', PROJECT_IMAGE, '--version'])).trim(), VERSION);
  });

  it('runs on the host network with the socket mounted: not root, tini as PID 1, healthy, and containers get their own roles', () =>
    withContainerLog(async () => {
      proxy = await runProxyContainer(lab, 'metadataproxy', {}, ['--health-interval', '1s']);
      await lab.proxy.untilReadiness(200);
      assert.equal((await lab.engine.docker(['exec', proxy, 'id', '-u'])).trim(), '1000');
      assert.match(await lab.engine.docker(['exec', proxy, 'cat', '/proc/1/cmdline']), /^tini\0--\0metadataproxy\0/);
      await waitFor('the HEALTHCHECK to report healthy', async () => ((await inspect('{{.State.Health.Status}}')) === 'healthy' ? true : undefined), 60_000);

      const app = await startContainer(lab.engine, { env: { IAM_ROLE: 'image-app' } });
      const other = await startContainer(lab.engine, { labels: { unrelated: 'yes' } });
      await assertServedRole(lab.engine, lab.agent, app.id, { name: 'image-app', arn: roleArn('image-app') });
      assertNotFound(await askMetadata(lab.engine, other.id, CREDENTIALS_PATH), 'a container without a role');
      assertNotFound(await askMetadata(lab.engine, other.id, `${CREDENTIALS_PATH}image-app`), "another container's role");
      const instanceId = await askMetadata(lab.engine, app.id, '/latest/meta-data/instance-id');
      assert.ok(instanceId.ok, `passthrough to the IMDS stub: ${instanceId.error}`);
    }));

  it('docker stop drains and exits 0 (SIGTERM reaches the proxy through tini, well before the SIGKILL)', () =>
    withContainerLog(async () => {
      await lab.engine.docker(['stop', '--time', '20', proxy], 60_000);
      assert.equal(await inspect('{{.State.ExitCode}}'), '0');
      const logs = await lab.engine.dockerResult(['logs', proxy]);
      assert.match(logs.stdout + logs.stderr, /SIGTERM/);
    }));
});
