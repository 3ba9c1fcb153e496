/**
 * Builds the one worker process: every workflow and activity on the one task queue, with activity
 * concurrency bounded by the database pool (an activity holds at most one connection), and a
 * shutdown grace period so an in-flight load commits or rolls back instead of being cut off.
 */
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import type { Pool } from 'pg';
import { createActivities } from '../activities';
import type { Config } from '../lib/config';
import { rowsMetricInterceptor } from './rows-metric';

export interface LakehouseWorkerOptions {
  config: Config;
  pool: Pool;
  connection: NativeConnection;
  taskQueue?: string;
  /** A prebuilt bundle (production start-up, tests); otherwise workflows are bundled from source. */
  workflowBundlePath?: string;
  maxConcurrentActivities?: number;
  shutdownGraceTime?: WorkerOptions['shutdownGraceTime'];
}

export async function createLakehouseWorker(opts: LakehouseWorkerOptions): Promise<Worker> {
  const poolMax = (opts.pool as unknown as { options: { max: number } }).options.max;
  const workflowSource: Pick<WorkerOptions, 'workflowBundle' | 'workflowsPath'> = opts.workflowBundlePath
    ? { workflowBundle: { codePath: opts.workflowBundlePath } }
    : { workflowsPath: require.resolve('../workflows') };
  return Worker.create({
    connection: opts.connection,
    namespace: opts.config.temporal.namespace,
    taskQueue: opts.taskQueue ?? opts.config.temporal.taskQueue,
    ...workflowSource,
    activities: createActivities({ pool: opts.pool, config: opts.config }),
    maxConcurrentActivityTaskExecutions: opts.maxConcurrentActivities ?? Math.max(1, poolMax - 1),
    shutdownGraceTime: opts.shutdownGraceTime ?? '60s',
    interceptors: { activity: [rowsMetricInterceptor] },
  });
}
