/**
 * Reporting API streaming benchmark: does the server's memory stay flat while it streams a large
 * view (≥ 1M rows) as CSV, Parquet or JSON?
 *
 * The server runs in a child process (this file with `--serve`), so the resident set measured is
 * the server's own, not the driver's; the driver downloads over real HTTP, counts bytes and rows
 * without keeping the body, and polls the child's VmRSS / VmHWM from /proc.
 *
 * The published views are aggregates and small, so the benchmark publishes one detail view of its
 * own, `reporting.v_bench_txn_detail` (every fact_txn column but `ref`, security_invoker, granted
 * to reporting_reader), to the child server's allow-list only — the production allow-list is
 * untouched.
 *
 * For the benchmark suite:  prepareApiStreamView(pool), then measureApiStream({ dbUrl, tenantId, format }).
 * Standalone:               DB_URL=… npx tsx bench/api-stream.ts --tenant <uuid> [--format csv,parquet,json]
 *                           (the tenant needs the rows in reporting.fact_txn already).
 */
import { fork } from 'node:child_process';
import { createWriteStream, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Transform, Writable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import type { Pool } from 'pg';
import { createApiKey, revokeApiKey } from '../api/auth';
import { DEFAULT_TUNING } from '../api/exporters';
import { buildApiServer } from '../api/server';
import { buildAllowList, REPORTING_VIEW_NAMES } from '../api/views';
import { createPool } from '../lib/db';

export const BENCH_VIEW = 'v_bench_txn_detail';

export type StreamFormat = 'csv' | 'parquet' | 'json';

export interface ApiStreamResult {
  format: StreamFormat;
  view: string;
  /** Data rows received (CSV lines minus the header; Parquet rows counted by DuckDB; JSON objects). */
  rows: number;
  bytes: number;
  seconds: number;
  rowsPerSecond: number;
  /** Server RSS after start-up and one small warm-up download, MB. */
  rssBaselineMb: number;
  /** Highest server RSS during the download (kernel high-water mark), MB. */
  rssPeakMb: number;
  /** Mean server RSS over the first and the last quarter of the download, MB: flat means close. */
  rssFirstQuarterMb: number;
  rssLastQuarterMb: number;
  samples: number;
}

/** Creates (or replaces) the benchmark's detail view and grants it to the API's reader role. */
export async function prepareApiStreamView(pool: Pool): Promise<string> {
  await pool.query(`
    CREATE OR REPLACE VIEW reporting.${BENCH_VIEW} WITH (security_invoker = true) AS
      SELECT tenant_id, txn_sk, txn_id, loan_id, d, type, amount, alloc_principal, alloc_interest,
             alloc_escrow, alloc_fees, loaded_at
        FROM reporting.fact_txn;
    GRANT SELECT ON reporting.${BENCH_VIEW} TO reporting_reader;`);
  return BENCH_VIEW;
}

function procMb(pid: number, field: 'VmRSS' | 'VmHWM'): number | undefined {
  try {
    const m = new RegExp(`${field}:\\s+(\\d+)\\s+kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

const TSX_LOADER = pathToFileURL(require.resolve('tsx')).href;

interface ServerChild {
  pid: number;
  port: number;
  stop(): Promise<void>;
}

async function startServerChild(dbUrl: string, view: string): Promise<ServerChild> {
  const child = fork(__filename, ['--serve', view], {
    execArgv: ['--import', TSX_LOADER],
    env: { ...process.env, DB_URL: dbUrl },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('message', (m: { port?: number; error?: string }) => (m.port ? resolve(m.port) : reject(new Error(m.error ?? 'server child failed'))));
    child.once('exit', (code) => reject(new Error(`server child exited (code ${code}) before listening`)));
  });
  return {
    pid: child.pid!,
    port,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/** Downloads one view through the child, counting as it goes; the body is never held whole. */
function download(port: number, urlPath: string, key: string, sink: NodeJS.WritableStream | undefined, onBytes: (n: number) => void): Promise<{ status: number; newlines: number; bytes: number }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path: urlPath, headers: { authorization: `Bearer ${key}` }, agent: false }, (res) => {
      let newlines = 0;
      let bytes = 0;
      const counter = new Transform({
        transform(chunk: Buffer, _enc, cb) {
          bytes += chunk.length;
          onBytes(bytes);
          for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) newlines++;
          cb(null, sink ? chunk : undefined);
        },
      });
      const discard = new Writable({ write: (_chunk, _enc, cb) => cb() });
      const done = pipeline(res, counter, sink ?? discard);
      done.then(() => (res.complete ? resolve({ status: res.statusCode ?? 0, newlines, bytes }) : reject(new Error('download cut short'))), reject);
    });
    req.on('error', reject);
  });
}

export async function measureApiStream(opts: {
  dbUrl: string;
  tenantId: string;
  format: StreamFormat;
  /** Defaults to the benchmark's detail view (call prepareApiStreamView first). */
  view?: string;
  log?: (line: string) => void;
}): Promise<ApiStreamResult> {
  const view = opts.view ?? BENCH_VIEW;
  const log = opts.log ?? (() => undefined);
  const pool = createPool(opts.dbUrl, { max: 2 });
  const { id: keyId, key } = await createApiKey(pool, opts.tenantId, 'bench api-stream');
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'api-stream-'));
  const server = await startServerChild(opts.dbUrl, view);
  try {
    // Warm-up: code paths loaded, Wasm instantiated, pool connected — then take the baseline.
    await download(server.port, `/api/reporting/${opts.format}/v_kpi_pipeline`, key, undefined, () => undefined);
    await new Promise((r) => setTimeout(r, 500));
    const rssBaselineMb = procMb(server.pid, 'VmRSS') ?? 0;

    const samples: Array<{ bytes: number; rss: number }> = [];
    let bytesSoFar = 0;
    const poll = setInterval(() => {
      const rss = procMb(server.pid, 'VmRSS');
      if (rss !== undefined) samples.push({ bytes: bytesSoFar, rss });
    }, 100);
    const parquetFile = path.join(tmp, 'body.parquet');
    const started = process.hrtime.bigint();
    let result: { status: number; newlines: number; bytes: number };
    try {
      result = await download(
        server.port,
        `/api/reporting/${opts.format}/${view}`,
        key,
        opts.format === 'parquet' ? createWriteStream(parquetFile) : undefined,
        (b) => (bytesSoFar = b),
      );
    } finally {
      clearInterval(poll);
    }
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const rssPeakMb = procMb(server.pid, 'VmHWM') ?? Math.max(...samples.map((s) => s.rss));
    if (result.status !== 200) throw new Error(`download returned HTTP ${result.status}`);

    let rows: number;
    if (opts.format === 'csv') rows = result.newlines - 1;
    else if (opts.format === 'json') rows = Math.max(0, result.newlines - 2); // "[" and "]" lines
    else {
      const { DuckDBInstance } = await import('@duckdb/node-api');
      const conn = await (await DuckDBInstance.create(':memory:')).connect();
      const r = await conn.runAndReadAll(`SELECT count(*)::BIGINT FROM read_parquet('${parquetFile}')`);
      rows = Number(r.getRowsJson()[0][0]);
      conn.closeSync();
    }

    const quarter = (from: number, to: number) => {
      const xs = samples.filter((s) => s.bytes >= from * result.bytes && s.bytes <= to * result.bytes).map((s) => s.rss);
      return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN;
    };
    const out: ApiStreamResult = {
      format: opts.format,
      view,
      rows,
      bytes: result.bytes,
      seconds,
      rowsPerSecond: rows / seconds,
      rssBaselineMb,
      rssPeakMb,
      rssFirstQuarterMb: quarter(0, 0.25),
      rssLastQuarterMb: quarter(0.75, 1),
      samples: samples.length,
    };
    log(
      `api-stream ${opts.format}: ${rows} rows, ${(result.bytes / 1e6).toFixed(1)} MB in ${seconds.toFixed(1)} s; server RSS ${rssBaselineMb.toFixed(0)} → peak ${rssPeakMb.toFixed(0)} MB (first quarter ${out.rssFirstQuarterMb.toFixed(0)}, last ${out.rssLastQuarterMb.toFixed(0)})`,
    );
    return out;
  } finally {
    await server.stop();
    await revokeApiKey(pool, keyId).catch(() => undefined);
    await pool.end();
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** Child: the API server with the benchmark view on its allow-list, production tuning. */
async function serve(view: string): Promise<void> {
  const pool = createPool(process.env.DB_URL!);
  const views = buildAllowList([...REPORTING_VIEW_NAMES.map((name) => ({ name })), { name: view, tenantColumn: true, money: [] }]);
  const app = await buildApiServer({ pool, views, tuning: DEFAULT_TUNING });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  process.send?.({ port: typeof address === 'object' && address ? address.port : 0 });
  process.once('SIGTERM', () => {
    void app.close().then(() => pool.end()).then(() => process.exit(0));
  });
}

async function main(argv: string[]): Promise<void> {
  const arg = (name: string) => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const tenantId = arg('--tenant');
  const dbUrl = process.env.DB_URL;
  if (!tenantId || !dbUrl) {
    process.stderr.write('usage: DB_URL=postgres://… npx tsx bench/api-stream.ts --tenant <uuid> [--format csv,parquet,json]\n');
    process.exitCode = 2;
    return;
  }
  const pool = createPool(dbUrl, { max: 1 });
  try {
    await prepareApiStreamView(pool);
  } finally {
    await pool.end();
  }
  const results: ApiStreamResult[] = [];
  for (const format of (arg('--format') ?? 'csv,parquet').split(',') as StreamFormat[]) {
    results.push(await measureApiStream({ dbUrl, tenantId, format, log: (l) => process.stderr.write(`${l}\n`) }));
  }
  process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
}

if (require.main === module) {
  if (process.argv[2] === '--serve') {
    serve(process.argv[3]).catch((err: unknown) => {
      process.send?.({ error: err instanceof Error ? err.message : String(err) });
      process.exit(1);
    });
  } else {
    main(process.argv.slice(2)).catch((err: unknown) => {
      process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exitCode = 1;
    });
  }
}
