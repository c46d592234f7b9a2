// DOCKER_URL / DOCKER_HOST → a dockerode client. The setting was validated at start-up with the same parser
// (config/docker-endpoint.ts), so a value that reaches here connects as it was read there.
import Docker from 'dockerode';
import { DOCKER_URL_FORMS, parseDockerEndpoint } from '../../config/docker-endpoint.js';

export function createDockerClient(url: string): Docker {
  const connection = parseDockerEndpoint(url);
  if (connection === undefined) throw new Error(`DOCKER_URL: expected ${DOCKER_URL_FORMS}, got ${JSON.stringify(url)}`);
  // An explicit `host: undefined` keeps dockerode from taking DOCKER_HOST from the environment over our socket.
  return new Docker('socketPath' in connection ? { socketPath: connection.socketPath, host: undefined } : connection);
}
