/**
 * Case 4 — the lake export of fact_txn (lib/lake/export.ts `exportTableToStore`, the core of the
 * exportLakeTable activity) for a tenant with the smaller and one with the larger row count, each in
 * a child process of its own, against the bare read of the same rows: the export's own COPY
 * statement (same columns, ORDER BY d, txn_sk, binary, same work_mem), read into Node and discarded.
 *
 * Each repetition starts from an empty store folder and no lake checkpoint, so it exports every row.
 * The timed export follows an untimed warm-up export of a small tenant in the same process, as in a
 * worker's nightly run (the first export's one-off start-up is reported in the notes).
 * The store is a local folder (LAKE_STORE=local), so the figures cover Postgres → Arrow → Parquet →
 * verification → file, not network upload.
 */
import { rmSync } from 'node:fs';
import path from 'node:path';
import type { Pool } from 'pg';
import { startChild } from '../child';
import { median, row, type ResultRow } from '../measure';

export interface LakeTarget {
  tenantId: string;
  rows: number;
}

interface ChildDone {
  rows: number;
  bytes: number;
  files?: number;
  phases?: Record<string, number>;
  cpuS?: number;
  warmupMs?: number;
  ms: number;
  maxRssMb: number;
}


/** The phases that take time, the rest summed as "other". */
function phaseText(phaseMs: Record<string, number[]>): string {
  const med = Object.entries(phaseMs).map(([k, v]) => [k, median(v)] as const);
  const big = med.filter(([, ms]) => ms >= 50);
  const other = med.filter(([, ms]) => ms < 50).reduce((a, [, ms]) => a + ms, 0);
  return [...big.map(([k, ms]) => `${k} ${(ms / 1000).toFixed(2)}`), `other ${(other / 1000).toFixed(2)}`].join(', ');
}

async function inChild(script: string, args: string[]): Promise<ChildDone & { rssAt: number[] }> {
  const child = startChild(script, args);
  try {
    const done = (await child.next('done')) as unknown as ChildDone;
    const samples = child.rssSamples();
    await child.exit();
    // RSS at 25/50/75/100% of the child's life: growing all along means memory follows the rows.
    const end = samples.at(-1)?.[0] ?? 0;
    const rssAt = [0.25, 0.5, 0.75, 1].map((f) => samples.filter(([t]) => t <= f * end).at(-1)?.[1] ?? NaN);
    return { ...done, rssAt, maxRssMb: Math.max(done.maxRssMb, child.peakHwmMb()) };
  } finally {
    child.kill();
  }
}

