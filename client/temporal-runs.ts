/**
 * The CLI's view of ETL runs in Temporal: start (or attach to) a run, follow it to the end, read
 * where it is, and list recent ones.
 *
 * Progress comes from the workflow's `progress` query, which needs a worker to answer. Queries wait
 * for a worker until their deadline, so they are always sent with a short one; when nothing answers
 * we fall back to what the server alone knows (describe and the event history), so `status` works
 * while every worker is down — which is exactly when an operator runs it.
 */
import {
  WorkflowExecutionAlreadyStartedError,
  WorkflowFailedError,
  WorkflowNotFoundError,
  type Client,
  type WorkflowExecutionDescription,
  type WorkflowExecutionInfo,
} from '@temporalio/client';
import {
  ApplicationFailure,
  CancelledFailure,
  defaultPayloadConverter,
  NamespaceNotFoundError,
  TerminatedFailure,
  TimeoutFailure,
  type SearchAttributePair,
} from '@temporalio/common';
import type { temporal } from '@temporalio/proto';
import type { Config } from '../lib/config';
import { planBackfill } from '../lib/backfill-plan';
import { SEARCH_ATTRIBUTES } from '../lib/constants';
import { BadInputError } from '../lib/errors';
import type { BackfillInput, FailedTenant, RunKind, RunProgress, TenantEtlResult } from '../lib/workflow-types';
// workflows/progress imports only @temporalio/workflow's definitions; defining a query outside a
// workflow is fine, and sharing the definition keeps the name in one place.
import { progressQuery } from '../workflows/progress';

/** The parent workflow types, by the kind operators use. */
export const WORKFLOW_TYPES: Record<RunKind, string> = {
  hourly: 'hourlyEtlWorkflow',
  nightly: 'nightlyEtlWorkflow',
  backfill: 'backfillWorkflow',
};
const KIND_BY_TYPE = Object.fromEntries(Object.entries(WORKFLOW_TYPES).map(([k, v]) => [v, k as RunKind])) as Record<string, RunKind>;

/**
 * The failure type a parent throws when tenants failed (workflows/etl-run.ts RUN_FAILED). Not
 * imported from there: that module pulls the activity proxies into the CLI.
 */
export const RUN_FAILED_TYPE = 'TenantsFailed';

/** Temporal's own status names (what the UI shows), so the CLI and the UI agree. */
export type RunStatus = 'RUNNING' | 'COMPLETED' | 'FAILED' | 'CANCELLED' | 'TERMINATED' | 'CONTINUED_AS_NEW' | 'TIMED_OUT' | 'UNKNOWN';

export function workflowUrl(config: Pick<Config, 'temporal'>, workflowId: string): string {
  return `${config.temporal.uiUrl}/namespaces/${encodeURIComponent(config.temporal.namespace)}/workflows/${encodeURIComponent(workflowId)}`;
}

// ---------------------------------------------------------------------------------------------
// Start or attach
// ---------------------------------------------------------------------------------------------

export interface StartRequest {
  workflowType: string;
  workflowId: string;
  taskQueue: string;
  args: unknown[];
  staticSummary: string;
  memo?: Record<string, unknown>;
  searchAttributes: SearchAttributePair[];
}

export interface StartedRun {
  workflowId: string;
  /** The run this command started; undefined when it attached to one already running. */
  runId?: string;
  attached: boolean;
}

/**
 * Starts the workflow, or — when a run with this ID is still going — attaches to it. We rely on the
 * server's default conflict policy (FAIL while running) and catch the error rather than asking for
 * USE_EXISTING: the TypeScript client does not say whether USE_EXISTING started a new run, and the
 * operator must be told which happened. A *closed* run with the same ID does not conflict (the
 * default reuse policy allows a new run), so re-running a finished backfill works — it is idempotent.
 */
export async function startOrAttach(client: Client, req: StartRequest): Promise<StartedRun> {
  try {
    const handle = await client.workflow.start(req.workflowType, {
      workflowId: req.workflowId,
      taskQueue: req.taskQueue,
      args: req.args,
      staticSummary: req.staticSummary,
      memo: req.memo,
      typedSearchAttributes: req.searchAttributes,
    });
    return { workflowId: handle.workflowId, runId: handle.firstExecutionRunId, attached: false };
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) return { workflowId: req.workflowId, attached: true };
    throw serverError(client, err);
  }
}

