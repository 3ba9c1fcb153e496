/**
 * The hourly and nightly parents share this shape: take the run's time from the schedule, list the
 * tenants, load each in its own child workflow, (nightly) export the lake, and fail — naming the
 * failed tenants — if any tenant failed, after every other tenant has finished.
 */
import { ApplicationFailure, setHandler, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import { DIM_STREAMS, FACT_STREAMS, SCHEDULED_START_TIME, SEARCH_ATTRIBUTES, type Stream } from '../lib/constants';
import type { EtlRunInput, RunKind, RunResult } from '../lib/workflow-types';
import { tenantsActivities } from './activity-proxies';
import { exportLakeStep } from './lake-export-step';
import { newProgress, progressQuery, publishDetails } from './progress';
import { tenantsAttributeValue } from './search-attributes';
import { runTenantChildren } from './run-tenants';

export const RUN_FAILED = 'TenantsFailed';
const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

export async function runScheduledEtl(kind: Exclude<RunKind, 'backfill'>, input: EtlRunInput = {}): Promise<RunResult> {
  const info = workflowInfo();
  // A schedule-started run stands for its scheduled time, not the moment a worker picked it up.
  const scheduled = info.typedSearchAttributes.get(SCHEDULED_START_TIME) ?? (input.scheduledAt ? new Date(input.scheduledAt) : new Date());
  const end = scheduled.getTime();
  const startOfDay = Math.floor(end / DAY_MS) * DAY_MS;
  // Hourly: the hour before the run. Nightly: the previous UTC day, whose servicing snapshot it writes.
  const windowStart = kind === 'hourly' ? end - HOUR_MS : startOfDay - DAY_MS;
  const windowEnd = kind === 'hourly' ? end : startOfDay;
  const progress = newProgress(kind, new Date(windowStart).toISOString(), new Date(windowEnd).toISOString());
  setHandler(progressQuery, () => progress);

  upsertSearchAttributes([
    { key: SEARCH_ATTRIBUTES.kind, value: kind },
    { key: SEARCH_ATTRIBUTES.windowStart, value: new Date(windowStart) },
    { key: SEARCH_ATTRIBUTES.failedCount, value: 0 },
  ]);

  const tenants = await tenantsActivities.listTenants(input.tenants);
  progress.tenantsTotal = tenants.length;
  progress.phase = 'loading';
  if (tenants.length > 0) upsertSearchAttributes([{ key: SEARCH_ATTRIBUTES.tenants, value: tenantsAttributeValue(tenants.map((t) => t.id)) }]);
  publishDetails(progress);

  const streams: Stream[] = kind === 'hourly' ? [...DIM_STREAMS, ...FACT_STREAMS] : [...DIM_STREAMS, ...FACT_STREAMS, 'fact_servicing'];
  const snapshotDates = kind === 'nightly' ? [new Date(startOfDay - DAY_MS).toISOString().slice(0, 10)] : [];
  const concurrency = input.concurrency ?? 4;
  const failed = await runTenantChildren(
    tenants.map((t) => ({
      childId: `${info.workflowId}/${t.id}`,
      summary: `${kind} load · ${t.name}`,
      input: { tenantId: t.id, tenantName: t.name, kind, streams, snapshotDates, runId: info.workflowId },
    })),
    progress,
    concurrency,
  );

  if (kind === 'nightly') {
    // Only tenants whose load finished: exporting half a night's data would reconcile, but lie.
    await exportLakeStep(tenants.filter((t) => !failed.has(t.id)), progress, info.workflowId, Math.min(concurrency, 2));
  }
  return finish(progress);
}

export function finish(progress: RunResult): RunResult {
  upsertSearchAttributes([{ key: SEARCH_ATTRIBUTES.failedCount, value: progress.failed.length }]);
  progress.phase = progress.failed.length > 0 ? 'failed' : 'done';
  publishDetails(progress);
  if (progress.failed.length > 0) {
    throw ApplicationFailure.create({
      type: RUN_FAILED,
      nonRetryable: true,
      message: `${progress.failed.length} of ${progress.tenantsTotal} tenants failed: ${progress.failed.map((f) => `${f.tenantName} (${f.error})`).join('; ')}`,
      details: [progress],
    });
  }
  return progress;
}
