/**
 * Usage errors (unknown option, missing argument, a bad choice) in the same shape as every other
 * bad input: one line, `lakehouse: <problem>`, exit 2 — rather than commander's default of an
 * `error:` line followed by a separate hint line.
 */
import type { Command } from 'commander';
import { installProcessGuards } from './process-guards';

export function oneLineUsageErrors(cmd: Command, path: string): Command {
  installProcessGuards();
  // configureOutput copies the inherited settings, so this changes only this command.
  return cmd.showHelpAfterError(false).configureOutput({
    // Commander puts its "(Did you mean --dry-run?)" suggestion on a second line: keep it, on the first.
    outputError: (str, write) => write(`lakehouse: ${str.replace(/^error: /, '').trim().replace(/\s*\n\s*/g, ' ')} (see lakehouse ${path} --help)\n`),
  });
}