// ---------------------------------------------------------------------------------------------
// Outcome of a finished run
// ---------------------------------------------------------------------------------------------

export interface RunOutcome {
  workflowId: string;
  status: RunStatus;
  /** The final progress: the result, or the progress carried in a TenantsFailed failure. */
  result: RunProgress | null;
  failedTenants: FailedTenant[];
  error: { type: string; message: string } | null;
}

export function outcomeFromResult(workflowId: string, result: RunProgress): RunOutcome {
  return { workflowId, status: 'COMPLETED', result, failedTenants: result.failed ?? [], error: null };
}

/** Reads a run's failure: which tenants failed (from the TenantsFailed details) and why. */
export function outcomeFromError(workflowId: string, err: unknown): RunOutcome {
  if (!(err instanceof WorkflowFailedError)) throw err;
  const cause = err.cause;
  if (cause instanceof TerminatedFailure) return { workflowId, status: 'TERMINATED', result: null, failedTenants: [], error: { type: 'Terminated', message: cause.message || 'terminated' } };
  if (cause instanceof CancelledFailure) return { workflowId, status: 'CANCELLED', result: null, failedTenants: [], error: { type: 'Cancelled', message: cause.message || 'cancelled' } };
  if (cause instanceof TimeoutFailure) return { workflowId, status: 'TIMED_OUT', result: null, failedTenants: [], error: { type: 'TimedOut', message: `timed out (${cause.timeoutType})` } };
  if (cause instanceof ApplicationFailure) {
    const progress = cause.type === RUN_FAILED_TYPE ? asProgress(cause.details?.[0]) : null;
    return {
      workflowId,
      status: 'FAILED',
      result: progress,
      failedTenants: progress?.failed ?? [],
      error: { type: cause.type ?? 'Error', message: cause.message },
    };
  }
  return { workflowId, status: 'FAILED', result: null, failedTenants: [], error: { type: cause?.name ?? 'Error', message: cause?.message ?? err.message } };
}

function asProgress(v: unknown): RunProgress | null {
  const p = v as RunProgress | undefined;
  return p && typeof p === 'object' && typeof p.rowsByStream === 'object' ? p : null;
}

/** Waits for the run (following continue-as-new) and reads its outcome. */
export async function awaitOutcome(client: Client, workflowId: string): Promise<RunOutcome> {
  try {
    const result = (await client.workflow.getHandle(workflowId).result()) as RunProgress;
    return outcomeFromResult(workflowId, result);
  } catch (err) {
    return outcomeFromError(workflowId, err);
  }
}

// ---------------------------------------------------------------------------------------------
// Progress
// ---------------------------------------------------------------------------------------------

/** The live progress, or null when no worker answered within `timeoutMs`. */
export async function queryProgress(client: Client, workflowId: string, timeoutMs: number): Promise<RunProgress | null> {
  try {
    return await client.withDeadline(Date.now() + timeoutMs, () => client.workflow.getHandle(workflowId).query(progressQuery));
  } catch {
    // Deadline exceeded (no worker polling), not yet registered (first task still pending), or the
    // run closed between two polls: all mean "no live answer now"; callers fall back or retry.
    return null;
  }
}

export interface FollowOptions {
  /** How often to ask for progress. */
  pollMs?: number;
  /** Deadline of each progress query: without a worker a query waits this long, then gives up. */
  queryTimeoutMs?: number;
  /** Called after every poll; `progress` is null when no worker answered. */
  onProgress?: (progress: RunProgress | null) => void;
}

