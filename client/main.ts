/**
 * `lakehouse` — one small module per command group under client/commands/.
 * Exit codes: 0 success, 1 a run failed, 2 bad input (nothing changed).
 */
import { Command, CommanderError } from 'commander';
import { EXIT, reportError } from './context';
import * as commands from './commands';

const program = new Command('lakehouse')
  .description('Durable analytics ETL for loan servicing: Postgres reporting star schema and an S3 Parquet lake, run by Temporal.')
  .showHelpAfterError('(run with --help for usage)')
  .exitOverride()
  .configureOutput({ writeErr: (s) => process.stderr.write(s) })
  .addHelpText('after', `
Configuration comes from the environment (see .env.example); flags override it.
Exit codes: 0 success, 1 a run failed, 2 bad input or unreachable service (nothing changed).

Examples:
  $ lakehouse dev                                  # Postgres, Temporal (UI :8233) and a worker, until Ctrl-C
  $ lakehouse backfill --from 2026-01-01 --to 2026-01-31 --wait
  $ lakehouse status etl-hourly-2026-11-27T10:15:00Z --watch`);

for (const register of Object.values(commands)) register(program);

program.parseAsync(process.argv).catch((err: unknown) => {
  if (err instanceof CommanderError) {
    // Commander already printed its message; help and version are successes.
    process.exitCode = err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.exitCode === 0 ? EXIT.ok : EXIT.badInput;
    return;
  }
  process.exitCode = reportError(err);
});
