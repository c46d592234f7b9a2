// The proxy as the seeds deploy it: the project's image on the host's network (here the lab namespace's)
// with the engine's socket mounted at the default place and its group added, settings by environment.
import { statSync } from 'node:fs';
import type { Lab } from './lab.js';
import { labEnvironment } from './proxy.js';
import { PROJECT_IMAGE } from './project-image.js';

/** The lab's settings minus what only makes sense for a process on the host (its PATH, HOME, socket path). */
export function containerEnvironment(lab: Lab): Record<string, string> {
  const { PATH: _path, HOME: _home, DOCKER_URL: _docker, ...env } = labEnvironment({
    netns: lab.name,
    dir: lab.dir,
    gateway: lab.gateway,
    dockerUrl: lab.engine.url,
    agent: lab.agent,
  });
  return env;
}

/** `docker run -d --net=host -v SOCKET:/var/run/docker.sock --group-add GID IMAGE`; returns the container id. */
export async function runProxyContainer(lab: Lab, name: string, env: Record<string, string> = {}, options: string[] = []): Promise<string> {
  const settings = Object.entries({ ...containerEnvironment(lab), ...env }).flatMap(([key, value]) => ['--env', `${key}=${value}`]);
  const args = [
    'run', '--detach', '--name', name, '--net=host',
    '--volume', `${lab.engine.socketPath}:/var/run/docker.sock`,
    '--group-add', String(statSync(lab.engine.socketPath).gid),
    ...settings, ...options, PROJECT_IMAGE,
  ];
  return (await lab.engine.docker(args)).trim();
}
