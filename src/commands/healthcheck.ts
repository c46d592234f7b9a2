// `metadataproxy healthcheck`: exit 0 when the running proxy's admin /healthz answers 200, 1 otherwise.
// The container image's HEALTHCHECK runs it, so the check follows ADMIN_LISTEN without curl in the image.
import { adminUrl } from './admin-url.js';
import { loadCommandConfig, type CommandIo } from './io.js';
import { errorMessage } from '../core/error-message.js';

const TIMEOUT_MS = 5000;

export async function runHealthcheckCommand(args: readonly string[], env: Readonly<Record<string, string | undefined>>, io: CommandIo): Promise<number> {
  const loaded = loadCommandConfig(args, env, io, 'metadataproxy healthcheck [options]', []);
  if ('exitCode' in loaded) return loaded.exitCode;
  const url = adminUrl(loaded.config.adminListen, '/healthz');
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(TIMEOUT_MS) });
    await response.arrayBuffer();
    if (response.status === 200) return 0;
    io.stderr(`metadataproxy healthcheck: ${url} answered ${response.status}\n`);
  } catch (error) {
    io.stderr(`metadataproxy healthcheck: cannot read ${url} (${errorMessage(error, { causeCode: true })})\n`);
  }
  return 1;
}
