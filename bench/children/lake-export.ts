/**
 * Child: the lake export of fact_txn for the given tenants, one after another as the nightly run
 * does, through `exportTableToStore` (lib/lake/export.ts: binary COPY → typed arrays → Arrow →
 * Parquet in a worker thread → footer verification → store → checkpoint), into a local-folder store.
 *
 *   lake-export.ts <db-url> <lake-dir> <tenant-id>[,<tenant-id>…] [<warm-up tenant-id>]
 *
 * With a warm-up tenant, that tenant's (small) export runs first, untimed: a worker process exports
 * many tables and tenants a night, so the Parquet worker thread, its Wasm and DuckDB are already
 * loaded for all but the first; `warmupMs` reports what that first export cost.
 *
 * Replies { type: 'done', rows, bytes, files, ms, phases (ms per export phase), cpuS, warmupMs,
 * maxRssMb }. The caller resets the checkpoints and the folder between runs, so each run exports
 * every row.
 */
import { createPool } from '../../lib/db';
import { exportTableToStore } from '../../lib/lake/export';
import { LocalLakeStore } from '../../lib/lake/store';
import { childMain, ownMaxRssMb, reply } from '../child';

childMain(async () => {
  const [url, lakeDir, tenants, warmupTenant] = process.argv.slice(2);
  const pool = createPool(url, { max: 2 });
  try {
    const deps = { pool, store: new LocalLakeStore(lakeDir, 'bench-lake'), prefix: 'bench', pii: { redact: true, tokenKey: 'bench-token-key-0123456789' } };
    let warmupMs: number | undefined;
    if (warmupTenant) {
      const w0 = process.hrtime.bigint();
      await exportTableToStore(deps, { tenantId: warmupTenant, table: 'fact_txn' });
      warmupMs = Number(process.hrtime.bigint() - w0) / 1e6;
    }
    const cpu0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    let rows = 0;
    let bytes = 0;
    let files = 0;
    // Time per export phase (bounds, cleanup, copy = COPY + decode + encode, verify, upload, checkpoint).
    const phases: Record<string, number> = {};
    let phase = 'start';
    let since = process.hrtime.bigint();
    const onProgress = (p: { phase: string }) => {
      if (p.phase === phase) return;
      const now = process.hrtime.bigint();
      phases[phase] = (phases[phase] ?? 0) + Number(now - since) / 1e6;
      phase = p.phase;
      since = now;
    };
    for (const tenantId of tenants.split(',')) {
      const r = await exportTableToStore(deps, { tenantId, table: 'fact_txn' }, { onProgress });
      rows += r.rows;
      bytes += r.bytes;
      files += r.objects.length;
    }
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    const cpu = process.cpuUsage(cpu0);
    // CPU of the whole process (main thread decoding + the Parquet worker thread), seconds.
    await reply({ type: 'done', rows, bytes, files, ms, phases, warmupMs, cpuS: (cpu.user + cpu.system) / 1e6, maxRssMb: ownMaxRssMb() });
  } finally {
    await pool.end();
  }
});
