// DOCKER_URL / DOCKER_HOST → how the engine is reached. The one reading of the setting: the settings table
// validates with it and the Docker client connects with it, so a value start-up accepts is one that works.

export type DockerConnection =
  | { socketPath: string }
  | { host: string; port: number; protocol: 'http' | 'https' };

export const DOCKER_URL_FORMS = 'unix:///PATH, tcp://HOST:PORT or http(s)://HOST:PORT';

const PROTOCOLS: Readonly<Record<string, 'http' | 'https'>> = { 'tcp:': 'http', 'http:': 'http', 'https:': 'https' };

/** A unix socket path, or a TCP endpoint with the engine's default port filled in; undefined if invalid. */
export function parseDockerEndpoint(text: string): DockerConnection | undefined {
  const value = text.trim();
  if (value.startsWith('/')) return { socketPath: value };
  if (value.startsWith('unix://')) {
    // lyft/metadataproxy's default `unix://var/run/docker.sock` means the absolute path too.
    const path = value.slice('unix://'.length).replace(/^\/*/, '/');
    return path === '/' ? undefined : { socketPath: path };
  }
  const url = URL.canParse(value) ? new URL(value) : undefined;
  const protocol = url === undefined ? undefined : PROTOCOLS[url.protocol];
  if (url === undefined || protocol === undefined || url.hostname === '' || (url.pathname !== '' && url.pathname !== '/')) {
    return undefined;
  }
  // 2375 and 2376 are the engine's registered plain and TLS ports.
  const port = url.port === '' ? (protocol === 'https' ? 2376 : 2375) : Number(url.port);
  return { host: url.hostname.replace(/^\[(.*)\]$/, '$1'), port, protocol };
}
