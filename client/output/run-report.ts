/**
 * How a run is reported once it has started, and once it has ended: the lines a person reads and
 * the one JSON document a script reads. Both carry the same facts (workflow ID, UI link, status,
 * tenants, rows per stream, failed tenants) so neither audience has to guess.
 */
import { ALL_STREAMS } from '../../lib/constants';
import type { FailedTenant, RunProgress } from '../../lib/workflow-types';
import type { RunOutcome, RunStatus } from '../temporal-runs';
import { formatCount, formatDuration, formatTable, oneLine, sumRows, tenantError } from './format';
import type { Output } from './mode';

export interface RunDocument {
  workflowId: string;
  url: string;
  /** True when the command found the same request already running and followed that run. */
  attached: boolean;
  /** RUNNING when the command did not wait; otherwise how the run ended. */
  status: RunStatus;
  result: RunProgress | null;
  failedTenants: FailedTenant[];
  error: { type: string; message: string } | null;
  durationMs: number | null;
}

export function runDocument(started: { workflowId: string; attached: boolean }, url: string, outcome: RunOutcome | null, durationMs: number | null): RunDocument {
  return {
    workflowId: started.workflowId,
    url,
    attached: started.attached,
    status: outcome?.status ?? 'RUNNING',
    result: outcome?.result ?? null,
    failedTenants: outcome?.failedTenants ?? [],
    error: outcome?.error ?? null,
    durationMs,
  };
}

/** The lines printed as soon as a run is started or attached to (before any waiting). */
export function announceRun(out: Output, what: string, started: { workflowId: string; attached: boolean }, url: string): void {
  out.line(started.attached ? `attached to running ${what} ${started.workflowId} (the same request is already running; not started twice)` : `started ${what} ${started.workflowId}`);
  out.line(`  Temporal UI  ${url}`);
}

export function rowsTable(rows: Record<string, number>, indent = '    '): string {
  const order = ALL_STREAMS as readonly string[];
  const keys = Object.keys(rows).sort((a, b) => (order.indexOf(a) + 1 || 99) - (order.indexOf(b) + 1 || 99) || a.localeCompare(b));
  return formatTable(
    ['stream', 'rows inserted'],
    [...keys.map((k) => [k, formatCount(rows[k])]), ['total', formatCount(sumRows(rows))]],
    indent,
  );
}

/** The end-of-run report; returns nothing, the exit code is the caller's (0 completed, 1 otherwise). */
export function reportOutcome(out: Output, outcome: RunOutcome, url: string, durationMs: number): void {
  const p = outcome.result;
  if (outcome.status === 'COMPLETED') out.line(`completed in ${formatDuration(durationMs)}: ${outcome.workflowId}`);
  else if (outcome.failedTenants.length > 0 && p) out.line(`FAILED after ${formatDuration(durationMs)}: ${outcome.workflowId} — ${outcome.failedTenants.length} of ${p.tenantsTotal} tenants failed`);
  else out.line(`${outcome.status} after ${formatDuration(durationMs)}: ${outcome.workflowId} — ${oneLine(outcome.error?.message ?? 'no result')}`);

  if (p) {
    const done = p.tenantsTotal - outcome.failedTenants.length;
    out.line(`  tenants  ${done} of ${p.tenantsTotal} loaded, ${outcome.failedTenants.length} failed`);
    if (p.windowsTotal !== undefined) out.line(`  windows  ${p.windowsDone ?? 0} of ${p.windowsTotal}`);
    out.line(`  rows${outcome.status === 'COMPLETED' ? '' : ' (inserted before the failure; they stay: loads are idempotent)'}`);
    out.line(rowsTable(p.rowsByStream));
    if (p.lake) out.line(`  lake     ${p.lake.tablesExported} table exports, ${formatCount(p.lake.rowsExported)} rows, ${p.lake.reconciled} reconciled, ${p.lake.mismatches} mismatches`);
  }
  if (outcome.failedTenants.length > 0) {
    out.line('  failed tenants (a failed load commits nothing; the next run, or re-running this command, picks it up):');
    for (const f of outcome.failedTenants) out.line(`    ${f.tenantName} (${f.tenantId}): ${oneLine(tenantError(f.error), 240)}`);
  }
  if (outcome.status !== 'COMPLETED') out.line(`  details  ${url}`);
}
