/**
 * `lakehouse watermarks`: each tenant's per-stream checkpoint (reporting.etl_watermark) and how far
 * it lags behind now — the first thing to look at when a dashboard looks stale.
 */
import type { Command } from 'commander';
import { DIM_STREAMS, FACT_STREAMS, ALL_STREAMS } from '../../lib/constants';
import { withTenantTransaction } from '../../lib/db';
import { action, cliConfig, EXIT } from '../context';
import { formatDuration, formatTable, formatTime } from '../output/format';
import { createOutput } from '../output/mode';
import { oneLineUsageErrors } from '../output/usage';
import { collectList, parseTenantIds, resolveTenants, withDatabase, type TenantRef } from '../run-inputs';

interface WatermarkOptions {
  tenant?: string[];
  json?: boolean;
}

export interface StreamWatermark {
  stream: string;
  /** ISO-8601 with microseconds, UTC; null when the stream was never loaded for the tenant. */
  watermark: string | null;
  /** Seconds between the watermark and the database's now(); null when never loaded. */
  lagSeconds: number | null;
  updatedAt: string | null;
}

export interface TenantWatermarks {
  tenantId: string;
  tenantName: string;
  active: boolean;
  streams: StreamWatermark[];
}

/** Streams every incremental run checkpoints: always listed, so "never loaded" is visible. */
const EXPECTED = [...DIM_STREAMS, ...FACT_STREAMS] as readonly string[];

export async function readWatermarks(pool: import('pg').Pool, tenants: TenantRef[]): Promise<{ asOf: string; tenants: TenantWatermarks[] }> {
  const { rows: clock } = await pool.query<{ now: string }>(`SELECT to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS now`);
  const out: TenantWatermarks[] = [];
  for (const t of tenants) {
    // Through the tenant transaction (app.tenant_id set), so row-level security shows this tenant's
    // rows even when the CLI connects as a role other than the tables' owner.
    const rows = await withTenantTransaction(pool, t.id, async (c) => {
      const r = await c.query<{ stream: string; watermark: string; lag_seconds: string; updated_at: string }>(
        `SELECT stream,
                to_char(watermark AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS watermark,
                extract(epoch FROM now() - watermark)::text AS lag_seconds,
                to_char(updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS updated_at
           FROM reporting.etl_watermark
          WHERE tenant_id = $1`,
        [t.id],
      );
      return r.rows;
    });
    const byStream = new Map(rows.map((r) => [r.stream, r]));
    const order = ALL_STREAMS as readonly string[];
    const streams = [...new Set([...EXPECTED, ...byStream.keys()])].sort((a, b) => (order.indexOf(a) + 1 || 99) - (order.indexOf(b) + 1 || 99) || a.localeCompare(b));
    out.push({
      tenantId: t.id,
      tenantName: t.name,
      active: t.active,
      streams: streams.map((s) => {
        const r = byStream.get(s);
        return r
          ? { stream: s, watermark: r.watermark, lagSeconds: Math.round(Number(r.lag_seconds) * 1000) / 1000, updatedAt: r.updated_at }
          : { stream: s, watermark: null, lagSeconds: null, updatedAt: null };
      }),
    });
  }
  return { asOf: clock[0].now, tenants: out };
}

export function registerWatermarksCommand(program: Command): void {
  const cmd = program
    .command('watermarks')
    .description("Show each tenant's per-stream load checkpoint and how far it lags behind now.")
    .option('--tenant <id>', 'only this tenant (uuid); repeat, or give a comma-separated list, for several. Default: every active tenant', collectList)
    .option('--json', 'print one JSON document ({ asOf, tenants: [{ tenantId, tenantName, streams: [...] }] })')
    .addHelpText(
      'after',
      `
What it does:
  Reads reporting.etl_watermark from DB_URL. A stream's watermark is the source timestamp up to which
  its rows are loaded; it moves in the same transaction as the rows, so it never claims more than
  what is in the reporting tables. Lag is the database's now() minus the watermark: an hourly
  schedule keeps it around an hour plus the safety lag (ETL_SAFETY_LAG_SECONDS); a lag that only
  grows means the stream's loads are failing (see \`lakehouse runs --status failed\`).
  "never loaded" means no run has loaded that stream for the tenant yet. Times are UTC.
  Backfills load explicit windows and never move a watermark backwards.

Examples:
  $ lakehouse watermarks
  $ lakehouse watermarks --tenant 6f1c2d9e-8a4b-4c1f-9d2e-3b5a7c9e1f20 --json`,
    )
    .action(
      action(async (opts: WatermarkOptions) => {
        const tenantIds = parseTenantIds(opts.tenant);
        const config = cliConfig();
        const out = createOutput(opts);
        const report = await withDatabase(config, async (pool) => readWatermarks(pool, await resolveTenants(pool, tenantIds)));
        if (out.mode === 'json') {
          out.json(report);
          return EXIT.ok;
        }
        if (report.tenants.length === 0) {
          out.line('no active tenants in public.tenants');
          return EXIT.ok;
        }
        out.line(`as of ${formatTime(report.asOf)} (database clock)`);
        const rows: string[][] = [];
        for (const t of report.tenants) {
          t.streams.forEach((s, i) => {
            rows.push([
              // Name on the first row, ID on the second: the ID is what --tenant takes.
              i === 0 ? `${t.tenantName}${t.active ? '' : ' (inactive)'}` : i === 1 ? t.tenantId : '',
              s.stream,
              s.watermark ? formatTime(s.watermark) : 'never loaded',
              s.lagSeconds === null ? '—' : formatDuration(s.lagSeconds * 1000),
              s.updatedAt ? formatTime(s.updatedAt) : '—',
            ]);
          });
        }
        out.line(formatTable(['TENANT', 'STREAM', 'WATERMARK (UTC)', 'LAG', 'UPDATED (UTC)'], rows));
        return EXIT.ok;
      }),
    );
  oneLineUsageErrors(cmd, 'watermarks');
}
