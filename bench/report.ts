/**
 * The benchmark's two outputs: a Markdown table on stdout (what goes into bench/README.md) and
 * `bench/results/<YYYY-MM-DD>.json` with every sample, for comparing runs.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ResultRow, Summary } from './measure';

export interface RunInfo {
  scale: string;
  startedAt: string;
  finishedAt: string;
  durationS: number;
  machine: {
    cpus: number;
    cpuModel: string;
    memGb: number;
    node: string;
    postgres: string;
    /** 1-minute load average when the run started and ended: other work on the machine skews absolute numbers. */
    loadAvgStart: number;
    loadAvgEnd: number;
  };
  settings: Record<string, unknown>;
  /** Phase timings (data set preparation etc.), seconds: where the wall time of the run went. */
  phases: Record<string, number>;
}

export function formatValue(v: number | undefined, unit: string): string {
  if (v === undefined || !Number.isFinite(v)) return '—';
  if (unit === 'rows/s') return Math.round(v).toLocaleString('en-US');
  if (unit === 'MB') return v.toFixed(0);
  if (unit === 's') return v >= 100 ? v.toFixed(0) : v.toFixed(2);
  if (unit === 'ms') return v >= 100 ? v.toFixed(0) : v.toFixed(1);
  return String(Math.round(v * 100) / 100);
}

const withUnit = (v: number | undefined, unit: string) => `${formatValue(v, unit)} ${unit}`;

function refCell(r?: Summary): string {
  if (!r) return '—';
  return `${r.label}: ${withUnit(r.median, r.unit)} (${formatValue(r.min, r.unit)}–${formatValue(r.max, r.unit)}, n=${r.n})`;
}

function metCell(row: ResultRow): string {
  if (row.status !== 'ok') return row.status;
  if (row.met === null) return 'report';
  return row.met ? 'yes' : '**NO**';
}

const esc = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

export function markdownTable(rows: ResultRow[]): string {
  const lines = [
    '| # | measurement | median | min | max | reference (same run) | ratio | target | met? |',
    '|---|---|--:|--:|--:|---|--:|---|---|',
  ];
  for (const r of rows) {
    const m = r.measured;
    lines.push(
      `| ${r.id} | ${esc(r.title)}${m ? ` (n=${m.n})` : ''} | ${m ? withUnit(m.median, m.unit) : '—'} | ${m ? formatValue(m.min, m.unit) : '—'} | ${m ? formatValue(m.max, m.unit) : '—'} | ${esc(refCell(r.reference))} | ${r.ratio === undefined ? '—' : `${r.ratio.toFixed(2)}×`} | ${esc(r.targetText)} | ${metCell(r)} |`,
    );
  }
  return lines.join('\n');
}

export function notesList(rows: ResultRow[]): string {
  const out: string[] = [];
  for (const r of rows) for (const n of r.notes) out.push(`- **${r.id}** ${n}`);
  return out.join('\n');
}

export function writeResultsJson(dir: string, info: RunInfo, rows: ResultRow[]): string {
  mkdirSync(dir, { recursive: true });
  const date = info.startedAt.slice(0, 10);
  // One file per day, as the issue asks; a small-scale run gets its own name so it never replaces
  // the day's default-scale figures.
  const file = path.join(dir, info.scale === 'default' ? `${date}.json` : `${date}-${info.scale}.json`);
  writeFileSync(file, `${JSON.stringify({ ...info, rows }, null, 2)}\n`);
  return file;
}

export function machineInfo(postgres: string, loadAvgStart: number): RunInfo['machine'] {
  const cpus = os.cpus();
  return {
    cpus: cpus.length,
    cpuModel: cpus[0]?.model ?? 'unknown',
    memGb: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    postgres,
    loadAvgStart,
    loadAvgEnd: os.loadavg()[0],
  };
}
