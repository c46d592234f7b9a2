// Tearing a lab down from what it left on disk, so the same code cleans up after a test run that ended
// normally, one that failed, and one that was killed before it could clean up (found by `sweepStaleLabs`).
import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runSync, sleepSync } from './exec.js';

/** Every lab lives in `LAB_ROOT/<name>`, and its network namespace is called `<name>` too. */
export const LAB_ROOT = '/tmp/mdp-e2e';
export const LAB_PREFIX = 'mdp-e2e-';

/** The docker CLI aimed at the lab's engine, ignoring the user's own CLI config and credential helpers. */
export function dockerCliEnv(dir: string): NodeJS.ProcessEnv {
  return { ...process.env, DOCKER_HOST: `unix://${join(dir, 'docker.sock')}`, DOCKER_CONFIG: join(dir, 'docker-cli') };
}

/** The podman CLI and service of a Podman lab read the lab's containers.conf, not the machine's. */
export function podmanCliEnv(dir: string): NodeJS.ProcessEnv {
  return { ...process.env, CONTAINERS_CONF: join(dir, 'podman', 'containers.conf') };
}

export const pidFile = (dir: string, process: string): string => join(dir, 'pids', `${process}.pid`);

function readPid(file: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(file, 'utf8'), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function startTime(pid: number): string | undefined {
  try {
    // Field 22 of /proc/PID/stat; the command name (field 2) may contain spaces, so split after it.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

/** Marks the lab as owned by this process; a lab whose owner is gone is stale. */
export function writeOwner(dir: string): void {
  writeFileSync(join(dir, 'owner.json'), JSON.stringify({ pid: process.pid, start: startTime(process.pid) }));
}

function ownerAlive(dir: string): boolean {
  try {
    const owner = JSON.parse(readFileSync(join(dir, 'owner.json'), 'utf8')) as { pid: number; start: string };
    return startTime(owner.pid) === owner.start;
  } catch {
    return false;
  }
}

function netnsInode(name: string): number | undefined {
  try {
    return statSync(`/run/netns/${name}`).ino;
  } catch {
    return undefined;
  }
}

/** Only processes inside the lab's namespace are ours: a pid from a file may have been reused since. */
function inNamespace(pid: number, inode: number | undefined): boolean {
  try {
    return inode !== undefined && statSync(`/proc/${pid}/ns/net`).ino === inode;
  } catch {
    return false;
  }
}

/** Running, not a zombie: our own children stay zombies until the (blocked) event loop reaps them. */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // already gone
  }
}

/** SIGTERM, then SIGKILL if the process has not exited within `graceMs`. */
export function stopPid(pid: number, graceMs: number): void {
  signal(pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (alive(pid) && Date.now() < deadline) sleepSync(50);
  if (alive(pid)) {
    signal(pid, 'SIGKILL');
    while (alive(pid) && Date.now() < deadline + 5_000) sleepSync(50);
  }
}

function stopRecorded(dir: string, inode: number | undefined, names: string[], graceMs: number): void {
  for (const name of names) {
    const pid = readPid(pidFile(dir, name));
    if (pid !== undefined && inNamespace(pid, inode)) stopPid(pid, graceMs);
  }
}

function recordedNames(dir: string): string[] {
  try {
    return readdirSync(join(dir, 'pids')).map((file) => file.replace(/\.pid$/, ''));
  } catch {
    return [];
  }
}

function removeContainers(dir: string): void {
  const options = { env: dockerCliEnv(dir), timeoutMs: 30_000 };
  const ids = runSync('docker', ['ps', '-aq'], options).stdout.split('\n').filter(Boolean);
  // SIGKILL rather than stop: busybox as PID 1 ignores SIGTERM, so every stop would wait its full timeout.
  if (ids.length > 0) runSync('docker', ['rm', '-f', ...ids], options);
}

function removePodmanContainers(dir: string): void {
  runSync('podman', ['--url', `unix://${join(dir, 'podman.sock')}`, 'rm', '--all', '--force', '--time', '0'], { env: podmanCliEnv(dir), timeoutMs: 30_000 });
}

function listed(folder: string): string[] {
  try {
    return readdirSync(folder);
  } catch {
    return [];
  }
}

/** Container processes are outside the namespace; finds live ones by the cgroup named after their id, SIGKILLs them, says how many. */
export function killContainerProcesses(ids: readonly string[]): number {
  if (ids.length === 0) return 0;
  let killed = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cgroups = readFileSync(`/proc/${entry}/cgroup`, 'utf8');
      if (ids.some((id) => cgroups.includes(id)) && alive(Number(entry))) {
        signal(Number(entry), 'SIGKILL');
        killed++;
      }
    } catch {
      // exited meanwhile
    }
  }
  return killed;
}

/** Docker's and Podman's containers of the lab (a missing folder: that engine ran nothing). */
function killLabContainerProcesses(dir: string): void {
  const ids = [...listed(join(dir, 'data', 'containers')), ...listed(join(dir, 'podman', 'storage', 'overlay-containers'))];
  killContainerProcesses(ids.filter((id) => /^[0-9a-f]{64}$/.test(id)));
}

function unmountUnder(dir: string): void {
  const mountPoints = readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((line) => line.split(' ')[4])
    .filter((point): point is string => point !== undefined)
    .map((point) => point.replace(/\\(\d{3})/g, (_, octal: string) => String.fromCharCode(Number.parseInt(octal, 8))))
    .filter((point) => point.startsWith(`${dir}/`))
    .sort((a, b) => b.length - a.length);
  for (const point of mountPoints) {
    if (runSync('umount', [point]).code !== 0) runSync('umount', ['-l', point]);
  }
}

/** Stops everything the lab started, removes its namespace and its folder. Safe to call twice. */
export function destroyLab(name: string, dir: string): void {
  const inode = netnsInode(name);
  const daemons = ['dockerd', 'containerd', 'podman'];
  stopRecorded(dir, inode, recordedNames(dir).filter((n) => !daemons.includes(n)), 3_000);
  const dockerd = readPid(pidFile(dir, 'dockerd'));
  if (dockerd !== undefined && inNamespace(dockerd, inode)) removeContainers(dir);
  const podman = readPid(pidFile(dir, 'podman'));
  if (podman !== undefined && inNamespace(podman, inode)) removePodmanContainers(dir);
  stopRecorded(dir, inode, daemons, 20_000);
  if (inode !== undefined) {
    for (const pid of runSync('ip', ['netns', 'pids', name]).stdout.split('\n').filter(Boolean)) {
      signal(Number(pid), 'SIGKILL');
    }
  }
  killLabContainerProcesses(dir);
  sleepSync(100);
  if (existsSync(dir)) unmountUnder(dir);
  if (inode !== undefined) runSync('ip', ['netns', 'del', name]);
  rmSync(dir, { recursive: true, force: true });
}

/** Removes labs whose test process is gone (killed before its clean-up ran). Other live runs are left alone. */
export function sweepStaleLabs(): void {
  const folders = existsSync(LAB_ROOT) ? readdirSync(LAB_ROOT).filter((n) => n.startsWith(LAB_PREFIX)) : [];
  const namespaces = runSync('ip', ['netns', 'list'])
    .stdout.split('\n')
    .map((line) => line.split(' ')[0] ?? '')
    .filter((n) => n.startsWith(LAB_PREFIX));
  for (const name of new Set([...folders, ...namespaces])) {
    const dir = join(LAB_ROOT, name);
    if (!ownerAlive(dir)) destroyLab(name, dir);
  }
}
