/**
 * Usage errors (unknown option, missing argument, a bad choice) in the same shape as every other
 * bad input: one line, `lakehouse: <problem>`, exit 2 — rather than commander's default of an
 * `error:` line followed by a separate hint line.
 */
import type { Command } from 'commander';
import { preserveExitCode } from './exit-code';

export function oneLineUsageErrors(cmd: Command, path: string): Command {
  preserveExitCode();
  // configureOutput copies the inherited settings, so this changes only this command.
  return cmd.showHelpAfterError(false).configureOutput({
    outputError: (str, write) => write(`lakehouse: ${str.replace(/^error: /, '').trim()} (see lakehouse ${path} --help)\n`),
  });
}
