import type { Command } from 'commander';
import { runWorker } from '../../worker/main';
import { action, cliConfig } from '../context';

export function registerWorkerCommand(program: Command): void {
  program
    .command('worker')
    .description('Run a worker: polls the lakehouse task queue and executes ETL workflows and activities.')
    .option('--workflow-bundle <path>', 'prebuilt workflow bundle (npm run build:workflows writes dist/workflow-bundle.js, used by default when present)')
    .addHelpText('after', `
Connects to TEMPORAL_ADDRESS and DB_URL; exposes Prometheus metrics on 127.0.0.1:METRICS_PORT (0 disables).
SIGINT/SIGTERM drain gracefully: running loads finish or roll back. Run several for more throughput.

Example:
  $ TEMPORAL_ADDRESS=temporal:7233 DB_URL=postgres://etl@db/servicing lakehouse worker`)
    .action(
      action(async (opts: { workflowBundle?: string }) => {
        await runWorker(cliConfig(), { workflowBundlePath: opts.workflowBundle });
      }),
    );
}
