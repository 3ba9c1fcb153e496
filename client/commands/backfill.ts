/**
 * `lakehouse backfill`: reload a past date range (after a bug fix in a loader, a late source
 * correction, or onboarding a tenant with history). Everything is checked before anything starts,
 * and the same request maps to the same workflow ID, so a second start attaches instead of
 * loading the range twice in parallel.
 */
import type { Command } from 'commander';
import type { SearchAttributePair } from '@temporalio/common';
import { BackfillInputError, planBackfill, type BackfillPlan } from '../../lib/backfill-plan';
import { ALL_STREAMS, SEARCH_ATTRIBUTES } from '../../lib/constants';
import { BadInputError } from '../../lib/errors';
import { temporalClient } from '../../lib/temporal/connection';
import type { BackfillInput } from '../../lib/workflow-types';
import { action, cliConfig, EXIT, parsePositiveInt } from '../context';
import { announceAndFollow } from '../output/follow';
import { formatTable } from '../output/format';
import { createOutput, type Output } from '../output/mode';
import { oneLineUsageErrors } from '../output/usage';
import { backfillWorkflowId, collectList, parseStreams, parseTenantIds, resolveTenants, withDatabase, type TenantRef } from '../run-inputs';
import { startOrAttach, WORKFLOW_TYPES } from '../temporal-runs';

interface BackfillOptions {
  from: string;
  to: string;
  tenant?: string[];
  streams?: string;
  export?: boolean;
  dryRun?: boolean;
  wait?: boolean;
  json?: boolean;
  windowDays?: number;
}

export function registerBackfillCommand(program: Command): void {
  const cmd = program
    .command('backfill')
    .description('Reload a past date range into the reporting schema (and optionally re-export the lake), in windows, as one Temporal workflow.')
    .requiredOption('--from <date>', 'first UTC calendar date to load, YYYY-MM-DD (inclusive)')
    .requiredOption('--to <date>', 'last UTC calendar date to load, YYYY-MM-DD (inclusive; today at the latest)')
    .option('--tenant <id>', 'only this tenant (uuid); repeat, or give a comma-separated list, for several. Default: every active tenant', collectList)
    .option('--streams <list>', `comma-separated streams to load. Default: all (${ALL_STREAMS.join(', ')})`)
    .option('--export', 're-export the S3 Parquet lake after loading (incremental from the lake checkpoint, then reconciled)')
    .option('--dry-run', 'print the plan (windows, tenants, streams, lake) and the workflow ID, and start nothing')
    .option('--window-days <n>', 'days per window; each window loads every tenant before the next starts (default 7)', parsePositiveInt('--window-days', 366))
    .option('--wait', 'follow the backfill to its end with live progress; exit 0 when it completes, 1 when it fails')
    .option('--json', 'print one JSON document instead of text (the plan with --dry-run; the result with --wait)')
    .addHelpText(
      'after',
      `
What it does:
  Validates the request before anything starts — dates (YYYY-MM-DD, --from not after --to, --to not
  in the future, --from within ETL_MAX_LOOKBACK_DAYS), streams, and each --tenant against
  public.tenants — then starts backfillWorkflow with a workflow ID derived from the request:
    backfill-<from>-<to>-<hash of tenants, streams and --export>
  If that backfill is already running, the command attaches to it instead of starting a second one.

  Backfills are idempotent: facts are keyed by their source rows and explicit windows never move a
  watermark backwards, so overlapping an earlier backfill or a scheduled run inserts nothing twice.
  fact_servicing writes one snapshot per day in the range, as the nightly would have.

Output:
  Prints the workflow ID and its Temporal UI link. With --wait: live progress on a terminal, a line
  per change when piped, one JSON document with --json (result.rowsByStream holds rows inserted per
  stream). Exit codes: 0 started/completed, 1 the backfill failed (failed tenants are named), 2 bad
  input or an unreachable server (nothing started).

Examples:
  $ lakehouse backfill --from 2026-01-01 --to 2026-01-31 --dry-run
  $ lakehouse backfill --from 2026-01-01 --to 2026-01-31 --wait
  $ lakehouse backfill --from 2026-03-01 --to 2026-03-07 --tenant 6f1c2d9e-8a4b-4c1f-9d2e-3b5a7c9e1f20 \\
      --streams fact_txn,fact_remit --export --wait --json`,
    )
    .action(
      action(async (opts: BackfillOptions) => {
        const streams = parseStreams(opts.streams);
        const tenantIds = parseTenantIds(opts.tenant);
        const config = cliConfig();
        const out = createOutput(opts);
        const now = new Date();
        let plan: BackfillPlan;
        try {
          plan = planBackfill({ from: opts.from, to: opts.to, streams, windowDays: opts.windowDays, maxLookbackDays: config.etl.maxLookbackDays }, now);
        } catch (err) {
          if (err instanceof BackfillInputError) throw new BadInputError(err.message);
          throw err;
        }
        const tenants = await withDatabase(config, (pool) => resolveTenants(pool, tenantIds));
        const exportLake = Boolean(opts.export);
        const workflowId = backfillWorkflowId({ from: plan.from, to: plan.to, tenants: tenantIds, streams: plan.streams, export: exportLake });

        if (opts.dryRun) {
          printPlan(out, plan, tenants, tenantIds.length > 0, exportLake, workflowId, config.temporal.taskQueue);
          return EXIT.ok;
        }
        if (tenants.length === 0) out.note('lakehouse: note: no active tenants in public.tenants; the backfill will load nothing');

        const input: BackfillInput = {
          from: plan.from,
          to: plan.to,
          tenants: tenantIds.length > 0 ? tenantIds : undefined,
          streams: streams ? plan.streams : undefined,
          export: exportLake,
          windowDays: opts.windowDays,
          concurrency: config.etl.tenantConcurrency,
          maxLookbackDays: config.etl.maxLookbackDays,
        };
        const searchAttributes: SearchAttributePair[] = [
          { key: SEARCH_ATTRIBUTES.kind, value: 'backfill' },
          { key: SEARCH_ATTRIBUTES.windowStart, value: new Date(plan.windows[0].from) },
        ];
        const who = tenantIds.length > 0 ? tenants.map((t) => t.name).join(', ') : 'all active tenants';
        const client = await temporalClient(config, 5_000);
        try {
          const started = await startOrAttach(client, {
            workflowType: WORKFLOW_TYPES.backfill,
            workflowId,
            taskQueue: config.temporal.taskQueue,
            args: [input],
            staticSummary: `Backfill ${plan.from}..${plan.to} · ${who} · ${streams ? plan.streams.join(', ') : 'all streams'}${exportLake ? ' · lake re-export' : ''}`,
            // Read by `lakehouse runs` for the window column (visibility has no "window end" attribute).
            memo: { from: plan.from, to: plan.to, tenants: tenantIds, streams: plan.streams, export: exportLake },
            searchAttributes,
          });
          return await announceAndFollow(client, config, out, `backfill of ${plan.from} .. ${plan.to}`, started, { wait: Boolean(opts.wait), startedAt: now.getTime() });
        } finally {
          await client.connection.close();
        }
      }),
    );
  oneLineUsageErrors(cmd, 'backfill');
}

