/**
 * Watermarks: how far each (tenant, stream) has been loaded.
 *
 * Meaning: every source row of the stream whose cursor (`updated_at`) is below the watermark and
 * that was committed when the load that set it ran has been read. An incremental load reads
 *
 *     [watermark − overlap, now() − safety lag)            (the first load: [−∞, now() − lag))
 *
 * and, in the same transaction as the rows, moves the watermark to the window's end with GREATEST,
 * so it never goes backwards (a slow retry finishing after a newer run cannot rewind it).
 *   - The safety lag keeps rows stamped in the last seconds, whose transactions may still be open,
 *     for the next run.
 *   - The overlap re-reads rows stamped up to `overlap` before the watermark: a transaction that
 *     stamped its rows before the last load but committed after it is caught by the next one. The
 *     re-read rows insert nothing (unique source keys, ON CONFLICT DO NOTHING).
 *   - A row that becomes visible more than `overlap` behind the watermark is not re-read by
 *     incremental loads; a backfill whose window covers its updated_at loads it (and the nightly
 *     full refresh of the dimensions covers dimension rows).
 * Windows are half-open [from, to) in both modes, so with overlap 0 consecutive windows tile
 * exactly and a row stamped exactly at a window's end is read by the next window.
 *
 * Rows with a NULL cursor: the source contract declares updated_at NOT NULL on every table (a
 * test checks it), so there are none. Were a deployment's table to allow NULL, such rows would
 * match no window (a NULL comparison is unknown) and never load; the fix belongs in the source
 * (stamp them), not in a COALESCE here, which would give them an arbitrary place in time.
 *
 * Explicit windows (backfills) leave the watermark alone: loading [from, to) says nothing about
 * rows before `from`, so moving the watermark to `to` could make the next incremental load skip
 * history it has never read; moving it to anything below the current value is forbidden anyway.
 */
import type { PoolClient } from 'pg';

export interface WatermarkWindowInput {
  /** The stored watermark; null before the stream's first load. */
  watermark: Date | null;
  /** The database's now() (its clock stamps updated_at, so the window uses the same clock). */
  now: Date;
  overlapMinutes: number;
  safetyLagSeconds: number;
  /** Read everything up to now() − lag regardless of the watermark (the dimensions' full refresh). */
  full?: boolean;
}

export interface Window {
  /** Inclusive lower bound; null = unbounded (−infinity). */
  from: Date | null;
  /** Exclusive upper bound; also the watermark the load advances to. */
  to: Date;
}

/** The incremental window, pure arithmetic (unit-tested). */
export function watermarkWindow(input: WatermarkWindowInput): Window {
  const to = new Date(input.now.getTime() - input.safetyLagSeconds * 1000);
  if (input.full || input.watermark === null) return { from: null, to };
  const from = new Date(input.watermark.getTime() - input.overlapMinutes * 60_000);
  // A watermark ahead of now() − lag (a clock step back on the database host) yields an empty
  // window rather than a reversed one; GREATEST then keeps the watermark where it is.
  return { from: from.getTime() > to.getTime() ? to : from, to };
}

/** The bound as a SQL parameter: ISO text, or '-infinity' for an unbounded start. */
export function boundParam(d: Date | null): string {
  return d === null ? '-infinity' : d.toISOString();
}

/** Reads the watermark; call it after taking the stream lock so a concurrent load's commit is seen. */
export async function readWatermark(client: PoolClient, tenantId: string, stream: string): Promise<Date | null> {
  const { rows } = await client.query<{ watermark: Date }>(
    `SELECT watermark FROM reporting.etl_watermark WHERE tenant_id = $1 AND stream = $2`,
    [tenantId, stream],
  );
  return rows[0]?.watermark ?? null;
}

/** Moves the watermark forward to `to` (never back); returns the stored value. */
export async function advanceWatermark(client: PoolClient, tenantId: string, stream: string, to: Date): Promise<Date> {
  const { rows } = await client.query<{ watermark: Date }>(
    `INSERT INTO reporting.etl_watermark AS w (tenant_id, stream, watermark, updated_at)
     VALUES ($1, $2, $3::timestamptz, now())
     ON CONFLICT (tenant_id, stream) DO UPDATE
       SET watermark = GREATEST(w.watermark, EXCLUDED.watermark),
           updated_at = now()
     RETURNING watermark`,
    [tenantId, stream, to.toISOString()],
  );
  return rows[0].watermark;
}
