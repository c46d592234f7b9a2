// Containers as the tests use them: started detached (busybox `sleep`), asked for metadata from the
// inside with busybox wget at the real metadata address, removed with SIGKILL.
import { BUSYBOX_IMAGE, findBusybox } from './busybox-image.js';
import type { ContainerCli } from './engine.js';
import { run, type RunResult } from './exec.js';

export const METADATA_ADDRESS = '169.254.169.254';

export interface ContainerSpec {
  env?: Record<string, string>;
  labels?: Record<string, string>;
  network?: string;
  /** Extra `docker run` options (volumes, --ip, ...). */
  options?: string[];
}

export interface Container {
  id: string;
  ip: string;
}

export interface MetadataAnswer {
  /** wget exited 0 (HTTP 2xx). */
  ok: boolean;
  body: string;
  /** wget's stderr: on an HTTP error it names the status, e.g. "server returned error: HTTP/1.1 404 Not Found". */
  error: string;
}

function runOptions(spec: ContainerSpec): string[] {
  const options: string[] = [];
  for (const [key, value] of Object.entries(spec.env ?? {})) options.push('--env', `${key}=${value}`);
  for (const [key, value] of Object.entries(spec.labels ?? {})) options.push('--label', `${key}=${value}`);
  if (spec.network) options.push('--network', spec.network);
  return [...options, ...(spec.options ?? [])];
}

/** The container's first IPv4 address, or with `ipv6` its first global IPv6 address. */
export async function containerAddress(engine: ContainerCli, id: string, ipv6 = false): Promise<string> {
  const format = `{{range .NetworkSettings.Networks}}{{.${ipv6 ? 'GlobalIPv6Address' : 'IPAddress'}}} {{end}}`;
  const [ip] = (await engine.docker(['inspect', '--format', format, id])).trim().split(/\s+/);
  if (!ip) throw new Error(`container ${id} has no ${ipv6 ? 'IPv6' : 'IPv4'} address`);
  return ip;
}

/** Starts a long-sleeping container; requests are then made into it with `askMetadata`. */
export async function startContainer(engine: ContainerCli, spec: ContainerSpec = {}): Promise<Container> {
  const id = (await engine.docker(['run', '--detach', ...runOptions(spec), BUSYBOX_IMAGE, 'sleep', '3600'])).trim();
  return { id, ip: await containerAddress(engine, id) };
}

/** Runs a one-off container to completion and returns its exit code and output. */
export function runOnce(engine: ContainerCli, spec: ContainerSpec, command: readonly string[], timeoutMs = 60_000) {
  return engine.dockerResult(['run', '--rm', ...runOptions(spec), BUSYBOX_IMAGE, ...command], timeoutMs);
}

/** The command a container runs for a GET. busybox 1.35's `wget -T` crashes, so the applet `timeout`
 * bounds the request instead. */
export const wget = (url: string): string[] => ['timeout', '10', 'wget', '-q', '-O', '-', url];

export const wgetMetadata = (path: string): string[] => wget(`http://${METADATA_ADDRESS}${path}`);

const answer = (result: RunResult): MetadataAnswer => ({ ok: result.code === 0, body: result.stdout, error: result.stderr });

/** GET http://169.254.169.254<path> from inside the container, bounded so a dropped packet cannot hang a test. */
export async function askMetadata(engine: ContainerCli, id: string, path: string): Promise<MetadataAnswer> {
  return answer(await engine.dockerResult(['exec', id, ...wgetMetadata(path)]));
}

/** The same request from the container's network namespace without dockerd (the host's busybox joins it). */
export async function askMetadataWithoutDocker(pid: number, path: string): Promise<MetadataAnswer> {
  return answer(await run('nsenter', [`--net=/proc/${pid}/ns/net`, findBusybox(), ...wgetMetadata(path)], { timeoutMs: 20_000 }));
}

/** The container's main process on the host, for reaching into its network namespace without dockerd. */
export async function containerPid(engine: ContainerCli, id: string): Promise<number> {
  return Number((await engine.docker(['inspect', '--format', '{{.State.Pid}}', id])).trim());
}

export async function removeContainer(engine: ContainerCli, id: string): Promise<void> {
  await engine.docker(['rm', '--force', id]);
}
