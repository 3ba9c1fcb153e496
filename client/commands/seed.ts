import type { Command } from 'commander';
import { createPool } from '../../lib/db';
import { BadInputError } from '../../lib/errors';
import { seedDatabase } from '../../lib/seed';
import { action, cliConfig, parsePositiveInt } from '../context';

export function registerSeedCommand(program: Command): void {
  program
    .command('seed')
    .description('Fill the operational (source) tables with deterministic synthetic servicing data.')
    .option('--tenants <n>', 'number of tenants', parsePositiveInt('--tenants', 1000), 3)
    .option('--loans <n>', 'loans per tenant', parsePositiveInt('--loans', 1_000_000), 500)
    .option('--days <n>', 'days of history up to --as-of', parsePositiveInt('--days', 36500), 90)
    .option('--seed <s>', 'random seed: the same seed and --as-of give the same data', parsePositiveInt('--seed', 2 ** 31 - 1), 42)
    .option('--as-of <date>', 'last day of history, YYYY-MM-DD (UTC); default today')
    .addHelpText('after', `
Generation is set-based inside Postgres (no row-by-row inserts). Run migrate first.

Example:
  $ lakehouse seed --tenants 3 --loans 500 --days 90 --seed 42`)
    .action(
      action(async (opts: { tenants: number; loans: number; days: number; seed: number; asOf?: string }) => {
        let asOf: Date | undefined;
        if (opts.asOf !== undefined) {
          if (!/^\d{4}-\d{2}-\d{2}$/.test(opts.asOf) || Number.isNaN(Date.parse(`${opts.asOf}T00:00:00Z`))) {
            throw new BadInputError(`--as-of must be a date YYYY-MM-DD (got "${opts.asOf}")`);
          }
          asOf = new Date(`${opts.asOf}T00:00:00Z`);
        }
        const config = cliConfig();
        const pool = createPool(config.dbUrl);
        try {
          const summary = await seedDatabase(pool, { tenants: opts.tenants, loans: opts.loans, days: opts.days, seed: opts.seed, asOf });
          process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
        } finally {
          await pool.end();
        }
      }),
    );
}
