/**
 * Case 3 — the hourly run end to end through Temporal: the `etl-hourly` schedule (applied by
 * lib/temporal/schedules.ts, paused so its cron cannot fire mid-benchmark) is triggered, the
 * hourlyEtlWorkflow fans out one child per tenant with the configured concurrency, each child runs
 * the seven loaders as activities on an in-process worker, and the clock stops when the client sees
 * the run complete.
 *
 * Each repetition first gives every tenant a small delta (new svc_txns rows in the last hour). An
 * unmeasured first run loads whatever the tenants had not loaded yet, so measured runs are hourly
 * deltas. The loaders' own time comes from reporting.etl_run_log (each load writes started_at and
 * its finish in its own transaction), summed over the run's loads.
 */
import { Client, Connection } from '@temporalio/client';
import { tsToMs } from '@temporalio/common/lib/time';
import { temporal } from '@temporalio/proto';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import type { Pool } from 'pg';
import { loadConfig } from '../../lib/config';
import { SCHEDULE_IDS } from '../../lib/constants';
import { applySchedules } from '../../lib/temporal/schedules';
import type { RunResult } from '../../lib/workflow-types';
import { createLakehouseWorker } from '../../worker/create-worker';
import type { BenchDb } from '../stack';

let runtimeInstalled = false;
function quietRuntime(): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  Runtime.install({ logger: new DefaultLogger('WARN') });
}

export interface HourlyRun {
  workflowId: string;
  wallMs: number;
  /** Server-side start → close of the parent workflow. */
  workflowMs: number;
  /** Σ loader time (run log finished_at − started_at) over the run's loads. */
  sqlMs: number;
  loads: number;
  tenants: number;
  rowsInserted: number;
}

async function addDelta(pool: Pool, tenantIds: string[], perTenant: number, rep: number): Promise<void> {
  await pool.query(
    `INSERT INTO public.svc_txns (id, tenant_id, loan_id, ts, type, amount, alloc_principal, alloc_interest,
                                  alloc_escrow, alloc_fees, ref, created_at, updated_at)
     SELECT md5(s.id::text || ':bench-hourly:' || $3::int)::uuid, s.tenant_id, s.loan_id, x.at, s.type, s.amount,
            s.alloc_principal, s.alloc_interest, s.alloc_escrow, s.alloc_fees,
            jsonb_build_object('bench-hourly', $3::int), x.at, x.at
       FROM unnest($1::uuid[]) AS w(tenant_id)
      CROSS JOIN LATERAL (
        SELECT * FROM public.svc_txns t WHERE t.tenant_id = w.tenant_id AND NOT t.ref ? 'bench-hourly'
        ORDER BY t.updated_at DESC LIMIT $2
      ) s
      CROSS JOIN LATERAL (SELECT now() - interval '3 minutes' - random() * interval '50 minutes' AS at) x`,
    [tenantIds, perTenant, rep],
  );
}

