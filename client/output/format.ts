/**
 * Small, pure formatting helpers shared by the CLI's commands: times in UTC, durations an operator
 * can read at a glance, numbers with thousands separators, and aligned plain-text tables (no
 * colours or box drawing, so output pastes cleanly into tickets and greps well when piped).
 */

/** `2026-11-27 10:15:03Z` — UTC always: windows, crons and watermarks are all UTC. */
export function formatTime(t: Date | string | null | undefined): string {
  if (t === null || t === undefined) return '—';
  const d = typeof t === 'string' ? new Date(t) : t;
  if (Number.isNaN(d.getTime())) return String(t);
  return `${d.toISOString().slice(0, 19).replace('T', ' ')}Z`;
}

/** `42s`, `3m 12s`, `2h 05m`, `3d 04h`: two units at most, which is all a glance needs. */
export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '—';
  const neg = ms < 0;
  let s = Math.round(Math.abs(ms) / 1000);
  const d = Math.floor(s / 86_400);
  s -= d * 86_400;
  const h = Math.floor(s / 3600);
  s -= h * 3600;
  const m = Math.floor(s / 60);
  s -= m * 60;
  const pad = (n: number) => String(n).padStart(2, '0');
  const out = d > 0 ? `${d}d ${pad(h)}h` : h > 0 ? `${h}h ${pad(m)}m` : m > 0 ? `${m}m ${pad(s)}s` : `${s}s`;
  return neg ? `-${out}` : out;
}

export function formatCount(n: number | null | undefined): string {
  if (n === null || n === undefined) return '—';
  return n.toLocaleString('en-US');
}

/**
 * An aligned table. Numeric-looking columns are right-aligned; the last column is never padded
 * (no trailing blanks when piped).
 */
export function formatTable(header: string[], rows: string[][], indent = ''): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const numeric = header.map((_, i) => rows.some((r) => /^-?[\d,.]+$/.test(r[i] ?? '')) && rows.every((r) => /^-?[\d,.]+$|^—$/.test(r[i] ?? '')));
  const line = (cells: string[]) =>
    indent +
    cells
      .map((c, i) => {
        const v = c ?? '';
        if (i === cells.length - 1 && !numeric[i]) return v;
        return numeric[i] ? v.padStart(widths[i]) : v.padEnd(widths[i]);
      })
      .join('  ');
  return [line(header), ...rows.map(line)].join('\n');
}

/** `fact_txn 1,200 · fact_qc 56` — the streams that moved, in a stable order. */
export function formatRowsByStream(rows: Record<string, number>, order: readonly string[] = []): string {
  const keys = Object.keys(rows).sort((a, b) => rank(order, a) - rank(order, b) || a.localeCompare(b));
  if (keys.length === 0) return 'no rows yet';
  return keys.map((k) => `${k} ${formatCount(rows[k])}`).join(' · ');
}

export function sumRows(rows: Record<string, number>): number {
  return Object.values(rows).reduce((a, b) => a + b, 0);
}

function rank(order: readonly string[], k: string): number {
  const i = order.indexOf(k);
  return i < 0 ? order.length : i;
}

/** First line of a message, trimmed to fit one terminal line of a report. */
export function oneLine(s: string, max = 300): string {
  const first = s.split('\n')[0].trim();
  return first.length > max ? `${first.slice(0, max - 1)}…` : first;
}

/**
 * A failed tenant's error as the workflow reports it starts with "tenant <name> (<id>): "; the CLI
 * already prints the name and ID beside it.
 */
export function tenantError(error: string): string {
  return error.replace(/^tenant .*? \([0-9a-f-]{36}\): /i, '');
}
