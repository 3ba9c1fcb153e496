import type { Command } from 'commander';
import { migrate, MigrationError } from '../../lib/migrate';
import { BadInputError } from '../../lib/errors';
import { action, cliConfig } from '../context';

export function registerMigrateCommand(program: Command): void {
  program
    .command('migrate')
    .description('Apply pending migrations (migrations/NNN_*.sql, forward-only, one transaction each) to DB_URL.')
    .addHelpText('after', `
Applied migrations are recorded with a checksum in public.schema_migrations; an applied file that was
edited afterwards is refused (exit 2). Running it when current changes nothing.

Example:
  $ DB_URL=postgres://etl@db:5432/servicing lakehouse migrate`)
    .action(
      action(async () => {
        const config = cliConfig();
        try {
          const { applied } = await migrate(config.dbUrl, { log: (l) => process.stdout.write(`${l}\n`) });
          process.stdout.write(applied.length === 0 ? 'migrations: already current\n' : `migrations: applied ${applied.length} (${applied.join(', ')})\n`);
        } catch (err) {
          if (err instanceof MigrationError) throw new BadInputError(err.message);
          throw err;
        }
      }),
    );
}