/** Follows a run to its end, reporting progress on the way. */
export async function followRun(client: Client, workflowId: string, opts: FollowOptions = {}): Promise<RunOutcome> {
  const pollMs = opts.pollMs ?? 1_000;
  const outcome = awaitOutcome(client, workflowId);
  let settled = false;
  void outcome.then(
    () => (settled = true),
    () => (settled = true),
  );
  while (!settled) {
    const progress = await queryProgress(client, workflowId, opts.queryTimeoutMs ?? 3_000);
    if (settled) break;
    opts.onProgress?.(progress);
    await Promise.race([outcome.catch(() => undefined), sleep(pollMs)]);
  }
  return outcome;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms).unref());
}

// ---------------------------------------------------------------------------------------------
// Status of one run
// ---------------------------------------------------------------------------------------------

export type ProgressSource = 'query' | 'result' | 'failure' | 'history';

export interface RunStatusReport {
  workflowId: string;
  runId: string;
  workflowType: string;
  kind: RunKind | null;
  status: RunStatus;
  taskQueue: string;
  summary: string | null;
  startTime: string;
  closeTime: string | null;
  durationMs: number;
  windowStart: string | null;
  url: string;
  /** Where `progress` came from: the live query, the result, the failure's details, or the event history. */
  progressSource: ProgressSource | null;
  progress: RunProgress | null;
  failedTenants: FailedTenant[];
  error: { type: string; message: string } | null;
  /** Set when the live query got no answer, to tell the operator why the numbers may lag. */
  note: string | null;
}

export async function readRunStatus(client: Client, config: Pick<Config, 'temporal'>, workflowId: string, opts: { queryTimeoutMs?: number } = {}): Promise<RunStatusReport> {
  const handle = client.workflow.getHandle(workflowId);
  let desc: WorkflowExecutionDescription;
  try {
    desc = await handle.describe();
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) {
      throw new BadInputError(`no workflow with ID "${workflowId}" in namespace ${config.temporal.namespace} at ${config.temporal.address} (\`lakehouse runs\` lists recent runs)`);
    }
    throw serverError(client, err);
  }
  const status = statusName(desc.status.name);
  const kind = (desc.typedSearchAttributes.get(SEARCH_ATTRIBUTES.kind) as RunKind | undefined) ?? KIND_BY_TYPE[desc.type] ?? null;
  const windowStart = desc.typedSearchAttributes.get(SEARCH_ATTRIBUTES.windowStart);
  const report: RunStatusReport = {
    workflowId,
    runId: desc.runId,
    workflowType: desc.type,
    kind,
    status,
    taskQueue: desc.taskQueue,
    summary: (await desc.staticSummary().catch(() => undefined)) ?? null,
    startTime: desc.startTime.toISOString(),
    closeTime: desc.closeTime?.toISOString() ?? null,
    durationMs: (desc.closeTime ?? new Date()).getTime() - desc.startTime.getTime(),
    windowStart: windowStart ? windowStart.toISOString() : null,
    url: workflowUrl(config, workflowId),
    progressSource: null,
    progress: null,
    failedTenants: [],
    error: null,
    note: null,
  };

  if (status === 'RUNNING') {
    const live = await queryProgress(client, workflowId, opts.queryTimeoutMs ?? 3_000);
    if (live) {
      report.progress = live;
      report.progressSource = 'query';
    } else {
      report.progress = await progressFromHistory(client, workflowId, desc);
      report.progressSource = 'history';
      report.note = `no worker answered the progress query within ${((opts.queryTimeoutMs ?? 3_000) / 1000).toFixed(0)} s; figures are from the event history (is a worker polling task queue ${desc.taskQueue}?)`;
    }
    report.failedTenants = report.progress?.failed ?? [];
    return report;
  }

  // Closed: the server holds the result or failure; no worker is needed.
  const outcome = await awaitOutcome(client, workflowId);
  report.error = outcome.error;
  report.failedTenants = outcome.failedTenants;
  if (outcome.result) {
    report.progress = outcome.result;
    report.progressSource = outcome.status === 'COMPLETED' ? 'result' : 'failure';
  } else {
    report.progress = await progressFromHistory(client, workflowId, desc);
    report.progressSource = 'history';
    report.failedTenants = report.progress?.failed ?? [];
  }
  return report;
}

