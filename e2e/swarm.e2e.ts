// Docker Swarm on a real engine: the stack file deploys the proxy and its DNAT rules as global services,
// and replicated services on an overlay network get their own roles. A task's packets come from its
// docker_gwbridge address, which container inspect does not show (moby/libnetwork#1082): the proxy must
// find it in the network's own endpoint list, in time for each task's very first request.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createLab, type Lab } from './lab/lab.js';
import { askMetadata, wgetMetadata } from './lab/containers.js';
import { BUSYBOX_IMAGE } from './lab/busybox-image.js';
import { waitFor } from './lab/exec.js';
import { CREDENTIALS_PATH, assertNotFound, assertServedRole, roleArn } from './lab/metadata.js';
import { provideProjectImage } from './lab/project-image.js';
import { PROXY_PORT } from './lab/proxy.js';
import { containerOutput, deployStack, initSwarm, taskContainers, untilGatewayRule } from './lab/swarm.js';

const FIRST_DONE = 'first-request-done';
/** A task that asks for its role the moment it starts, racing the engine's events, then idles. */
const ASK_ON_START = ['sh', '-c', `${wgetMetadata(CREDENTIALS_PATH).join(' ')}; echo; echo ${FIRST_DONE}; exec sleep 3600`];
const REPLICAS = 3;

describe('Docker Swarm: the proxy as a global service', { timeout: 2_400_000 }, () => {
  let lab: Lab;

  before(async () => {
    lab = await createLab();
    await initSwarm(lab);
    await provideProjectImage(lab.engine, lab.dir);
    await deployStack(lab, 'mdp', { ROLE_SESSION_KEY: 'Labels:com.docker.swarm.service.name' });
    await waitFor('the stack proxy to be ready', async () => ((await lab.proxy.admin('/readyz')).status === 200 ? true : undefined), 180_000);
    await untilGatewayRule(lab, PROXY_PORT);
    await lab.engine.docker(['network', 'create', '--driver', 'overlay', 'mdp-overlay']);
  });
  after(() => lab?.destroy());

  const withStackLogs = async (body: () => Promise<void>): Promise<void> => {
    try {
      await body();
    } catch (error) {
      // On stderr: the runner prints an assertion's stack, made before anything could be added to it.
      const logs = await lab.engine.dockerResult(['service', 'logs', '--tail', '60', 'mdp_proxy']);
      process.stderr.write(`--- mdp_proxy log ---\n${logs.stdout}${logs.stderr}\n`);
      throw error;
    }
  };

  /** Each running task of the service answered its first request with `role`, and is served only that role. */
  const assertTasksServed = async (service: string, role: string, arn: string, forbidden: string[]): Promise<string[]> => {
    const tasks = await waitFor(`${REPLICAS} running tasks of ${service}`, async () => {
      const ids = await taskContainers(lab, service);
      return ids.length === REPLICAS ? ids : undefined;
    }, 120_000);
    for (const id of tasks) {
      const output = await waitFor(`the first request of task ${id.slice(0, 12)}`, async () => {
        const text = await containerOutput(lab, id);
        return text.includes(FIRST_DONE) ? text : undefined;
      }, 60_000);
      assert.equal(output.replace(FIRST_DONE, '').trim(), role, `first request of a ${service} task ${id.slice(0, 12)}`);
      await assertServedRole(lab.engine, lab.agent, id, { name: role, arn });
      for (const other of forbidden) assertNotFound(await askMetadata(lab.engine, id, CREDENTIALS_PATH + other), `${service} asking for ${other}`);
    }
    return tasks;
  };

  const createService = (name: string, role: string) =>
    lab.engine.docker(
      ['service', 'create', '--detach=false', '--quiet', '--name', name, '--network', 'mdp-overlay', '--replicas', String(REPLICAS),
        '--env', `IAM_ROLE=${role}`, BUSYBOX_IMAGE, ...ASK_ON_START],
      300_000,
    );

  it('gives every task of two services only its own role, from the first request on; session names are the service names', () =>
    withStackLogs(async () => {
      await createService('svc-a', 'swarm-a');
      await createService('svc-b', 'swarm-b@210987654321');
      await assertTasksServed('svc-a', 'swarm-a', roleArn('swarm-a'), ['swarm-b']);
      await assertTasksServed('svc-b', 'swarm-b', roleArn('swarm-b', '210987654321'), ['swarm-a']);
      const sessions = new Set((await lab.agent.assumeRoleCalls(roleArn('swarm-a'))).map((call) => call.sessionName));
      assert.deepEqual([...sessions], ['svc-a']);
    }));

  it('gives the tasks that replace others after `docker service update --force` their new role, never the old one', () =>
    withStackLogs(async () => {
      const before = await taskContainers(lab, 'svc-a');
      await lab.engine.docker(['service', 'update', '--detach=false', '--quiet', '--force', '--env-add', 'IAM_ROLE=swarm-a2', 'svc-a'], 300_000);
      const after = await assertTasksServed('svc-a', 'swarm-a2', roleArn('swarm-a2'), ['swarm-a', 'swarm-b']);
      assert.ok(after.every((id) => !before.includes(id)), 'every task was replaced');
    }));
});
