/**
 * `lakehouse runs`: recent hourly, nightly and backfill runs from Temporal visibility — the
 * operator's morning question "did last night work, and if not, for whom?".
 */
import type { Command } from 'commander';
import { BadInputError } from '../../lib/errors';
import { temporalClient } from '../../lib/temporal/connection';
import type { RunKind } from '../../lib/workflow-types';
import { action, cliConfig, EXIT, parsePositiveInt } from '../context';
import { formatDuration, formatTable, formatTime, oneLine } from '../output/format';
import { createOutput } from '../output/mode';
import { oneLineUsageErrors } from '../output/usage';
import { listRuns, STATUS_FILTERS, WORKFLOW_TYPES, type RunSummary } from '../temporal-runs';

interface RunsOptions {
  kind?: string;
  status?: string;
  limit: number;
  json?: boolean;
}

const KINDS = Object.keys(WORKFLOW_TYPES) as RunKind[];

export function registerRunsCommand(program: Command): void {
  const cmd = program
    .command('runs')
    .description('List recent ETL runs (hourly, nightly, backfill) with window, status, duration and failed tenants.')
    .option('--kind <kind>', `only this kind: ${KINDS.join(', ')}`)
    .option('--status <status>', `only runs in this state: ${Object.keys(STATUS_FILTERS).filter((s) => s !== 'canceled').join(', ')}`)
    .option('--limit <n>', 'how many runs to show, newest first (1-1000)', parsePositiveInt('--limit', 1000), 20)
    .option('--json', 'print one JSON document ({ runs: [...] }) instead of a table')
    .addHelpText(
      'after',
      `
What it does:
  Asks Temporal visibility for parent runs (hourlyEtlWorkflow, nightlyEtlWorkflow, backfillWorkflow;
  the per-tenant child runs are not listed) and prints, newest first: workflow ID, kind, the window
  the run covers (UTC), status, start time, duration, and failed tenants. Failed tenants are counted
  by the LakehouseFailedCount search attribute and named from the run's failure. A long backfill
  that continued as new is shown once, as its latest run.
  Visibility is eventually consistent: a run started a second ago may take a moment to appear.

Examples:
  $ lakehouse runs
  $ lakehouse runs --kind nightly --status failed --limit 5
  $ lakehouse runs --kind backfill --json | jq '.runs[] | {workflowId, status}'`,
    )
    .action(
      action(async (opts: RunsOptions) => {
        if (opts.kind !== undefined && !(KINDS as string[]).includes(opts.kind)) throw new BadInputError(`--kind must be one of ${KINDS.join(', ')} (got "${opts.kind}")`);
        const status = opts.status?.toLowerCase();
        if (status !== undefined && !(status in STATUS_FILTERS)) {
          throw new BadInputError(`--status must be one of ${Object.keys(STATUS_FILTERS).filter((s) => s !== 'canceled').join(', ')} (got "${opts.status}")`);
        }
        const config = cliConfig();
        const out = createOutput(opts);
        const client = await temporalClient(config, 5_000);
        try {
          const runs = await listRuns(client, config, { kind: opts.kind as RunKind | undefined, status, limit: opts.limit });
          if (out.mode === 'json') {
            out.json({ namespace: config.temporal.namespace, runs });
            return EXIT.ok;
          }
          if (runs.length === 0) {
            out.line(`no ${opts.kind ?? 'ETL'} runs${status ? ` with status ${status}` : ''} in namespace ${config.temporal.namespace} at ${config.temporal.address}`);
            return EXIT.ok;
          }
          out.line(formatTable(['WORKFLOW ID', 'KIND', 'WINDOW (UTC)', 'STATUS', 'STARTED (UTC)', 'DURATION', 'FAILED'], runs.map(row)));
          // Under the table: who failed in each failed run (or, for a run that failed as a whole, why).
          const failed = runs.filter((r) => r.failedTenants.length > 0 || r.error);
          if (failed.length > 0) {
            out.line('');
            for (const r of failed) {
              const what = r.failedTenants.length > 0 ? `failed ${r.failedTenants.map((f) => `${f.tenantName} (${f.tenantId})`).join(', ')}` : oneLine(r.error ?? '', 200);
              out.line(`${r.workflowId}: ${what} — lakehouse status ${r.workflowId}`);
            }
          }
          return EXIT.ok;
        } finally {
          await client.connection.close();
        }
      }),
    );
  oneLineUsageErrors(cmd, 'runs');
}

function row(r: RunSummary): string[] {
  return [
    r.workflowId,
    r.kind ?? '?',
    windowText(r),
    r.status,
    formatTime(r.startTime).replace(/Z$/, ''),
    formatDuration(r.durationMs),
    r.failedCount === null ? '—' : r.failedTenants.length > 0 ? `${r.failedCount} (${r.failedTenants.map((f) => f.tenantName).join(', ')})` : String(r.failedCount),
  ];
}

function windowText(r: RunSummary): string {
  if (!r.windowStart) return '—';
  // Backfills carry calendar dates (inclusive); scheduled runs carry instants.
  if (r.kind === 'backfill') return `${r.windowStart.slice(0, 10)} .. ${r.windowEnd?.slice(0, 10) ?? '?'}`;
  const from = formatTime(r.windowStart).slice(0, 16);
  if (!r.windowEnd) return from;
  const to = formatTime(r.windowEnd).slice(0, 16);
  return `${from} → ${to.slice(0, 10) === from.slice(0, 10) ? to.slice(11) : to}`;
}
