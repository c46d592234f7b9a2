// CONTAINER_ENGINE=auto tells Podman from Docker by /version, and rootless engines are called out at start-up.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Readable } from 'node:stream';
import { chooseEngine, engineClient, engineOfVersion, isRootless, type EngineQueries } from '../../src/identity/docker/choose-engine.js';
import type { DockerClient } from '../../src/identity/docker/docker-source.js';
import { recordingLogger } from '../helpers/recording-logger.js';

// Trimmed from the answers of Debian's podman 4.3 (`podman system service`) and docker.io 20.10.
const PODMAN_VERSION = { Components: [{ Name: 'Podman Engine', Version: '4.3.1' }, { Name: 'Conmon' }], Version: '4.3.1', ApiVersion: '1.41' };
const DOCKER_VERSION = { Components: [{ Name: 'Engine', Version: '20.10.24+dfsg1' }, { Name: 'containerd' }, { Name: 'runc' }], Version: '20.10.24+dfsg1' };
const PODMAN_INFO = { Rootless: false, SecurityOptions: ['name=seccomp,profile=default'] };

const engine = (version: unknown, info: unknown) => ({
  version: async () => {
    if (version instanceof Error) throw version;
    return version as never;
  },
  info: async () => info as never,
});

describe('chooseEngine', () => {
  test('reads the engine from /version: a "Podman Engine" component is Podman, anything else Docker', () => {
    assert.equal(engineOfVersion(PODMAN_VERSION), 'podman');
    assert.equal(engineOfVersion(DOCKER_VERSION), 'docker');
    assert.equal(engineOfVersion({ Components: null }), 'docker');
    assert.equal(engineOfVersion('odd'), 'docker');
  });

  test('rootless: Podman says Rootless, rootless Docker lists name=rootless', () => {
    assert.equal(isRootless(PODMAN_INFO), false);
    assert.equal(isRootless({ Rootless: true }), true);
    assert.equal(isRootless({ SecurityOptions: ['name=seccomp,profile=builtin', 'name=rootless', 'name=cgroupns'] }), true);
    assert.equal(isRootless(null), false);
  });

  test('auto follows the answer; an explicit setting wins; no answer is no guess', async () => {
    const log = recordingLogger();
    assert.equal(await chooseEngine(engine(PODMAN_VERSION, PODMAN_INFO), 'auto', 'unix:///run/podman/podman.sock', log.logger), 'podman');
    assert.equal(await chooseEngine(engine(DOCKER_VERSION, {}), 'auto', 'unix:///var/run/docker.sock', log.logger), 'docker');
    assert.equal(await chooseEngine(engine(DOCKER_VERSION, {}), 'podman', 'unix:///var/run/docker.sock', log.logger), 'podman');
    assert.equal(log.lines.filter((line) => line.level >= 40).length, 0);
    await assert.rejects(chooseEngine(engine(new Error('The operation was aborted'), {}), 'auto', 'unix:///nowhere.sock', log.logger), /aborted/);
  });

  test("the engine client asks before each event stream until the engine answered, then reads Podman's events in Docker's words", async () => {
    const answers: unknown[] = [new Error('The operation was aborted'), PODMAN_VERSION];
    const asked: unknown[] = [];
    const podmanEvents = '{"Type":"container","Action":"remove","Actor":{"ID":"c1"}}\n';
    const client = {
      version: async () => {
        const answer = answers.shift();
        if (answer instanceof Error) throw answer;
        return answer as never;
      },
      info: async () => PODMAN_INFO as never,
      ...Object.fromEntries(['listContainers', 'listNetworks', 'getContainer', 'getNetwork'].map((name) => [name, () => assert.fail(`${name} not expected`)])),
      getEvents: async (options: unknown) => {
        asked.push(options);
        return Readable.from([podmanEvents]);
      },
    } as unknown as DockerClient & EngineQueries;
    const log = recordingLogger();
    const engineAware = engineClient(client, 'auto', 'unix:///run/podman/podman.sock', log.logger);
    await assert.rejects(engineAware.getEvents({}), /aborted/, 'no guess while the engine does not answer');
    assert.equal(asked.length, 0);
    const stream = await engineAware.getEvents({ filters: { event: ['destroy'] } });
    assert.deepEqual(asked, [{ filters: { event: ['remove'] } }], "asked in Podman's words");
    let text = '';
    for await (const chunk of stream) text += String(chunk);
    assert.equal(JSON.parse(text).Action, 'destroy');
    await engineAware.getEvents({});
    assert.equal(answers.length, 0, 'asked once it had answered');
    assert.equal(log.lines.filter((line) => /container engine: podman/.test(line.msg)).length, 1);
  });

  test('says at start-up that a rootless engine cannot be served, seen in its /info or its socket path', async () => {
    for (const [info, url] of [
      [{ Rootless: true }, 'unix:///tmp/podman.sock'],
      [PODMAN_INFO, 'unix:///run/user/1000/podman/podman.sock'],
    ] as const) {
      const log = recordingLogger();
      assert.equal(await chooseEngine(engine(PODMAN_VERSION, info), 'auto', url, log.logger), 'podman');
      const error = log.lines.find((line) => line.level === 50);
      assert.match(error?.msg ?? '', /^rootless Podman is not supported: slirp4netns, pasta and RootlessKit hide containers' source addresses/);
    }
  });
});
