/**
 * Lake activities: export one reporting table of one tenant to the lake, and reconcile it.
 *
 * Thin on purpose: the work is in lib/lake (callable without Temporal, for tests and the benchmark).
 * Here: heartbeats on a timer (the COPY's sort can keep Node idle for a while before the first row),
 * cancellation wired to the export's AbortSignal, and error classification — bad input, missing
 * configuration, schema drift and reconciliation mismatches are non-retryable ApplicationFailures;
 * an unreachable store or database is an ordinary error that the workflow's retry policy retries.
 */
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import type { LakeExportInput, LakeExportResult, LakeReconcileResult } from '../../lib/etl-types';
import { LakeError } from '../../lib/lake/errors';
import { exportTableToStore, type LakeExportOptions, type LakeExportProgress } from '../../lib/lake/export';
import { assertReconciled, reconcileTableInStore } from '../../lib/lake/reconcile';
import { createLakeStore, type LakeStore } from '../../lib/lake/store';
import type { ActivityDeps } from '../deps';
import { currentActivity } from '../activity-context';

/** Heartbeat period: well under the lake activities' 1-minute heartbeat timeout (the SDK throttles to ~0.8×). */
export const LAKE_HEARTBEAT_MS = 5_000;

export interface LakeActivityOptions {
  /** A store other than the one config.lake names (tests inject failures through this). */
  store?: LakeStore;
  /**
   * Exports running at once in this worker process (default 2). Each holds a Parquet worker thread
   * with its Wasm memory (~60–100 MB at the default row-group size) and a COPY stream; the nightly
   * fans out over tenants, so without a cap memory would grow with tenant concurrency. Queued exports
   * keep heartbeating.
   */
  maxConcurrentExports?: number;
  exportOptions?: Pick<LakeExportOptions, 'batchRows' | 'rowGroupRows' | 'workDir'>;
}

async function asActivity<T>(what: string, initial: object, fn: (signal: AbortSignal | undefined, setDetails: (d: object) => void) => Promise<T>): Promise<T> {
  const activity = currentActivity();
  let details: object = initial;
  const timer = activity ? setInterval(() => activity.heartbeat(details), LAKE_HEARTBEAT_MS) : undefined;
  timer?.unref();
  activity?.heartbeat(details);
  try {
    return await fn(activity?.cancellationSignal, (d) => (details = d));
  } catch (err) {
    if (activity?.cancellationSignal.aborted) throw new CancelledFailure(`${what} cancelled`);
    if (err instanceof LakeError) throw ApplicationFailure.nonRetryable(err.message, err.type);
    throw err;
  } finally {
    if (timer) clearInterval(timer);
  }
}

/** A counting semaphore: at most `limit` holders; waiters are served in arrival order. */
class Semaphore {
  private active = 0;
  private readonly waiting: Array<() => void> = [];
  constructor(private readonly limit: number) {}

  async acquire(signal?: AbortSignal): Promise<() => void> {
    if (this.active >= this.limit) {
      await new Promise<void>((resolve, reject) => {
        const wake = () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        };
        const onAbort = () => {
          const i = this.waiting.indexOf(wake);
          if (i >= 0) this.waiting.splice(i, 1);
          reject(signal!.reason);
        };
        signal?.addEventListener('abort', onAbort, { once: true });
        this.waiting.push(wake);
      });
    } else this.active++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiting.shift();
      // Hand the slot straight to the next waiter (active stays the same), or free it.
      if (next) next();
      else this.active--;
    };
  }
}

export function createLakeActivities(deps: ActivityDeps, options: LakeActivityOptions = {}) {
  const { pool, config } = deps;
  const exportSlots = new Semaphore(Math.max(1, options.maxConcurrentExports ?? 2));
  let store: LakeStore | undefined = options.store;
  // Created on first use: a worker whose lake is unused never builds an S3 client.
  const lakeStore = () => (store ??= createLakeStore(config.lake));

  return {
    async exportLakeTable(input: LakeExportInput): Promise<LakeExportResult> {
      return asActivity(`lake export of ${input?.table} for tenant ${input?.tenantId}`, { phase: 'queued' }, async (signal, setDetails) => {
        const release = await exportSlots.acquire(signal);
        try {
          return await exportTableToStore(
            { pool, store: lakeStore(), prefix: config.lake.prefix, pii: { redact: config.etl.piiRedact, tokenKey: config.etl.piiTokenKey } },
            input,
            { ...options.exportOptions, signal, onProgress: (p: LakeExportProgress) => setDetails(p) },
          );
        } finally {
          release();
        }
      });
    },

    async reconcileLakeTable(input: LakeExportInput): Promise<LakeReconcileResult> {
      return asActivity(`lake reconciliation of ${input?.table} for tenant ${input?.tenantId}`, { phase: 'reconciling' }, async (signal) => {
        const detail = await reconcileTableInStore({ pool, store: lakeStore(), prefix: config.lake.prefix }, input, { signal });
        assertReconciled(detail);
        const { tenantId, table, ok, pgRows, lakeRows, pgAmount, lakeAmount } = detail;
        return { tenantId, table, ok, pgRows, lakeRows, pgAmount, lakeAmount };
      });
    },
  };
}
