/**
 * `lakehouse status <workflow-id>`: where one run is, from the live `progress` query when a worker
 * answers, otherwise from what the server alone holds (describe, result or failure, history).
 */
import type { Command } from 'commander';
import { ALL_STREAMS } from '../../lib/constants';
import { BadInputError } from '../../lib/errors';
import { temporalClient } from '../../lib/temporal/connection';
import { action, cliConfig, EXIT } from '../context';
import { followAndReport } from '../output/follow';
import { formatCount, formatDuration, formatRowsByStream, formatTime, oneLine, sumRows, tenantError } from '../output/format';
import { createOutput, type Output } from '../output/mode';
import { rowsTable } from '../output/run-report';
import { oneLineUsageErrors } from '../output/usage';
import { readRunStatus, type RunStatusReport } from '../temporal-runs';

interface StatusOptions {
  watch?: boolean;
  json?: boolean;
}

const SOURCE_TEXT: Record<string, string> = {
  query: 'live, from the running workflow',
  result: "the run's result",
  failure: "the run's failure details",
  history: 'rebuilt from the event history',
};

export function registerStatusCommand(program: Command): void {
  const cmd = program
    .command('status')
    .argument('<workflow-id>', 'the ID `run`, `backfill` or `runs` printed (e.g. etl-hourly-2026-11-27T10:15:00Z)')
    .description("Show one run's state: status, window, tenants done/failed and rows per stream.")
    .option('--watch', 'keep following a running run to its end, with live progress (exit 0 completed, 1 failed)')
    .option('--json', 'print one JSON document instead of text')
    .addHelpText(
      'after',
      `
What it does:
  Describes the workflow and asks it for its progress (the \`progress\` query). The query needs a
  worker; when none answers within a few seconds the figures are rebuilt from the event history
  instead (completed and failed tenant runs, rows they reported), and the output says so. A closed
  run's figures come from its result, or from the failure that names its failed tenants.

  The JSON document has: workflowId, status (RUNNING, COMPLETED, FAILED, TERMINATED, CANCELLED,
  TIMED_OUT), kind, startTime, closeTime, durationMs, progressSource (query|result|failure|history),
  progress (tenantsDone/Total, failed, rowsByStream, rowsByTenant, windowsDone/Total), error, url.

Exit codes:
  0 the run is running or completed, 1 it failed, was terminated, cancelled or timed out,
  2 no such workflow, or Temporal unreachable.

Examples:
  $ lakehouse status etl-hourly-2026-11-27T10:15:00Z
  $ lakehouse status backfill-2026-01-01-2026-01-31-3f9a1c2e --watch`,
    )
    .action(
      action(async (workflowId: string, opts: StatusOptions) => {
        if (workflowId.trim() === '') throw new BadInputError('status needs a workflow ID (`lakehouse runs` lists recent ones)');
        const config = cliConfig();
        const out = createOutput(opts);
        const client = await temporalClient(config, 5_000);
        try {
          const report = await readRunStatus(client, config, workflowId);
          if (opts.watch && report.status === 'RUNNING') {
            if (out.mode !== 'json') printReport(out, report);
            const { exitCode } = await followAndReport(client, config, out, { workflowId, attached: true, url: report.url, label: workflowId });
            return exitCode;
          }
          if (out.mode === 'json') out.json(report);
          else printReport(out, report);
          return report.status === 'RUNNING' || report.status === 'COMPLETED' ? EXIT.ok : EXIT.runFailed;
        } finally {
          await client.connection.close();
        }
      }),
    );
  oneLineUsageErrors(cmd, 'status');
}

function printReport(out: Output, r: RunStatusReport): void {
  out.line(`${r.workflowId}`);
  out.line(`  status    ${r.status}${r.closeTime ? ` at ${formatTime(r.closeTime)}` : ''} (${r.kind ?? r.workflowType}; ${r.status === 'RUNNING' ? 'running for' : 'took'} ${formatDuration(r.durationMs)})`);
  if (r.summary) out.line(`  summary   ${r.summary}`);
  out.line(`  started   ${formatTime(r.startTime)} on task queue ${r.taskQueue}`);
  const p = r.progress;
  if (p?.windowStart) out.line(`  window    ${formatTime(p.windowStart)}${p.windowEnd ? ` → ${formatTime(p.windowEnd)}` : ''}`);
  else if (r.windowStart) out.line(`  window    from ${formatTime(r.windowStart)}`);
  if (p) {
    out.line(`  progress  ${p.phase} · tenants ${p.tenantsDone}/${p.tenantsTotal}${p.windowsTotal !== undefined ? ` · windows ${p.windowsDone ?? 0}/${p.windowsTotal}` : ''} · failed ${p.failed.length}  (${SOURCE_TEXT[r.progressSource ?? ''] ?? 'unknown'})`);
    if (sumRows(p.rowsByStream) > 0 || Object.keys(p.rowsByStream).length > 0) {
      out.line(`  rows      ${formatCount(sumRows(p.rowsByStream))} inserted: ${formatRowsByStream(p.rowsByStream, ALL_STREAMS)}`);
      if (r.status !== 'RUNNING') out.line(rowsTable(p.rowsByStream));
    }
    if (p.lake) out.line(`  lake      ${p.lake.tablesExported} table exports, ${formatCount(p.lake.rowsExported)} rows, ${p.lake.reconciled} reconciled, ${p.lake.mismatches} mismatches`);
  }
  if (r.failedTenants.length > 0) {
    out.line('  failed tenants:');
    for (const f of r.failedTenants) out.line(`    ${f.tenantName} (${f.tenantId}): ${oneLine(tenantError(f.error), 240)}`);
  }
  if (r.error && r.failedTenants.length === 0) out.line(`  error     ${r.error.type}: ${oneLine(r.error.message, 240)}`);
  if (r.note) out.line(`  note      ${r.note}`);
  out.line(`  UI        ${r.url}`);
}
