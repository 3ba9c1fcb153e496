/**
 * Lake export throughput and memory (issue 6; the benchmark suite calls the exported functions).
 *
 * For one tenant's `fact_txn` of N rows it measures, each in a fresh process so peak RSS is the
 * export's own: a bare `COPY (SELECT … ORDER BY d, sk) TO STDOUT (FORMAT binary)` read of exactly the
 * rows the export reads (the floor), and `exportTableToStore` end to end (decode → Arrow → Parquet in
 * a worker thread → footer check → local store → checkpoint).
 *
 *   DB_URL=postgres://… npx tsx bench/lake-export.ts --rows 1000000 --rows 5000000 --repeat 3
 *
 * The bench tenant's rows are synthetic (set-based INSERT into reporting.fact_txn, realistic widths:
 * 20k loans, 3 years of dates, five money columns) and are created once per size, then reused.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Pool } from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import { loadConfig } from '../lib/config';
import { createPool } from '../lib/db';
import type { LakeTable } from '../lib/etl-types';
import { exportTableToStore, renderCopySql } from '../lib/lake/export';
import { LocalLakeStore } from '../lib/lake/store';
import { LAKE_TABLE_SPECS } from '../lib/lake/tables';

export interface LakeBenchRun {
  kind: 'bare-copy' | 'export';
  rows: number;
  ms: number;
  rowsPerSec: number;
  maxRssMB: number;
  bytes?: number;
}

/** A stable tenant id per size, so the rows are generated once and reused. */
export function benchTenantId(rows: number): string {
  const h = createHash('sha256').update(`lakehouse-bench-lake-${rows}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** Makes the bench tenant hold exactly `rows` fact_txn rows (generating them if needed). */
export async function ensureBenchRows(pool: Pool, rows: number, log: (l: string) => void = () => undefined): Promise<string> {
  const tenantId = benchTenantId(rows);
  await pool.query(`INSERT INTO public.tenants (id, name, active) VALUES ($1, $2, false) ON CONFLICT (id) DO NOTHING`, [tenantId, `bench-lake-${rows}`]);
  const have = Number((await pool.query('SELECT count(*) AS n FROM reporting.fact_txn WHERE tenant_id = $1', [tenantId])).rows[0].n);
  if (have === rows) return tenantId;
  log(`generating ${rows} fact_txn rows for ${tenantId} (have ${have})…`);
  await pool.query('DELETE FROM reporting.fact_txn WHERE tenant_id = $1', [tenantId]);
  await pool.query('DELETE FROM reporting.lake_checkpoint WHERE tenant_id = $1', [tenantId]);
  for (let from = 1; from <= rows; from += 1_000_000) {
    const to = Math.min(rows, from + 999_999);
    await pool.query(
      `INSERT INTO reporting.fact_txn (tenant_id, loan_id, d, type, amount, alloc_principal, alloc_interest, alloc_escrow, alloc_fees, txn_id, ref, loaded_at)
       SELECT $1::uuid, md5($1 || 'loan' || (g % 20000))::uuid, DATE '2023-01-01' + (g * 7919 % 1095)::int,
              (ARRAY['PAYMENT','PAYMENT','PAYMENT','FEE','ADJUSTMENT','DISBURSEMENT'])[1 + g % 6],
              ((g * 7907) % 500000) / 100.0, ((g * 6007) % 300000) / 100.0, ((g * 4001) % 100000) / 100.0, ((g * 3001) % 50000) / 100.0,
              CASE WHEN g % 6 = 3 THEN 25 ELSE 0 END, md5($1 || 'txn' || g)::uuid, '{}'::jsonb,
              TIMESTAMPTZ '2026-01-01 00:00:00+00' + make_interval(secs => g / 1000.0)
         FROM generate_series($2::bigint, $3::bigint) g`,
      [tenantId, from, to],
    );
  }
  await pool.query('ANALYZE reporting.fact_txn');
  return tenantId;
}

/** The floor: the export's own COPY statement, bytes read and dropped. */
export async function bareCopyRead(pool: Pool, tenantId: string, table: LakeTable = 'fact_txn'): Promise<{ rows: number; bytes: number; ms: number }> {
  const client = await pool.connect();
  try {
    const started = Date.now();
    await client.query('BEGIN');
    await client.query(`SELECT set_config('work_mem', '64MB', true)`);
    const stream = client.query(copyTo(renderCopySql(LAKE_TABLE_SPECS[table], tenantId, 0n, 9_223_372_036_854_775_807n)));
    let bytes = 0;
    for await (const chunk of stream as AsyncIterable<Buffer>) bytes += chunk.length;
    await client.query('COMMIT');
    return { rows: stream.rowCount, bytes, ms: Date.now() - started };
  } finally {
    client.release();
  }
}

/** One full export of the tenant's table from an empty checkpoint into a throwaway local store. */
export async function timedExport(pool: Pool, tenantId: string, table: LakeTable = 'fact_txn'): Promise<{ rows: number; bytes: number; ms: number }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'lakehouse-bench-lake-'));
  try {
    await pool.query('DELETE FROM reporting.lake_checkpoint WHERE tenant_id = $1 AND table_name = $2', [tenantId, table]);
    const started = Date.now();
    const r = await exportTableToStore(
      { pool, store: new LocalLakeStore(dir, 'bench'), prefix: 'bench', pii: { redact: true, tokenKey: 'bench-token-key-0123456789' } },
      { tenantId, table },
    );
    return { rows: r.rows, bytes: r.bytes, ms: Date.now() - started };
  } finally {
    await pool.query('DELETE FROM reporting.lake_checkpoint WHERE tenant_id = $1 AND table_name = $2', [tenantId, table]);
    await rm(dir, { recursive: true, force: true });
  }
}

/** Runs one measurement in a fresh process (clean heap, Wasm memory and RSS). */
export function measureInChild(kind: LakeBenchRun['kind'], dbUrl: string, tenantId: string): Promise<LakeBenchRun> {
  return new Promise((resolve, reject) => {
    // `-r tsx/cjs`, as bin/lakehouse.js runs the worker: `--import tsx` would add a loader thread (~40 MB).
    const child = spawn(process.execPath, ['-r', 'tsx/cjs', __filename, '--child', kind, '--tenant', tenantId], {
      cwd: path.resolve(__dirname, '..'),
      env: { ...process.env, DB_URL: dbUrl },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out.trim().split('\n').pop()!) as LakeBenchRun) : reject(new Error(`bench child exited ${code}`))));
  });
}

async function child(kind: LakeBenchRun['kind'], tenantId: string): Promise<void> {
  const pool = createPool(loadConfig(process.env).dbUrl, { max: 3 });
  try {
    const r = kind === 'bare-copy' ? await bareCopyRead(pool, tenantId) : await timedExport(pool, tenantId);
    const run: LakeBenchRun = { kind, rows: r.rows, ms: r.ms, rowsPerSec: Math.round(r.rows / (r.ms / 1000)), maxRssMB: Math.round(process.resourceUsage().maxRSS / 1024), bytes: r.bytes };
    process.stdout.write(`${JSON.stringify(run)}\n`);
  } finally {
    await pool.end();
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main(argv: string[]): Promise<void> {
  const arg = (name: string) => argv.flatMap((a, i) => (a === name ? [argv[i + 1]] : []));
  if (arg('--child').length > 0) return child(arg('--child')[0] as LakeBenchRun['kind'], arg('--tenant')[0]);
  const sizes = arg('--rows').map(Number);
  const repeat = Number(arg('--repeat')[0] ?? 3);
  const config = loadConfig(process.env);
  const pool = createPool(config.dbUrl);
  const log = (l: string) => process.stderr.write(`${l}\n`);
  try {
    const table: string[] = ['| rows | bare COPY rows/s | export rows/s | export / bare | export peak RSS MB | export ms (min–max) |', '|---|---|---|---|---|---|'];
    for (const rows of sizes.length > 0 ? sizes : [1_000_000]) {
      const tenantId = await ensureBenchRows(pool, rows, log);
      const bare: LakeBenchRun[] = [];
      const exp: LakeBenchRun[] = [];
      for (let i = 0; i < repeat; i++) {
        bare.push(await measureInChild('bare-copy', config.dbUrl, tenantId));
        exp.push(await measureInChild('export', config.dbUrl, tenantId));
        log(`${rows}: bare ${bare[i].rowsPerSec} rows/s, export ${exp[i].rowsPerSec} rows/s, ${exp[i].maxRssMB} MB`);
      }
      const b = median(bare.map((r) => r.rowsPerSec));
      const e = median(exp.map((r) => r.rowsPerSec));
      const ms = exp.map((r) => r.ms);
      table.push(`| ${rows} | ${b} | ${e} | ${(e / b).toFixed(2)} | ${Math.max(...exp.map((r) => r.maxRssMB))} | ${median(ms)} (${Math.min(...ms)}–${Math.max(...ms)}) |`);
    }
    process.stdout.write(`${table.join('\n')}\n`);
  } finally {
    await pool.end();
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  });
}
