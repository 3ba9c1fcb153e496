import type { Command } from 'commander';
import { applySchedules } from '../../lib/temporal/schedules';
import { temporalClient } from '../../lib/temporal/connection';
import { startLocalStack } from '../../lib/stack/local-stack';
import { redactUrl } from '../../lib/config';
import { runWorker } from '../../worker/main';
import { action, cliConfig } from '../context';

export const STATE_DIR = '.lakehouse';

export function registerDevCommand(program: Command): void {
  program
    .command('dev')
    .description('Bring up the local stack — embedded Postgres, the Temporal dev server (UI :8233), migrations, schedules and a worker — until Ctrl-C.')
    .option('--no-schedules', 'do not create/update the etl-hourly and etl-nightly schedules')
    .addHelpText('after', `
Anything DB_URL or TEMPORAL_ADDRESS points elsewhere is used as is and not started. Services already
running on the default ports (another \`lakehouse dev\`) are reused. State lives in ./.lakehouse.

Example:
  $ lakehouse dev
  $ lakehouse seed && lakehouse run hourly --wait     # in another terminal`)
    .action(
      action(async (opts: { schedules: boolean }) => {
        const log = (l: string) => process.stdout.write(`${l}\n`);
        const stack = await startLocalStack(cliConfig(), { stateDir: STATE_DIR, log });
        const { config } = stack;
        try {
          if (opts.schedules) {
            const client = await temporalClient(config);
            const applied = await applySchedules(client, config);
            await client.connection.close();
            log(`schedules: ${applied.map((s) => `${s.id} ${s.action}${s.paused ? ' (paused)' : ''}`).join(', ')}`);
          }
          log(
            [
              '',
              'loanserve-lakehouse dev stack is up:',
              `  Postgres      ${redactUrl(config.dbUrl)}`,
              `  Temporal      ${config.temporal.address} (namespace ${config.temporal.namespace}, task queue ${config.temporal.taskQueue})`,
              `  Temporal UI   ${config.temporal.uiUrl}`,
              `  Lake          ${config.lake.store === 'local' ? `${config.lake.localDir}/${config.lake.bucket}/${config.lake.prefix}` : `s3://${config.lake.bucket}/${config.lake.prefix}`}`,
              `  Metrics       ${config.metricsPort > 0 ? `http://127.0.0.1:${config.metricsPort}/metrics` : 'off'}`,
              '  Worker        running in this process; Ctrl-C stops everything',
              '',
            ].join('\n'),
          );
          const stop = new AbortController();
          process.once('SIGINT', () => stop.abort());
          process.once('SIGTERM', () => stop.abort());
          await runWorker(config, { signal: stop.signal });
        } finally {
          await stack.stop();
        }
      }),
    );
}
