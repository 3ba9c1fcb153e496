import type { Command } from 'commander';
import { runDbt } from '../../lib/dbt';
import { action, cliConfig } from '../context';

/**
 * `lakehouse dbt <args...>`: runs the dbt project in analytics/ against DB_URL, everything after
 * `dbt` passed to dbt unchanged. dbt's exit code is ours: 0 success, 1 a model or test failed,
 * 2 dbt could not run (which matches the CLI's "bad input" code).
 */
export function registerDbtCommand(program: Command): void {
  program
    .command('dbt')
    .description('Run the dbt project (analytics/) against DB_URL with the pinned dbt, installed on first use.')
    .argument('[args...]', 'dbt command and flags, passed through unchanged')
    // Every flag after `dbt` is dbt's, including --help and --version.
    .helpOption(false)
    .allowUnknownOption()
    .allowExcessArguments()
    .addHelpText('after', `
dbt-core and dbt-postgres (analytics/requirements.txt) are installed into .tools/dbt-venv the first
time (a minute or two) and again only when that file changes; DBT_CLI names an existing dbt instead.
The connection is DB_URL, split into the DBT_* variables analytics/profiles.yml reads; DBT_TARGET
(default prod) picks the target. Models are built in analytics_staging / analytics_marts, never in
reporting.

Examples:
  $ lakehouse dbt build                          # models, then every test
  $ lakehouse dbt test --select fct_cash_collections
  $ lakehouse dbt docs generate && lakehouse dbt docs serve --port 8081 --no-browser`)
    .action(
      action(async (args: string[]) => {
        if (args.length === 0) {
          process.stderr.write('lakehouse: dbt needs a command, e.g. `lakehouse dbt build` (lakehouse help dbt for more)\n');
          return 2;
        }
        const config = cliConfig();
        const { code } = await runDbt(args, { config, stdio: 'inherit', log: (line) => process.stderr.write(`${line}\n`) });
        return code;
      }),
    );
}
