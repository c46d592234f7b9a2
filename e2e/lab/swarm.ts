// A single-node Docker Swarm inside a lab: the engine advertises an address on a veth pair in the
// namespace (192.0.2.0/24, documentation space; the kernel here has no `dummy` module), and the project's
// stack file deploys the proxy and its DNAT rules as global services, as on a real cluster.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { mustRun, waitFor } from './exec.js';
import type { Lab } from './lab.js';
import { containerEnvironment } from './proxy-container.js';
import { PROJECT_IMAGE } from './project-image.js';
import { dockerCliEnv } from './teardown.js';

export const SWARM_ADDRESS = '192.0.2.1';
const STACK_FILE = fileURLToPath(new URL('../../../packaging/metadataproxy-stack.yml', import.meta.url));

export async function initSwarm(lab: Lab): Promise<void> {
  await mustRun('ip', ['-n', lab.name, 'link', 'add', 'mdp-swarm0', 'type', 'veth', 'peer', 'name', 'mdp-swarm1']);
  await mustRun('ip', ['-n', lab.name, 'addr', 'add', `${SWARM_ADDRESS}/24`, 'dev', 'mdp-swarm0']);
  for (const link of ['mdp-swarm0', 'mdp-swarm1']) await mustRun('ip', ['-n', lab.name, 'link', 'set', link, 'up']);
  await lab.engine.docker(['swarm', 'init', '--advertise-addr', SWARM_ADDRESS, '--listen-addr', `${SWARM_ADDRESS}:2377`], 120_000);
}

/** `docker stack deploy` of packaging/metadataproxy-stack.yml with the lab's settings in the env file. */
export async function deployStack(lab: Lab, stack: string, env: Record<string, string>): Promise<void> {
  const envFile = join(lab.dir, 'metadataproxy.env');
  const settings = { ...containerEnvironment(lab), HOST: '0.0.0.0', ...env };
  writeFileSync(envFile, Object.entries(settings).map(([key, value]) => `${key}=${value}\n`).join(''));
  await mustRun('docker', ['stack', 'deploy', '--compose-file', STACK_FILE, stack], {
    env: { ...dockerCliEnv(lab.dir), METADATAPROXY_IMAGE: PROJECT_IMAGE, METADATAPROXY_ENV_FILE: envFile, DOCKER_SOCKET: lab.engine.socketPath },
    timeoutMs: 120_000,
  });
}

/** Waits until the stack's dnat service has put the rule for docker_gwbridge in place. */
export async function untilGatewayRule(lab: Lab, port: number): Promise<void> {
  await waitFor('the DNAT rule on docker_gwbridge', async () => {
    const rules = await mustRun('nsenter', [`--net=/run/netns/${lab.name}`, 'iptables', '-w', '-t', 'nat', '-S', 'PREROUTING']);
    return rules.includes('-i docker_gwbridge') && rules.includes(`:${port}`) ? true : undefined;
  }, 120_000);
}

/** The running task containers of a service on this node, by container id. */
export async function taskContainers(lab: Lab, service: string): Promise<string[]> {
  const out = await lab.engine.docker(['ps', '--quiet', '--no-trunc', '--filter', `label=com.docker.swarm.service.name=${service}`]);
  return out.split('\n').filter(Boolean);
}

/** What a task container printed (its first request's answer, for tasks that ask on start). */
export async function containerOutput(lab: Lab, id: string): Promise<string> {
  const result = await lab.engine.dockerResult(['logs', id]);
  return result.stdout + result.stderr;
}
