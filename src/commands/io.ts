// What the operator commands touch, passed in so tests can capture output and run them in a namespace.
import { execFile } from 'node:child_process';
import { loadConfig, type ConfigSources, type ExtraFlag, type ExtraValues, type ReadFile } from '../config/load.js';
import { CONFIG_ERROR_EXIT_CODE } from '../config/exit.js';
import { renderCommandHelp } from '../config/help.js';
import type { Config } from '../config/types.js';

export interface CommandIo {
  stdout(text: string): void;
  stderr(text: string): void;
  readFile: ReadFile;
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a program (no shell) and reports how it ended; never rejects. */
export type CommandRunner = (argv: readonly string[]) => Promise<RunResult>;

export const runProgram: CommandRunner = (argv) =>
  new Promise((resolve) => {
    execFile(argv[0]!, argv.slice(1), { encoding: 'utf8' }, (error, stdout, stderr) => {
      if (error === null) return resolve({ code: 0, stdout, stderr });
      const code = typeof error.code === 'number' ? error.code : 127;
      resolve({ code, stdout, stderr: stderr || error.message });
    });
  });

/** Every command run through `prefix` first, e.g. `nsenter --net=/run/netns/NAME`. */
export function prefixedRunner(prefix: readonly string[], runner: CommandRunner = runProgram): CommandRunner {
  return (argv) => runner([...prefix, ...argv]);
}

/** A sub-command's settings: the usual ones plus its own flags; `--help` lists its own flags. */
export function loadCommandConfig(
  args: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  io: CommandIo,
  usage: string,
  extraFlags: readonly ExtraFlag[],
): { config: Config; sources: ConfigSources; extra: ExtraValues } | { exitCode: number } {
  const loaded = loadConfig({ argv: args, env, readFile: io.readFile, extraFlags });
  if (!loaded.ok) {
    loaded.errors.forEach((line) => io.stderr(`${line}\n`));
    return { exitCode: CONFIG_ERROR_EXIT_CODE };
  }
  if (loaded.action !== 'run') {
    if (loaded.action === 'help') io.stdout(renderCommandHelp(usage, extraFlags));
    return { exitCode: 0 };
  }
  return { config: loaded.config, sources: loaded.sources, extra: loaded.extra };
}