async function waitForNewAction(client: Client, seen: Set<string>, timeoutMs = 60_000): Promise<string> {
  const handle = client.schedule.getHandle(SCHEDULE_IDS.hourly);
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const d = await handle.describe();
    const ids = [...d.info.runningActions.map((a) => a.workflow.workflowId), ...d.info.recentActions.map((a) => a.action.workflow.workflowId)];
    const fresh = ids.find((id) => !seen.has(id));
    if (fresh) {
      seen.add(fresh);
      return fresh;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('the triggered hourly run did not appear on the schedule');
}

export async function runHourlyTemporal(opts: {
  db: BenchDb;
  temporalAddress: string;
  workflowBundlePath: string;
  stateDir: string;
  tenantIds: string[];
  deltaPerTenant: number;
  reps: number;
  concurrency: number;
  log: (l: string) => void;
}): Promise<{ warmup: HourlyRun; runs: HourlyRun[]; profile: ChildProfile }> {
  quietRuntime();
  const config = loadConfig({
    DB_URL: opts.db.url,
    TEMPORAL_ADDRESS: opts.temporalAddress,
    LAKEHOUSE_TASK_QUEUE: `bench-${randomBytes(4).toString('hex')}`,
    ETL_TENANT_CONCURRENCY: String(opts.concurrency),
    LAKE_LOCAL_DIR: path.join(opts.stateDir, 'lake'),
    METRICS_PORT: '0',
  });
  // Only the measured tenants run: every other tenant of the database is made inactive.
  await opts.db.pool.query(`UPDATE public.tenants SET active = (id = ANY($1::uuid[]))`, [opts.tenantIds]);

  const nativeConnection = await NativeConnection.connect({ address: opts.temporalAddress });
  const connection = await Connection.connect({ address: opts.temporalAddress });
  const client = new Client({ connection, namespace: config.temporal.namespace });
  const worker = await createLakehouseWorker({
    config,
    pool: opts.db.pool,
    connection: nativeConnection,
    workflowBundlePath: opts.workflowBundlePath,
    shutdownGraceTime: '10s',
  });
  const seen = new Set<string>();
  const schedule = client.schedule.getHandle(SCHEDULE_IDS.hourly);

  const once = async (rep: number): Promise<HourlyRun> => {
    if (rep > 0) await addDelta(opts.db.pool, opts.tenantIds, opts.deltaPerTenant, rep);
    const t0 = Date.now();
    await schedule.trigger();
    const workflowId = await waitForNewAction(client, seen);
    const handle = client.workflow.getHandle(workflowId);
    const result = (await handle.result()) as RunResult;
    const wallMs = Date.now() - t0;
    const d = await handle.describe();
    const workflowMs = d.closeTime && d.startTime ? d.closeTime.getTime() - d.startTime.getTime() : NaN;
    const { rows } = await opts.db.pool.query<{ loads: string; ms: number | null }>(
      `SELECT count(*) AS loads, sum(extract(epoch FROM finished_at - started_at)) * 1000 AS ms
         FROM reporting.etl_run_log WHERE workflow_id = $1`,
      [workflowId],
    );
    const rowsInserted = Object.values(result.rowsByStream).reduce((a, b) => a + b, 0);
    if (result.failed.length > 0) throw new Error(`hourly run ${workflowId}: ${result.failed.length} tenants failed`);
    if (result.tenantsDone !== opts.tenantIds.length) throw new Error(`hourly run ${workflowId} covered ${result.tenantsDone} tenants, expected ${opts.tenantIds.length}`);
    return { workflowId, wallMs, workflowMs, sqlMs: Number(rows[0].ms ?? 0), loads: Number(rows[0].loads), tenants: result.tenantsDone, rowsInserted };
  };

  try {
    return await worker.runUntil(async () => {
      await applySchedules(client, config, config.temporal.taskQueue, ['hourly']);
      await schedule.pause('benchmark: runs are triggered, the cron must not fire in between');
      const warmup = await once(0);
      opts.log(`  warm-up run: ${(warmup.wallMs / 1000).toFixed(1)} s, ${warmup.loads} loads, ${warmup.rowsInserted} rows`);
      const runs: HourlyRun[] = [];
      for (let rep = 1; rep <= opts.reps; rep++) {
        const r = await once(rep);
        runs.push(r);
        opts.log(`  run ${rep}: ${(r.wallMs / 1000).toFixed(1)} s wall, Σ loader ${(r.sqlMs / 1000).toFixed(1)} s over ${r.loads} loads, ${r.rowsInserted} rows`);
      }
      const last = runs.at(-1) ?? warmup;
      const profile = await profileChildren(client, last.workflowId, opts.tenantIds.slice(0, 5));
      return { warmup, runs, profile };
    });
  } finally {
    await schedule.delete().catch(() => undefined);
    await connection.close();
    await nativeConnection.close();
  }
}

/** Where a tenant's time goes inside Temporal, from the histories of a few of the last run's children. */
export interface ChildProfile {
  children: number;
  /** Child workflow start → completion (ms, mean). */
  childMs: number;
  /** Activity scheduled → started by the worker (ms, mean over activities): queueing + dispatch. */
  scheduleToStartMs: number;
  /** Activity started → completed (ms, mean): the loader itself plus the worker's reporting. */
  startToCloseMs: number;
  /** Child start → first activity scheduled, and last activity completed → child completed (ms, mean). */
  headMs: number;
  tailMs: number;
  activitiesPerChild: number;
}

const EventType = temporal.api.enums.v1.EventType;

async function profileChildren(client: Client, parentId: string, tenantIds: string[]): Promise<ChildProfile> {
  const acc = { children: 0, childMs: 0, s2s: 0, s2c: 0, head: 0, tail: 0, activities: 0 };
  for (const tenantId of tenantIds) {
    const history = await client.workflow.getHandle(`${parentId}/${tenantId}`).fetchHistory();
    const events = history.events ?? [];
    const at = (e: (typeof events)[number]) => tsToMs(e.eventTime);
    const scheduled = new Map<string, number>();
    const started = new Map<string, number>();
    let firstScheduled = Infinity;
    let lastClosed = 0;
    let begin = NaN;
    let end = NaN;
    for (const e of events) {
      const id = String(e.eventId);
      if (e.eventType === EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED) begin = at(e);
      else if (e.eventType === EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED) end = at(e);
      else if (e.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED) {
        scheduled.set(id, at(e));
        firstScheduled = Math.min(firstScheduled, at(e));
      } else if (e.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED) {
        const sid = String(e.activityTaskStartedEventAttributes?.scheduledEventId);
        started.set(sid, at(e));
        acc.s2s += at(e) - (scheduled.get(sid) ?? at(e));
      } else if (e.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED) {
        const sid = String(e.activityTaskCompletedEventAttributes?.scheduledEventId);
        acc.s2c += at(e) - (started.get(sid) ?? at(e));
        acc.activities += 1;
        lastClosed = Math.max(lastClosed, at(e));
      }
    }
    if (Number.isNaN(begin) || Number.isNaN(end)) continue;
    acc.children += 1;
    acc.childMs += end - begin;
    acc.head += firstScheduled - begin;
    acc.tail += end - lastClosed;
  }
  const perChild = (v: number) => (acc.children ? v / acc.children : NaN);
  const perActivity = (v: number) => (acc.activities ? v / acc.activities : NaN);
  return {
    children: acc.children,
    childMs: perChild(acc.childMs),
    scheduleToStartMs: perActivity(acc.s2s),
    startToCloseMs: perActivity(acc.s2c),
    headMs: perChild(acc.head),
    tailMs: perChild(acc.tail),
    activitiesPerChild: perChild(acc.activities),
  };
}
