/**
 * The one code path every load goes through:
 *
 *   validate input → tenant exists? → [ BEGIN; set_config('app.tenant_id'); stream lock;
 *   read watermark; window; count + fact dates; (dim_date covered?) INSERT … SELECT;
 *   watermark GREATEST; run log; COMMIT ]
 *
 * Rows, watermark and run log commit together or not at all (ARCHITECTURE §3 rule 2): a crash at
 * any point before COMMIT leaves nothing, and the retry reads the same window again.
 *
 * The transaction is READ COMMITTED on purpose: each statement takes a fresh snapshot *after* the
 * stream lock is granted, so a load that waited for another load of the same stream sees that
 * load's committed watermark and rows. (A REPEATABLE READ snapshot would be taken before the wait.)
 */
import type { PoolClient } from 'pg';
import { withTenantTransaction } from '../../lib/db';
import type { Stream } from '../../lib/constants';
import type { LoadResult } from '../../lib/etl-types';
import type { ActivityDeps } from '../deps';
import { MissingDates, datesCovered, ensureDimDates, isDimDateFkViolation } from './dim-date';
import { toActivityFailure } from './errors';
import type { StreamSql } from './facts';
import { LoadGuard } from './heartbeat';
import { assertTenantExists, validateLoadInput, validateSnapshotInput } from './input';
import { lockStream } from './lock';
import { writeRunLog } from './run-log';
import { SERVICING_SQL } from './servicing';
import { advanceWatermark, boundParam, readWatermark, watermarkWindow } from './watermark';

export interface LoaderOptions {
  /** Heartbeat period inside an activity (tests shorten it). */
  heartbeatIntervalMs?: number;
}

/** A missing dim_date range is fixed and the load re-run; more attempts than this means a bug. */
const MAX_DATE_ATTEMPTS = 4;

interface TxStart {
  pid: number;
  now: Date;
  xact_start: string;
}

/** Hands the guard this transaction's backend (to cancel its statement) and start time. */
async function attachGuard(client: PoolClient, guard: LoadGuard): Promise<TxStart> {
  guard.throwIfCancelled();
  const tx = (await client.query<TxStart>(`SELECT pg_backend_pid() AS pid, now() AS now, now()::text AS xact_start`)).rows[0];
  guard.attach(tx.pid, tx.xact_start);
  return tx;
}

async function guarded<T>(deps: ActivityDeps, guard: LoadGuard, what: string, body: () => Promise<T>): Promise<T> {
  guard.start();
  try {
    for (let attempt = 1; ; attempt++) {
      try {
        return await body();
      } catch (err) {
        if (attempt >= MAX_DATE_ATTEMPTS) throw err;
        if (err instanceof MissingDates) {
          guard.phase('extending dim_date');
          await ensureDimDates(deps.pool, err.from, err.to);
          continue;
        }
        if (isDimDateFkViolation(err)) continue;
        throw err;
      }
    }
  } catch (err) {
    throw toActivityFailure(err, { what, cancelledByUs: guard.cancelled, cancelReason: guard.cancelReason });
  } finally {
    guard.stop();
  }
}

