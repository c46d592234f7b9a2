// What the operator commands touch, passed in so tests can capture output and run them in a namespace.
import { execFile } from 'node:child_process';
import type { ReadFile } from '../config/load.js';

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
