// `metadataproxy config [options]`: the configuration the proxy would run with, read exactly as the proxy
// reads it (flags, environment, -c FILE), one setting a line with where it came from; secrets redacted.
import { describeConfig } from '../config/describe.js';
import { loadCommandConfig, type CommandIo } from './io.js';
import { CONFIG_ERROR_EXIT_CODE } from '../config/exit.js';
import { defaultRoleProblems } from '../roles/default-role.js';
import { effectiveConfig } from '../config/effective.js';

export async function runConfigCommand(args: readonly string[], env: Readonly<Record<string, string | undefined>>, io: CommandIo): Promise<number> {
  const loaded = loadCommandConfig(args, env, io, 'metadataproxy config [options]', []);
  if ('exitCode' in loaded) return loaded.exitCode;
  const problems = defaultRoleProblems(loaded.config, loaded.sources);
  if (problems.length > 0) {
    for (const line of problems) io.stderr(`${line}\n`);
    return CONFIG_ERROR_EXIT_CODE;
  }
  io.stdout(describeConfig(effectiveConfig({ ok: true, action: 'run', ...loaded }), loaded.sources) + '\n');
  return 0;
}
