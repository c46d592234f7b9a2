// The project's own container image in a lab engine. The first lab builds it with scripts/image.sh (what
// `npm run image` runs) against its dockerd, which reaches no registry, and saves it; later labs, in this
// run or the next, load that save while the sources it was built from are unchanged.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { mustRun } from './exec.js';
import type { DockerEngine } from './engine.js';
import { dockerCliEnv } from './teardown.js';

export const PROJECT_IMAGE = 'metadataproxy:e2e';
const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const INPUTS = ['Dockerfile', 'package.json', 'package-lock.json', 'tsconfig.json', 'src', 'scripts'];

function files(path: string): string[] {
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path).sort().flatMap((entry) => files(join(path, entry)));
}

/** Everything the image is made from, so a changed source never loads a stale save. */
function sourceHash(): string {
  const hash = createHash('sha256');
  for (const file of INPUTS.flatMap((input) => files(join(ROOT, input)))) {
    hash.update(relative(ROOT, file)).update('\0').update(readFileSync(file)).update('\0');
  }
  return hash.digest('hex').slice(0, 16);
}

export interface ImageReady {
  /** Built now (false: loaded from an earlier build's save). */
  built: boolean;
  ms: number;
  sizeBytes: number;
}

export async function provideProjectImage(engine: DockerEngine, dir: string): Promise<ImageReady> {
  const started = Date.now();
  const cache = process.env.MDP_CACHE_DIR ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'metadataproxy');
  const saved = join(cache, 'images', `metadataproxy-${sourceHash()}.tar`);
  const built = !existsSync(saved);
  if (built) {
    // Image builds are slow on a busy machine; the limit only guards against a hang.
    await mustRun(join(ROOT, 'scripts', 'image.sh'), [PROJECT_IMAGE], { env: dockerCliEnv(dir), timeoutMs: 1_500_000 });
    mkdirSync(join(cache, 'images'), { recursive: true });
    const partial = `${saved}.${process.pid}.part`;
    await engine.docker(['save', '--output', partial, PROJECT_IMAGE], 300_000);
    renameSync(partial, saved);
    // Saves of older source trees are never loaded again.
    for (const old of readdirSync(join(cache, 'images'))) {
      if (/^metadataproxy-[0-9a-f]{16}\.tar$/.test(old) && join(cache, 'images', old) !== saved) rmSync(join(cache, 'images', old), { force: true });
    }
  } else {
    await engine.docker(['load', '--input', saved], 300_000);
  }
  const sizeBytes = Number((await engine.docker(['image', 'inspect', '--format', '{{.Size}}', PROJECT_IMAGE])).trim());
  return { built, ms: Date.now() - started, sizeBytes };
}