function statusName(name: string): RunStatus {
  const known: RunStatus[] = ['RUNNING', 'COMPLETED', 'FAILED', 'CANCELLED', 'TERMINATED', 'CONTINUED_AS_NEW', 'TIMED_OUT'];
  return (known as string[]).includes(name) ? (name as RunStatus) : 'UNKNOWN';
}

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

/**
 * Progress rebuilt from the event history, for when no worker can answer the query: the run's
 * input (a continued backfill carries its earlier windows' totals in `resume`) plus every child
 * that has closed — each completed child's result holds its rows, each failed child's failure
 * names the tenant and carries its partial result.
 */
export async function progressFromHistory(client: Client, workflowId: string, desc: WorkflowExecutionDescription): Promise<RunProgress | null> {
  let events: HistoryEvent[];
  try {
    events = (await client.workflow.getHandle(workflowId, desc.runId).fetchHistory()).events ?? [];
  } catch {
    return null;
  }
  const kind = (desc.typedSearchAttributes.get(SEARCH_ATTRIBUTES.kind) as RunKind | undefined) ?? KIND_BY_TYPE[desc.type] ?? 'hourly';
  const tenants = desc.typedSearchAttributes.get(SEARCH_ATTRIBUTES.tenants) ?? [];
  const windowStart = desc.typedSearchAttributes.get(SEARCH_ATTRIBUTES.windowStart);
  const progress: RunProgress = {
    kind,
    phase: desc.status.name === 'COMPLETED' ? 'done' : desc.status.name !== 'RUNNING' ? 'failed' : tenants.length > 0 ? 'loading' : 'starting',
    windowStart: windowStart?.toISOString() ?? '',
    // Scheduled kinds cover a fixed span from their start; a backfill's end comes from its input below.
    windowEnd: windowStart && kind !== 'backfill' ? new Date(windowStart.getTime() + (kind === 'hourly' ? 3_600_000 : 86_400_000)).toISOString() : '',
    tenantsTotal: tenants.length,
    tenantsDone: 0,
    failed: [],
    rowsByStream: {},
    rowsByTenant: {},
  };

  const started = events[0]?.workflowExecutionStartedEventAttributes;
  if (kind === 'backfill' && started?.input?.payloads?.[0]) {
    const input = decode<BackfillInput>(started.input.payloads[0]);
    if (input) {
      try {
        const plan = planBackfill(input, eventTime(events[0]) ?? new Date());
        progress.windowsTotal = plan.windows.length;
        progress.windowStart = plan.windows[0].from;
        progress.windowEnd = plan.windows[plan.windows.length - 1].to;
      } catch {
        /* an invalid input fails the run on its own; nothing to add */
      }
      progress.windowsDone = input.resume?.windowsDone ?? 0;
      Object.assign(progress.rowsByStream, input.resume?.rowsByStream ?? {});
      progress.failed.push(...(input.resume?.failed ?? []));
    }
  }

  // Backfill children are <parent>/<window start>/<tenant>: windows are tracked by that middle part.
  const windowOf = (childId: string | null | undefined): string | null => {
    const parts = (childId ?? '').slice(workflowId.length + 1).split('/');
    return parts.length === 2 ? parts[0] : null;
  };
  const startedWindows = new Set<string>();
  const closedPerWindow = new Map<string, number>();
  const addLoads = (r: TenantEtlResult | null) => {
    if (!r || !Array.isArray(r.loads)) return;
    const perTenant = (progress.rowsByTenant[r.tenantName] ??= {});
    for (const l of r.loads) {
      progress.rowsByStream[l.stream] = (progress.rowsByStream[l.stream] ?? 0) + l.rowsInserted;
      perTenant[l.stream] = (perTenant[l.stream] ?? 0) + l.rowsInserted;
    }
  };
  const childClosed = (childId: string | null | undefined) => {
    progress.tenantsDone += 1;
    const w = windowOf(childId);
    if (w) closedPerWindow.set(w, (closedPerWindow.get(w) ?? 0) + 1);
  };

  for (const ev of events) {
    const initiated = ev.startChildWorkflowExecutionInitiatedEventAttributes;
    if (initiated) {
      const w = windowOf(initiated.workflowId);
      if (w) startedWindows.add(w);
      continue;
    }
    const done = ev.childWorkflowExecutionCompletedEventAttributes;
    if (done) {
      addLoads(done.result?.payloads?.[0] ? decode<TenantEtlResult>(done.result.payloads[0]) : null);
      childClosed(done.workflowExecution?.workflowId);
      continue;
    }
    const failed = ev.childWorkflowExecutionFailedEventAttributes;
    const other = ev.childWorkflowExecutionTerminatedEventAttributes ?? ev.childWorkflowExecutionTimedOutEventAttributes ?? ev.childWorkflowExecutionCanceledEventAttributes;
    if (failed || other) {
      const childId = (failed ?? other)?.workflowExecution?.workflowId ?? '';
      const partial = failed?.failure?.applicationFailureInfo?.details?.payloads?.[0] ? decode<TenantEtlResult>(failed.failure.applicationFailureInfo.details.payloads[0]) : null;
      addLoads(partial);
      const tenantId = childId.split('/').pop() ?? childId;
      if (!progress.failed.some((f) => f.tenantId === tenantId)) {
        progress.failed.push({
          tenantId,
          tenantName: partial?.tenantName ?? tenantId,
          error: failed ? rootFailureMessage(failed.failure) : ev.childWorkflowExecutionTerminatedEventAttributes ? 'child run terminated' : ev.childWorkflowExecutionTimedOutEventAttributes ? 'child run timed out' : 'child run cancelled',
        });
      }
      childClosed(childId);
    }
  }
  if (kind === 'backfill' && tenants.length > 0) {
    progress.windowsDone = (progress.windowsDone ?? 0) + [...closedPerWindow.values()].filter((n) => n >= tenants.length).length;
    // "tenants d/n" is per window in the live query too: report the window being worked on.
    const current = [...startedWindows].sort().pop();
    if (current) progress.tenantsDone = closedPerWindow.get(current) ?? 0;
  }
  return progress;
}

