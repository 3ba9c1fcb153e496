/**
 * reporting.etl_run_log: one row per successful load, written in the load's own transaction, so
 * the log never claims rows that were rolled back (a failed attempt leaves no row; Temporal's
 * history records failures).
 */
import type { PoolClient } from 'pg';

export interface RunLogEntry {
  workflowId: string | null;
  tenantId: string;
  stream: string;
  windowFrom: string | null;
  windowTo: string;
  rowsRead: number;
  rowsInserted: number;
  oldWatermark: Date | null;
  newWatermark: Date | null;
  startedAt: Date;
}

export async function writeRunLog(client: PoolClient, e: RunLogEntry): Promise<void> {
  await client.query(
    `INSERT INTO reporting.etl_run_log
       (workflow_id, tenant_id, stream, window_from, window_to, rows_read, rows_inserted,
        old_watermark, new_watermark, started_at, finished_at)
     VALUES ($1, $2, $3, $4::timestamptz, $5::timestamptz, $6, $7, $8, $9, $10, clock_timestamp())`,
    [
      e.workflowId,
      e.tenantId,
      e.stream,
      e.windowFrom,
      e.windowTo,
      e.rowsRead,
      e.rowsInserted,
      e.oldWatermark?.toISOString() ?? null,
      e.newWatermark?.toISOString() ?? null,
      e.startedAt.toISOString(),
    ],
  );
}