const MAX_WINDOWS_LISTED = 40;

function printPlan(out: Output, plan: BackfillPlan, tenants: TenantRef[], explicitTenants: boolean, exportLake: boolean, workflowId: string, taskQueue: string): void {
  if (out.mode === 'json') {
    out.json({
      dryRun: true,
      workflowId,
      taskQueue,
      from: plan.from,
      to: plan.to,
      days: plan.days,
      tenants: { selection: explicitTenants ? 'listed' : 'all active', list: tenants.map((t) => ({ id: t.id, name: t.name, active: t.active })) },
      streams: plan.streams,
      export: exportLake,
      windows: plan.windows,
    });
    return;
  }
  const snapshots = plan.windows.reduce((n, w) => n + w.snapshotDates.length, 0);
  out.line('backfill plan (dry run: nothing started, nothing written)');
  out.line(`  range     ${plan.from} .. ${plan.to} (${plan.days} day${plan.days === 1 ? '' : 's'}, UTC calendar dates, inclusive)`);
  out.line(`  tenants   ${explicitTenants ? '' : 'all active tenants: '}${tenants.length} — ${tenants.map((t) => `${t.name} (${t.id})`).join(', ') || 'none'}`);
  out.line(`  streams   ${plan.streams.join(', ')}`);
  if (plan.streams.includes('fact_servicing')) out.line(`            fact_servicing: ${snapshots} daily snapshot${snapshots === 1 ? '' : 's'} per tenant`);
  out.line(`  lake      ${exportLake ? 're-exported after loading (incremental from the lake checkpoint, then reconciled)' : 'not re-exported (add --export to re-export after loading)'}`);
  out.line(`  workflow  ${workflowId} (task queue ${taskQueue}; attaches instead if that backfill is running)`);
  out.line(`  windows   ${plan.windows.length}, loaded one after another, every tenant in parallel within a window`);
  const rows = plan.windows.map((w, i) => [String(i + 1), w.fromDate, w.toDate, String(w.snapshotDates.length)]);
  const shown = rows.length > MAX_WINDOWS_LISTED ? [...rows.slice(0, MAX_WINDOWS_LISTED - 5), ['…', '', '', ''], ...rows.slice(-5)] : rows;
  out.line(formatTable(['#', 'from', 'to', 'snapshots'], shown, '    '));
  out.line('run it: the same command without --dry-run (add --wait to follow it)');
}
