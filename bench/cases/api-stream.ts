/**
 * Case 6 — the reporting API's CSV download of a large view, through bench/api-stream.ts (written
 * with the API, issue 8): the server (api/server.ts) in a child process, a real HTTP download counted
 * and discarded, the server's RSS polled from /proc throughout.
 *
 * Reference: the exact COPY the CSV route runs — same reporting transaction, role, RLS and SQL —
 * consumed in a child process without HTTP (bench/children/copy-read.ts api-csv).
 * Memory: "flat" means the server's RSS over the last quarter of the download is within 15% of the
 * first quarter's, i.e. it does not grow with the rows sent; the peak is reported beside it.
 */
import type { Pool } from 'pg';
import { measureApiStream, prepareApiStreamView } from '../api-stream';
import { startChild } from '../child';
import { row, type ResultRow } from '../measure';

async function directCopy(dbUrl: string, view: string, tenantId: string): Promise<{ rows: number; ms: number }> {
  const child = startChild('copy-read.ts', ['api-csv', dbUrl, view, tenantId]);
  try {
    const done = (await child.next('done')) as unknown as { rows: number; ms: number };
    await child.exit();
    return done;
  } finally {
    child.kill();
  }
}

export async function runApiStream(opts: { pool: Pool; dbUrl: string; tenantId: string; expectedRows: number; reps: number; log: (l: string) => void }): Promise<ResultRow[]> {
  const view = await prepareApiStreamView(opts.pool);
  const http: number[] = [];
  const direct: number[] = [];
  const first: number[] = [];
  const last: number[] = [];
  const peak: number[] = [];
  const baseline: number[] = [];
  let bytes = 0;
  for (let rep = 0; rep < opts.reps; rep++) {
    const r = await measureApiStream({ dbUrl: opts.dbUrl, tenantId: opts.tenantId, format: 'csv', view });
    if (r.rows !== opts.expectedRows) throw new Error(`API download returned ${r.rows} rows, expected ${opts.expectedRows}`);
    const d = await directCopy(opts.dbUrl, view, opts.tenantId);
    if (d.rows !== opts.expectedRows) throw new Error(`direct COPY returned ${d.rows} rows, expected ${opts.expectedRows}`);
    http.push(r.rowsPerSecond);
    direct.push(d.rows / (d.ms / 1000));
    first.push(r.rssFirstQuarterMb);
    last.push(r.rssLastQuarterMb);
    peak.push(r.rssPeakMb);
    baseline.push(r.rssBaselineMb);
    bytes = r.bytes;
    opts.log(
      `  rep ${rep + 1}: HTTP ${r.seconds.toFixed(2)} s, direct COPY ${(d.ms / 1000).toFixed(2)} s; server RSS ${r.rssBaselineMb.toFixed(0)} MB idle, ${r.rssFirstQuarterMb.toFixed(0)} → ${r.rssLastQuarterMb.toFixed(0)} MB (first → last quarter), peak ${r.rssPeakMb.toFixed(0)} MB, ${r.samples} samples`,
    );
  }
  const n = opts.expectedRows.toLocaleString('en-US');
  const quarters = first.filter((f, i) => Number.isFinite(f) && Number.isFinite(last[i])).length;
  const flat = row({
    id: '6b',
    title: `API server RSS while streaming ${n} rows: last quarter of the download vs first quarter (mean of /proc samples)`,
    better: 'lower',
    measured: { label: 'last quarter', unit: 'MB', values: last },
    reference: { label: 'first quarter', unit: 'MB', values: first },
    targets: [{ on: 'ratio', op: '<=', limit: 1.15 }],
    targetText: 'flat: ≤ 1.15×',
    notes: [`server peak RSS ${peak.map((m) => m.toFixed(0)).join(', ')} MB; idle after start-up and a warm-up download ${baseline.map((m) => m.toFixed(0)).join(', ')} MB`],
  });
  if (quarters < opts.reps) {
    // At small scale a download can finish between two 100 ms /proc samples of a quarter.
    flat.met = quarters === 0 ? null : flat.met;
    flat.notes.push(`${opts.reps - quarters} of ${opts.reps} downloads too short to sample both quarters`);
  }
  return [
    row({
      id: '6',
      title: `API CSV download of ${n} rows (${(bytes / 1e6).toFixed(0)} MB) over HTTP, server in a child process`,
      better: 'higher',
      measured: { label: 'HTTP', unit: 'rows/s', values: http },
      reference: { label: 'same COPY without HTTP', unit: 'rows/s', values: direct },
      targetText: 'report',
    }),
    flat,
  ];
}