export async function runLakeExport(opts: {
  pool: Pool;
  dbUrl: string;
  stateDir: string;
  targets: [LakeTarget, LakeTarget];
  /** A small tenant exported first in the same process, untimed (see bench/children/lake-export.ts). */
  warmupTenant?: LakeTarget;
  reps: number;
  log: (l: string) => void;
}): Promise<ResultRow[]> {
  const lakeDir = path.join(opts.stateDir, 'bench-lake');
  const out: ResultRow[] = [];
  const peaks: number[][] = [];
  let exportedBytes = 0;
  for (const [i, t] of opts.targets.entries()) {
    const exportRate: number[] = [];
    const readRate: number[] = [];
    const exportPeak: number[] = [];
    const readPeak: number[] = [];
    const phaseMs: Record<string, number[]> = {};
    const cpu: string[] = [];
    const warmups: number[] = [];
    const timeline: string[] = [];
    for (let rep = 0; rep < opts.reps; rep++) {
      rmSync(lakeDir, { recursive: true, force: true });
      const reset = [t.tenantId, ...(opts.warmupTenant ? [opts.warmupTenant.tenantId] : [])];
      await opts.pool.query(`DELETE FROM reporting.lake_checkpoint WHERE tenant_id = ANY($1::uuid[]) AND table_name = 'fact_txn'`, [reset]);
      const ex = await inChild('lake-export.ts', [opts.dbUrl, lakeDir, t.tenantId, ...(opts.warmupTenant ? [opts.warmupTenant.tenantId] : [])]);
      if (ex.rows !== t.rows) throw new Error(`lake export wrote ${ex.rows} rows, expected ${t.rows}`);
      const rd = await inChild('copy-read.ts', ['lake', opts.dbUrl, t.tenantId]);
      if (rd.rows !== t.rows) throw new Error(`bare read returned ${rd.rows} rows, expected ${t.rows}`);
      exportRate.push(ex.rows / (ex.ms / 1000));
      readRate.push(rd.rows / (rd.ms / 1000));
      exportPeak.push(ex.maxRssMb);
      readPeak.push(rd.maxRssMb);
      exportedBytes = ex.bytes;
      for (const [k, v] of Object.entries(ex.phases ?? {})) (phaseMs[k] ??= []).push(v);
      cpu.push(`${(ex.cpuS ?? NaN).toFixed(1)} s CPU in ${(ex.ms / 1000).toFixed(1)} s`);
      if (ex.warmupMs !== undefined) warmups.push(ex.warmupMs);
      timeline.push(ex.rssAt.map((m) => m.toFixed(0)).join('/'));
      opts.log(
        `  ${t.rows.toLocaleString('en-US')} rows rep ${rep + 1}: export ${(ex.ms / 1000).toFixed(2)} s (${ex.files} files, ${(ex.bytes / 1e6).toFixed(0)} MB, peak ${ex.maxRssMb.toFixed(0)} MB), bare read ${(rd.ms / 1000).toFixed(2)} s (${(rd.bytes / 1e6).toFixed(0)} MB, peak ${rd.maxRssMb.toFixed(0)} MB)`,
      );
    }
    rmSync(lakeDir, { recursive: true, force: true });
    peaks.push(exportPeak);
    out.push(
      row({
        id: i === 0 ? '4a' : '4b',
        title: `lake export of ${t.rows.toLocaleString('en-US')} fact_txn rows (one tenant, ${(exportedBytes / 1e6).toFixed(0)} MB of Parquet) to a local store, child process`,
        better: 'higher',
        measured: { label: 'export', unit: 'rows/s', values: exportRate },
        reference: { label: 'bare COPY binary read', unit: 'rows/s', values: readRate },
        targets: [
          { on: 'value', op: '>=', limit: 200_000 },
          { on: 'ratio', op: '>=', limit: 0.5 },
        ],
        targetText: '≥ 200,000 rows/s and ≥ 0.5× bare read',
        notes: [
          `peak RSS: export ${exportPeak.map((m) => m.toFixed(0)).join(', ')} MB (RSS at 25/50/75/100% of the run: ${timeline.join('; ')} MB); bare read ${readPeak.map((m) => m.toFixed(0)).join(', ')} MB`,
          `export process CPU (main thread + Parquet worker): ${cpu.join('; ')}`,
          ...(opts.warmupTenant && warmups.length
            ? [`timed after a warm-up export in the same process (${opts.warmupTenant.rows.toLocaleString('en-US')} rows, untimed), as a worker's nightly run exports many tenants and tables: that first export took ${warmups.map((m) => (m / 1000).toFixed(2)).join(', ')} s — the one-off cost of the Parquet worker thread, Wasm and DuckDB`]
            : []),
          `export time by phase (median s): ${phaseText(phaseMs)} — "copy" is COPY + decode + Arrow + Parquet encoding (worker thread) to a local file`,
        ],
      }),
    );
  }
  const [small, large] = opts.targets;
  out.push(
    row({
      id: '4c',
      title: `lake export peak RSS, ${large.rows.toLocaleString('en-US')} rows vs ${small.rows.toLocaleString('en-US')} rows`,
      better: 'lower',
      measured: { label: `${(large.rows / 1e6).toFixed(1)}M`, unit: 'MB', values: peaks[1] },
      reference: { label: `${(small.rows / 1e6).toFixed(1)}M`, unit: 'MB', values: peaks[0] },
      targets: [
        { on: 'value', op: '<', limit: 400 },
        { on: 'ratio', op: '<=', limit: 1.15 },
      ],
      targetText: '< 400 MB and ≤ 1.15× (flat)',
    }),
  );
  return out;
}
