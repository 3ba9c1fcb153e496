/**
 * `lakehouse run hourly|nightly`: a manual run of the scheduled ETL, e.g. after fixing a failed
 * tenant, without waiting for the next schedule slot.
 */
import type { Command } from 'commander';
import type { SearchAttributePair } from '@temporalio/common';
import { SEARCH_ATTRIBUTES } from '../../lib/constants';
import { BadInputError } from '../../lib/errors';
import { temporalClient } from '../../lib/temporal/connection';
import { action, cliConfig } from '../context';
import { announceAndFollow } from '../output/follow';
import { createOutput } from '../output/mode';
import { oneLineUsageErrors } from '../output/usage';
import { collectList, manualRunId, parseTenantIds, resolveTenants, withDatabase } from '../run-inputs';
import { startOrAttach, WORKFLOW_TYPES } from '../temporal-runs';

interface RunOptions {
  tenant?: string[];
  wait?: boolean;
  json?: boolean;
}

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

export function registerRunCommand(program: Command): void {
  const cmd = program
    .command('run')
    .argument('<kind>', 'hourly or nightly')
    .description('Start a manual hourly or nightly ETL run now (the same workflow the etl-hourly / etl-nightly schedules start).')
    .option('--tenant <id>', 'load only this tenant (uuid); repeat the option, or give a comma-separated list, for several. Default: every active tenant', collectList)
    .option('--wait', 'follow the run to its end with live progress; exit 0 when it completes, 1 when it fails')
    .option('--json', 'print one JSON document (workflowId, url, status, result with rows per stream, failedTenants) instead of text')
    .addHelpText(
      'after',
      `
What it does:
  Checks each --tenant against public.tenants (an unknown tenant is refused and nothing starts), then
  starts hourlyEtlWorkflow or nightlyEtlWorkflow on the task queue LAKEHOUSE_TASK_QUEUE with the ID
  etl-<kind>-manual-<UTC time>, and prints that ID and its Temporal UI link.

  hourly   dimensions and the activity facts, incrementally from each tenant's watermarks.
  nightly  dimensions, facts, yesterday's servicing snapshot, then the S3 Parquet lake export.

  Loads are idempotent: running while a scheduled run is going, or twice, inserts nothing twice.
  Without --wait the command returns once the run is started; a worker (lakehouse worker) runs it.

Output:
  On a terminal --wait redraws progress in place; piped, it prints a line per change; with --json
  stdout holds exactly one JSON document. Exit codes: 0 started/completed, 1 the run failed (failed
  tenants are named), 2 bad input or an unreachable server (nothing started).

Examples:
  $ lakehouse run hourly --wait
  $ lakehouse run nightly --tenant 6f1c2d9e-8a4b-4c1f-9d2e-3b5a7c9e1f20 --wait --json > run.json`,
    )
    .action(
      action(async (kind: string, opts: RunOptions) => {
        if (kind !== 'hourly' && kind !== 'nightly') throw new BadInputError(`run needs "hourly" or "nightly" (got "${kind}")`);
        const tenantIds = parseTenantIds(opts.tenant);
        const config = cliConfig();
        const out = createOutput(opts);

        const tenants = await withDatabase(config, (pool) => resolveTenants(pool, tenantIds));
        if (tenantIds.length === 0 && tenants.length === 0) out.note('lakehouse: note: no active tenants in public.tenants; the run will load nothing');
        const inactive = tenants.filter((t) => tenantIds.length > 0 && !t.active);
        if (inactive.length > 0) out.note(`lakehouse: note: loading inactive tenant(s) as asked: ${inactive.map((t) => t.name).join(', ')}`);

        const client = await temporalClient(config, 5_000);
        try {
          const now = new Date();
          const workflowId = manualRunId(kind, now);
          // The window the run stands for, as the workflow computes it from scheduledAt.
          const windowStart = kind === 'hourly' ? new Date(now.getTime() - HOUR_MS) : new Date(Math.floor(now.getTime() / DAY_MS) * DAY_MS - DAY_MS);
          const searchAttributes: SearchAttributePair[] = [
            { key: SEARCH_ATTRIBUTES.kind, value: kind },
            { key: SEARCH_ATTRIBUTES.windowStart, value: windowStart },
          ];
          const who = tenantIds.length > 0 ? tenants.map((t) => t.name).join(', ') : 'all active tenants';
          const started = await startOrAttach(client, {
            workflowType: WORKFLOW_TYPES[kind],
            workflowId,
            taskQueue: config.temporal.taskQueue,
            args: [{ tenants: tenantIds.length > 0 ? tenantIds : undefined, scheduledAt: now.toISOString(), concurrency: config.etl.tenantConcurrency }],
            staticSummary: `Manual ${kind} ETL · ${who}`,
            searchAttributes,
          });
          return await announceAndFollow(client, config, out, `${kind} run`, started, { wait: Boolean(opts.wait), startedAt: now.getTime() });
        } finally {
          await client.connection.close();
        }
      }),
    );
  oneLineUsageErrors(cmd, 'run');
}
