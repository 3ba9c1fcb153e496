/**
 * Backfill a date range: windows walked in order, each window's tenants loaded in parallel children
 * (bounded), continue-as-new before the history grows large. Idempotent by construction — explicit
 * windows never move watermarks backwards and facts are keyed by their source rows — so it can
 * overlap an earlier backfill or a scheduled run and change nothing.
 */
import { ApplicationFailure, continueAsNew, setHandler, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import { BackfillInputError, planBackfill } from '../lib/backfill-plan';
import { SEARCH_ATTRIBUTES, ERROR_TYPES } from '../lib/constants';
import type { BackfillInput, RunResult } from '../lib/workflow-types';
import { tenantsActivities } from './activity-proxies';
import { finish } from './etl-run';
import { exportLakeStep } from './lake-export-step';
import { newProgress, progressQuery, publishDetails } from './progress';
import { tenantsAttributeValue } from './search-attributes';
import { runTenantChildren } from './run-tenants';

/** Windows per run before continue-as-new, well under the ~4k-event suggestion for 100 tenants. */
const WINDOWS_PER_RUN = 20;

export async function backfillWorkflow(input: BackfillInput): Promise<RunResult> {
  const info = workflowInfo();
  let plan;
  try {
    plan = planBackfill(input, new Date());
  } catch (err) {
    if (err instanceof BackfillInputError) throw ApplicationFailure.nonRetryable(err.message, ERROR_TYPES.invalidInput);
    throw err;
  }
  const progress = newProgress('backfill', plan.windows[0].from, plan.windows[plan.windows.length - 1].to);
  progress.windowsTotal = plan.windows.length;
  const resume = input.resume;
  progress.windowsDone = resume?.windowsDone ?? 0;
  progress.rowsByStream = { ...(resume?.rowsByStream ?? {}) };
  progress.failed = [...(resume?.failed ?? [])];
  setHandler(progressQuery, () => progress);

  upsertSearchAttributes([
    { key: SEARCH_ATTRIBUTES.kind, value: 'backfill' },
    { key: SEARCH_ATTRIBUTES.windowStart, value: new Date(plan.windows[0].from) },
    { key: SEARCH_ATTRIBUTES.failedCount, value: progress.failed.length },
  ]);

  const tenants = await tenantsActivities.listTenants(resume?.tenantIds ?? input.tenants);
  progress.tenantsTotal = tenants.length;
  progress.phase = 'loading';
  if (tenants.length > 0) upsertSearchAttributes([{ key: SEARCH_ATTRIBUTES.tenants, value: tenantsAttributeValue(tenants.map((t) => t.id)) }]);
  publishDetails(progress);

  const concurrency = input.concurrency ?? 4;
  const firstWindow = resume?.nextWindow ?? 0;
  for (let w = firstWindow; w < plan.windows.length; w++) {
    if (w - firstWindow >= WINDOWS_PER_RUN || (w > firstWindow && workflowInfo().continueAsNewSuggested)) {
      await continueAsNew<typeof backfillWorkflow>({
        ...input,
        resume: { nextWindow: w, windowsDone: progress.windowsDone ?? 0, rowsByStream: progress.rowsByStream, failed: progress.failed, tenantIds: tenants.map((t) => t.id) },
      });
    }
    const win = plan.windows[w];
    // Per-window tenant counts restart so "tenants d/n" reads as progress through the current window.
    progress.tenantsDone = 0;
    await runTenantChildren(
      tenants.map((t) => ({
        childId: `${info.workflowId}/${win.fromDate}/${t.id}`,
        summary: `backfill ${win.fromDate}..${win.toDate} · ${t.name}`,
        input: { tenantId: t.id, tenantName: t.name, kind: 'backfill', streams: plan.streams, window: { from: win.from, to: win.to }, snapshotDates: win.snapshotDates, runId: info.workflowId },
      })),
      progress,
      concurrency,
    );
    progress.windowsDone = (progress.windowsDone ?? 0) + 1;
    publishDetails(progress);
  }

  if (input.export) {
    const failedIds = new Set(progress.failed.map((f) => f.tenantId));
    await exportLakeStep(tenants.filter((t) => !failedIds.has(t.id)), progress, info.workflowId, Math.min(concurrency, 2));
  }
  return finish(progress);
}
