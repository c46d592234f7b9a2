// The only image the lab has (no registry is reachable): Debian's static busybox plus the applet links
// the tests use, imported as a one-layer image.
import { copyFileSync, existsSync, mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { mustRun } from './exec.js';
import type { ContainerCli } from './engine.js';

export const BUSYBOX_IMAGE = 'mdp-busybox';
const APPLETS = ['sh', 'wget', 'cat', 'sleep', 'echo', 'chroot', 'timeout', 'ip', 'hostname', 'ls', 'nc', 'tail'];

export function findBusybox(): string {
  const found = ['/bin/busybox', '/usr/bin/busybox'].find((path) => existsSync(path));
  if (!found) throw new Error('busybox not found: install the busybox-static package');
  return found;
}

export async function importBusyboxImage(engine: ContainerCli, dir: string): Promise<void> {
  const root = join(dir, 'busybox-rootfs');
  for (const folder of ['bin', 'tmp', 'proc', 'sys', 'dev', 'etc']) mkdirSync(join(root, folder), { recursive: true });
  copyFileSync(findBusybox(), join(root, 'bin', 'busybox'));
  for (const applet of APPLETS) symlinkSync('busybox', join(root, 'bin', applet));
  const tarball = join(dir, 'busybox.tar');
  await mustRun('tar', ['-C', root, '-cf', tarball, '.']);
  await engine.docker(['import', '--change', 'ENV PATH=/bin', tarball, BUSYBOX_IMAGE]);
}
