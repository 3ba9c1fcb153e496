/**
 * The two Temporal Schedules that replace the seed's Kubernetes CronJobs. Applying is idempotent —
 * create, else update — and an update carries over an operator's pause and note: a schedule update
 * is a full replacement, so without this a deploy would silently un-pause a paused schedule.
 */
import {
  ScheduleAlreadyRunning,
  ScheduleOverlapPolicy,
  type Client,
  type ScheduleOptions,
  type ScheduleOptionsStartWorkflowAction,
  type ScheduleUpdateOptions,
} from '@temporalio/client';
import type { Workflow } from '@temporalio/common';
import type { Config } from '../config';
import { SCHEDULE_IDS, type ScheduleKind } from '../constants';

export interface AppliedSchedule {
  id: string;
  action: 'created' | 'updated';
  paused: boolean;
}

const SUMMARY: Record<ScheduleKind, string> = {
  hourly: 'Hourly ETL: dimensions and activity facts, incremental, every active tenant',
  nightly: 'Nightly ETL: dimensions, facts, servicing snapshot, then the S3 Parquet lake export',
};

export function scheduleOptions(kind: ScheduleKind, config: Config, taskQueue = config.temporal.taskQueue): ScheduleOptions {
  const id = SCHEDULE_IDS[kind];
  return {
    scheduleId: id,
    spec: { cronExpressions: [kind === 'hourly' ? config.etl.hourlyCron : config.etl.nightlyCron], timezone: 'UTC' },
    action: {
      type: 'startWorkflow',
      workflowType: kind === 'hourly' ? 'hourlyEtlWorkflow' : 'nightlyEtlWorkflow',
      // Temporal appends the scheduled time: etl-hourly-2026-11-27T10:15:00Z.
      workflowId: id,
      taskQueue,
      args: [{ concurrency: config.etl.tenantConcurrency }],
      staticSummary: SUMMARY[kind],
      workflowExecutionTimeout: kind === 'hourly' ? '6 hours' : '23 hours',
    },
    policies: {
      // Hourly: a run still going when the next is due makes the next redundant (watermarks catch
      // up), so skip it. Nightly: never drop a night — its snapshot date would be missing — so
      // buffer one behind a long-running predecessor.
      overlap: kind === 'hourly' ? ScheduleOverlapPolicy.SKIP : ScheduleOverlapPolicy.BUFFER_ONE,
      // After an outage, one catch-up run is enough for the hourly (incremental); the nightly
      // catches up a missed night for a day. The server's default of one year would start a burst.
      catchupWindow: kind === 'hourly' ? '1 hour' : '1 day',
      pauseOnFailure: false,
    },
    state: { note: 'managed by `lakehouse schedules apply`' },
  };
}

export async function applySchedules(client: Client, config: Config, taskQueue = config.temporal.taskQueue, kinds: ScheduleKind[] = ['hourly', 'nightly']): Promise<AppliedSchedule[]> {
  const out: AppliedSchedule[] = [];
  for (const kind of kinds) {
    const opts = scheduleOptions(kind, config, taskQueue);
    try {
      await client.schedule.create(opts);
      out.push({ id: opts.scheduleId, action: 'created', paused: false });
    } catch (err) {
      if (!(err instanceof ScheduleAlreadyRunning)) throw err;
      const handle = client.schedule.getHandle(opts.scheduleId);
      let paused = false;
      await handle.update((prev) => {
        paused = prev.state.paused;
        const next: ScheduleUpdateOptions<ScheduleOptionsStartWorkflowAction<Workflow>> = {
          spec: opts.spec,
          action: opts.action as ScheduleOptionsStartWorkflowAction<Workflow>,
          policies: opts.policies,
          // Keep the operator's pause and their note ("paused for month-end close").
          state: { paused: prev.state.paused, note: prev.state.note ?? opts.state?.note },
        };
        return next;
      });
      out.push({ id: opts.scheduleId, action: 'updated', paused });
    }
  }
  return out;
}
