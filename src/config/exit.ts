// Start-up stops on a bad setting: one line per problem on stderr, exit status 2 (usage error).
export interface ExitIo {
  stderr: { write(text: string): unknown };
  exit(code: number): never;
}

const processIo: ExitIo = { stderr: process.stderr, exit: (code) => process.exit(code) };

export const CONFIG_ERROR_EXIT_CODE = 2;

export function exitWithConfigErrors(errors: readonly string[], io: ExitIo = processIo): never {
  for (const line of errors) io.stderr.write(`${line}\n`);
  return io.exit(CONFIG_ERROR_EXIT_CODE);
}