function decode<T>(payload: temporal.api.common.v1.IPayload): T | null {
  try {
    return defaultPayloadConverter.fromPayload<T>(payload as Parameters<typeof defaultPayloadConverter.fromPayload>[0]);
  } catch {
    return null;
  }
}

function eventTime(ev: HistoryEvent): Date | null {
  const t = ev.eventTime;
  if (!t?.seconds) return null;
  return new Date(Number(t.seconds) * 1000 + Math.floor((t.nanos ?? 0) / 1e6));
}

function rootFailureMessage(f: temporal.api.failure.v1.IFailure | null | undefined): string {
  let cur = f;
  while (cur?.cause) cur = cur.cause;
  return (cur?.message ?? 'failed').split('\n')[0];
}

// ---------------------------------------------------------------------------------------------
// Recent runs
// ---------------------------------------------------------------------------------------------

/** `--status` values and the visibility names they stand for. */
export const STATUS_FILTERS: Record<string, string> = {
  running: 'Running',
  completed: 'Completed',
  failed: 'Failed',
  cancelled: 'Canceled',
  canceled: 'Canceled',
  terminated: 'Terminated',
  'timed-out': 'TimedOut',
  'continued-as-new': 'ContinuedAsNew',
};

export interface RunSummary {
  workflowId: string;
  runId: string;
  kind: RunKind | null;
  status: RunStatus;
  windowStart: string | null;
  windowEnd: string | null;
  startTime: string;
  closeTime: string | null;
  durationMs: number;
  failedCount: number | null;
  failedTenants: FailedTenant[];
  error: string | null;
  url: string;
}

/**
 * Builds the visibility query. Filtering on WorkflowType rather than on our LakehouseKind attribute:
 * the workflow sets LakehouseKind in its first task, so a run no worker has picked up yet (the case
 * an operator is looking for when workers are down) has only its type. Continued-as-new links of a
 * long backfill are hidden unless asked for: the chain shows once, as its latest run.
 */