/** An incremental (no window), full (`full: true`) or windowed load of one stream of one tenant. */
export async function runStreamLoad(
  deps: ActivityDeps,
  stream: Exclude<Stream, 'fact_servicing'>,
  sql: StreamSql,
  rawInput: unknown,
  options: LoaderOptions = {},
): Promise<LoadResult> {
  const startedAt = new Date();
  const { pool, config } = deps;
  const rawTenant = (rawInput as { tenantId?: unknown } | null)?.tenantId;
  const guard = new LoadGuard(pool, { tenantId: String(rawTenant), stream, phase: 'starting' }, options.heartbeatIntervalMs);

  return guarded(deps, guard, `${stream} for tenant ${String(rawTenant)}`, async () => {
    const input = validateLoadInput(rawInput, { maxLookbackDays: config.etl.maxLookbackDays, now: startedAt });
    const { tenantId } = input;
    await assertTenantExists(pool, tenantId);

    return withTenantTransaction(pool, tenantId, async (client) => {
      const tx = await attachGuard(client, guard);
      try {
        guard.phase('waiting for the stream lock');
        await lockStream(client, tenantId, stream);

        const oldWatermark = await readWatermark(client, tenantId, stream);
        const incremental = input.window
          ? undefined
          : watermarkWindow({
              watermark: oldWatermark,
              now: tx.now,
              overlapMinutes: config.etl.overlapMinutes,
              safetyLagSeconds: config.etl.safetyLagSeconds,
              full: input.full,
            });
        const from = input.window ? input.window.from : boundParam(incremental!.from);
        const to = input.window ? input.window.to : incremental!.to.toISOString();
        const params = [tenantId, from, to];

        guard.phase('counting the window');
        const stats = (await client.query<{ rows_read: string; first_d: string | null; last_d: string | null }>(sql.stats, params)).rows[0];
        if (stats.first_d !== null && stats.last_d !== null && !(await datesCovered(client, stats.first_d, stats.last_d))) {
          throw new MissingDates(stats.first_d, stats.last_d);
        }

        guard.phase('loading');
        const loaded = await client.query(sql.load, params);
        const rowsRead = Number(stats.rows_read);
        const rowsInserted = loaded.rowCount ?? 0;

        guard.phase('saving the watermark');
        const newWatermark = incremental ? await advanceWatermark(client, tenantId, stream, incremental.to) : oldWatermark;
        const windowFrom = input.window ? input.window.from : incremental!.from?.toISOString() ?? null;
        await writeRunLog(client, {
          workflowId: input.workflowId,
          tenantId,
          stream,
          windowFrom,
          windowTo: to,
          rowsRead,
          rowsInserted,
          oldWatermark,
          newWatermark,
          startedAt,
        });

        // Last chance to honour a cancellation: after this the transaction commits.
        guard.phase('committing');
        return {
          tenantId,
          stream,
          mode: input.window ? 'window' : 'incremental',
          windowFrom,
          windowTo: to,
          rowsRead,
          rowsInserted,
          oldWatermark: oldWatermark?.toISOString() ?? null,
          newWatermark: newWatermark?.toISOString() ?? null,
          durationMs: Date.now() - startedAt.getTime(),
        } satisfies LoadResult;
      } finally {
        guard.detach();
      }
    });
  });
}

/**
 * The servicing snapshot for one date. No watermark: the date is the window. `windowTo` in the
 * result is the snapshot date (YYYY-MM-DD); the run log records the cutoff instant (D+1 00:00Z).
 */
export async function runServicingSnapshot(deps: ActivityDeps, rawInput: unknown, options: LoaderOptions = {}): Promise<LoadResult> {
  const startedAt = new Date();
  const stream = 'fact_servicing' as const;
  const { pool, config } = deps;
  const rawTenant = (rawInput as { tenantId?: unknown } | null)?.tenantId;
  const guard = new LoadGuard(pool, { tenantId: String(rawTenant), stream, phase: 'starting' }, options.heartbeatIntervalMs);

  return guarded(deps, guard, `${stream} for tenant ${String(rawTenant)}`, async () => {
    const input = validateSnapshotInput(rawInput, { maxLookbackDays: config.etl.maxLookbackDays, now: startedAt });
    const { tenantId, asOf, cutoff } = input;
    await assertTenantExists(pool, tenantId);

    return withTenantTransaction(pool, tenantId, async (client) => {
      await attachGuard(client, guard);
      try {
        guard.phase('waiting for the stream lock');
        await lockStream(client, tenantId, stream);
        if (!(await datesCovered(client, asOf, asOf))) throw new MissingDates(asOf, asOf);

        guard.phase(`snapshot ${asOf}`);
        const r = (await client.query<{ rows_read: string; rows_inserted: string }>(SERVICING_SQL, [tenantId, asOf, cutoff])).rows[0];
        const rowsRead = Number(r.rows_read);
        const rowsInserted = Number(r.rows_inserted);
        await writeRunLog(client, {
          workflowId: input.workflowId,
          tenantId,
          stream,
          windowFrom: null,
          windowTo: cutoff,
          rowsRead,
          rowsInserted,
          oldWatermark: null,
          newWatermark: null,
          startedAt,
        });
        guard.phase('committing');
        return {
          tenantId,
          stream,
          mode: 'snapshot',
          windowFrom: null,
          windowTo: asOf,
          rowsRead,
          rowsInserted,
          oldWatermark: null,
          newWatermark: null,
          durationMs: Date.now() - startedAt.getTime(),
        } satisfies LoadResult;
      } finally {
        guard.detach();
      }
    });
  });
}
