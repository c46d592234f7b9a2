// DOCKER_URL / DOCKER_HOST → how dockerode reaches the engine. Parsed here, once, so a wrong value
// stops start-up with a clear line instead of failing on the first container event.
import Docker from 'dockerode';

export type DockerConnection =
  | { socketPath: string }
  | { host: string; port: number; protocol: 'http' | 'https' };

const EXPECTED = 'expected unix:///path/to/docker.sock or tcp://host:port';

/** Throws with a one-line message (the caller names the setting). */
export function parseDockerUrl(text: string): DockerConnection {
  const value = text.trim();
  if (value.startsWith('/')) return { socketPath: value };
  if (value.startsWith('unix://')) {
    // lyft/metadataproxy's default `unix://var/run/docker.sock` means the absolute path too.
    const path = value.slice('unix://'.length).replace(/^\/*/, '/');
    if (path === '/') throw new Error(`${EXPECTED}; the socket path is missing`);
    return { socketPath: path };
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new Error(`${EXPECTED}, got ${JSON.stringify(text)}`);
  }
  const protocol = { 'tcp:': 'http', 'http:': 'http', 'https:': 'https' }[url.protocol] as 'http' | 'https' | undefined;
  if (protocol === undefined || url.hostname === '' || (url.pathname !== '' && url.pathname !== '/')) {
    throw new Error(`${EXPECTED}, got ${JSON.stringify(text)}`);
  }
  // 2375 and 2376 are the engine's registered plain and TLS ports.
  const port = url.port === '' ? (protocol === 'https' ? 2376 : 2375) : Number(url.port);
  return { host: url.hostname.replace(/^\[(.*)\]$/, '$1'), port, protocol };
}

export function createDockerClient(url: string): Docker {
  // An explicit `host: undefined` keeps dockerode from taking DOCKER_HOST from the environment over our socket.
  const connection = parseDockerUrl(url);
  return new Docker('socketPath' in connection ? { socketPath: connection.socketPath, host: undefined } : connection);
}
