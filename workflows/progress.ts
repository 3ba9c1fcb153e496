/**
 * The `progress` query (used by the CLI) and the live details shown in the Temporal UI: one state
 * object, kept by the parent run, rendered as a small Markdown table of tenants × streams.
 */
import { defineQuery, setCurrentDetails } from '@temporalio/workflow';
import type { FailedTenant, RunKind, RunProgress, TenantEtlResult } from '../lib/workflow-types';

export const progressQuery = defineQuery<RunProgress>('progress');

export function newProgress(kind: RunKind, windowStart: string, windowEnd: string): RunProgress {
  return { kind, phase: 'starting', windowStart, windowEnd, tenantsTotal: 0, tenantsDone: 0, failed: [], rowsByStream: {}, rowsByTenant: {} };
}

export function addTenantResult(p: RunProgress, r: TenantEtlResult): void {
  const perTenant = (p.rowsByTenant[r.tenantName] ??= {});
  for (const load of r.loads) {
    perTenant[load.stream] = (perTenant[load.stream] ?? 0) + load.rowsInserted;
    p.rowsByStream[load.stream] = (p.rowsByStream[load.stream] ?? 0) + load.rowsInserted;
  }
}

export function addFailure(p: RunProgress, f: FailedTenant): void {
  if (!p.failed.some((x) => x.tenantId === f.tenantId)) p.failed.push(f);
}

export function publishDetails(p: RunProgress): void {
  setCurrentDetails(renderDetails(p));
}

export function renderDetails(p: RunProgress): string {
  const streams = Object.keys(p.rowsByStream).sort();
  const lines = [
    `**${p.kind}** · ${p.phase} · tenants ${p.tenantsDone}/${p.tenantsTotal}` +
      (p.windowsTotal !== undefined ? ` · windows ${p.windowsDone ?? 0}/${p.windowsTotal}` : '') +
      (p.failed.length > 0 ? ` · **failed: ${p.failed.map((f) => f.tenantName).join(', ')}**` : ''),
    '',
  ];
  if (streams.length > 0) {
    lines.push(`| tenant | ${streams.join(' | ')} |`, `|---|${streams.map(() => '---:').join('|')}|`);
    for (const tenant of Object.keys(p.rowsByTenant).sort()) {
      lines.push(`| ${tenant} | ${streams.map((s) => String(p.rowsByTenant[tenant][s] ?? 0)).join(' | ')} |`);
    }
    lines.push(`| **total** | ${streams.map((s) => `**${p.rowsByStream[s]}**`).join(' | ')} |`);
  }
  if (p.lake) {
    lines.push('', `lake: ${p.lake.tablesExported} table exports, ${p.lake.rowsExported} rows, ${p.lake.reconciled} reconciled, ${p.lake.mismatches} mismatches`);
  }
  return lines.join('\n');
}
