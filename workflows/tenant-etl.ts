/**
 * One tenant's load: dimensions first (facts reference them in BI), then the fact streams in
 * parallel, then servicing snapshots. A failed stream does not stop the tenant's other streams; the
 * tenant then fails with every failed stream named, carrying its partial result for the parent.
 */
import { ApplicationFailure, setCurrentDetails, workflowInfo, type ActivityFunctionWithOptions } from '@temporalio/workflow';
import { DIM_STREAMS, FACT_STREAMS, type Stream } from '../lib/constants';
import type { LoadInput, LoadResult } from '../lib/etl-types';
import type { TenantEtlInput, TenantEtlResult } from '../lib/workflow-types';
import { LOAD_ACTIVITY, loaderActivities } from './activity-proxies';

export const TENANT_FAILED = 'TenantLoadFailed';

export async function tenantEtlWorkflow(input: TenantEtlInput): Promise<TenantEtlResult> {
  const result: TenantEtlResult = { tenantId: input.tenantId, tenantName: input.tenantName, loads: [], failedStreams: [] };
  const wanted = new Set<Stream>(input.streams);
  const base: LoadInput = { tenantId: input.tenantId, window: input.window, workflowId: input.runId };

  const load = async (stream: Exclude<Stream, 'fact_servicing'>, full = false): Promise<void> => {
    const activity = loaderActivities[LOAD_ACTIVITY[stream]] as ActivityFunctionWithOptions<(i: LoadInput) => Promise<LoadResult>>;
    try {
      const r = await activity.executeWithOptions(
        { summary: `${stream}${full ? ' (full refresh)' : ''} · ${input.tenantName}`, startToCloseTimeout: '2 hours', heartbeatTimeout: '30 seconds' },
        [full ? { ...base, full } : base],
      );
      result.loads.push(r);
    } catch (err) {
      result.failedStreams.push({ stream, error: rootMessage(err) });
    }
    showDetails(result);
  };

  // The nightly re-derives every dimension row; hourly runs upsert what changed since the watermark.
  for (const stream of DIM_STREAMS) if (wanted.has(stream)) await load(stream, input.kind === 'nightly');
  await Promise.all(FACT_STREAMS.filter((s) => wanted.has(s)).map((s) => load(s)));

  if (wanted.has('fact_servicing')) {
    for (const asOf of input.snapshotDates) {
      try {
        const r = await loaderActivities.loadFactServicing.executeWithOptions(
          { summary: `fact_servicing ${asOf} · ${input.tenantName}`, startToCloseTimeout: '2 hours', heartbeatTimeout: '30 seconds' },
          [{ tenantId: input.tenantId, asOf, workflowId: input.runId }],
        );
        result.loads.push(r);
      } catch (err) {
        result.failedStreams.push({ stream: `fact_servicing ${asOf}`, error: rootMessage(err) });
      }
      showDetails(result);
    }
  }

  if (result.failedStreams.length > 0) {
    throw ApplicationFailure.create({
      type: TENANT_FAILED,
      nonRetryable: true,
      message: `tenant ${input.tenantName} (${input.tenantId}): ${result.failedStreams.map((f) => `${f.stream}: ${f.error}`).join('; ')}`,
      details: [result],
    });
  }
  return result;
}

function showDetails(r: TenantEtlResult): void {
  const rows = r.loads.map((l) => `| ${l.stream}${l.mode === 'snapshot' ? ` ${l.windowTo.slice(0, 10)}` : ''} | ${l.rowsRead} | ${l.rowsInserted} | ${l.newWatermark ?? '—'} |`);
  const failed = r.failedStreams.map((f) => `| ${f.stream} | failed | ${f.error.replace(/\|/g, '/')} | |`);
  setCurrentDetails(
    [`**${r.tenantName}** · ${workflowInfo().workflowId}`, '', '| stream | read | inserted | watermark |', '|---|---:|---:|---|', ...rows, ...failed].join('\n'),
  );
}

/** The innermost message: an activity failure's cause, not "Activity task failed". */
export function rootMessage(err: unknown): string {
  let e = err as { cause?: unknown; message?: string } | undefined;
  while (e && e.cause) e = e.cause as typeof e;
  return (e?.message ?? String(err)).split('\n')[0].slice(0, 300);
}