export function runsQuery(opts: { kind?: RunKind; status?: string; taskQueue?: string }): string {
  const types = opts.kind ? [WORKFLOW_TYPES[opts.kind]] : Object.values(WORKFLOW_TYPES);
  const parts = [types.length === 1 ? `WorkflowType = '${types[0]}'` : `WorkflowType IN (${types.map((t) => `'${t}'`).join(', ')})`];
  // This deployment's runs only: another deployment may share the namespace on its own task queue.
  // (The queue name is validated by loadConfig: letters, digits, '.', '_' and '-'.)
  if (opts.taskQueue) parts.push(`TaskQueue = '${opts.taskQueue}'`);
  parts.push(opts.status ? `ExecutionStatus = '${STATUS_FILTERS[opts.status]}'` : `ExecutionStatus != 'ContinuedAsNew'`);
  return parts.join(' AND ');
}

export async function listRuns(client: Client, config: Pick<Config, 'temporal'>, opts: { kind?: RunKind; status?: string; limit: number }): Promise<RunSummary[]> {
  const infos: WorkflowExecutionInfo[] = [];
  try {
    for await (const info of client.workflow.list({ query: runsQuery({ ...opts, taskQueue: config.temporal.taskQueue }), pageSize: Math.min(opts.limit, 1000) })) {
      infos.push(info);
      if (infos.length >= opts.limit) break;
    }
  } catch (err) {
    throw serverError(client, err);
  }
  const now = Date.now();
  const rows = infos.map((info): RunSummary => {
    const kind = (info.typedSearchAttributes.get(SEARCH_ATTRIBUTES.kind) as RunKind | undefined) ?? KIND_BY_TYPE[info.type] ?? null;
    const ws = info.typedSearchAttributes.get(SEARCH_ATTRIBUTES.windowStart) ?? null;
    const memo = (info.memo ?? {}) as { from?: string; to?: string };
    return {
      workflowId: info.workflowId,
      runId: info.runId,
      kind,
      status: statusName(info.status.name),
      windowStart: kind === 'backfill' && memo.from ? memo.from : (ws?.toISOString() ?? null),
      windowEnd: windowEnd(kind, ws, memo),
      startTime: info.startTime.toISOString(),
      closeTime: info.closeTime?.toISOString() ?? null,
      durationMs: (info.closeTime?.getTime() ?? now) - info.startTime.getTime(),
      failedCount: info.typedSearchAttributes.get(SEARCH_ATTRIBUTES.failedCount) ?? null,
      failedTenants: [],
      error: null,
      url: workflowUrl(config, info.workflowId),
    };
  });
  // Names of failed tenants live in the failure, not in visibility: read them for failed rows only
  // (one close-event fetch each).
  await Promise.all(
    rows
      .filter((r) => r.status === 'FAILED')
      .map(async (r) => {
        try {
          await client.workflow.getHandle(r.workflowId, r.runId, { followRuns: false }).result();
        } catch (err) {
          try {
            const o = outcomeFromError(r.workflowId, err);
            r.failedTenants = o.failedTenants;
            r.error = o.error?.message ?? null;
            if (r.failedCount === null || r.failedCount === 0) r.failedCount = o.failedTenants.length || r.failedCount;
          } catch {
            /* unreadable failure: leave the count from visibility */
          }
        }
      }),
  );
  return rows.sort((a, b) => b.startTime.localeCompare(a.startTime));
}

function windowEnd(kind: RunKind | null, start: Date | null, memo: { to?: string }): string | null {
  if (kind === 'backfill') return memo.to ?? null;
  if (!start) return null;
  if (kind === 'hourly') return new Date(start.getTime() + 3_600_000).toISOString();
  if (kind === 'nightly') return new Date(start.getTime() + 86_400_000).toISOString();
  return null;
}

// ---------------------------------------------------------------------------------------------

/** Server-side errors an operator can act on, as one line. */
export function serverError(client: Client, err: unknown): unknown {
  if (err instanceof NamespaceNotFoundError) {
    return new BadInputError(`namespace "${err.namespace}" does not exist on Temporal at ${addressOf(client)}; check TEMPORAL_NAMESPACE`);
  }
  return err;
}

function addressOf(client: Client): string {
  const opts = client.connection as unknown as { options?: { address?: string } };
  return opts.options?.address ?? 'the configured address';
}
