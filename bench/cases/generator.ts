/**
 * Case 5 — the generator (lib/seed): rows/s while it builds the main data set's tenants.
 *
 * Each tenant is one transaction of ~35 set-based statements, generated independently of the others
 * (its rows depend only on the seed and its number), so each tenant is one sample. The per-step
 * trace says where the time goes. The reference is the same run's plain set-based INSERT … SELECT
 * into svc_txns (the multiply that grows the data set), i.e. how fast these tables take rows when
 * nothing has to be computed.
 */
import type { Pool } from 'pg';
import { TENANT_STEPS } from '../../lib/seed/generate-sql';
import { seedDatabase } from '../../lib/seed/generate';
import type { Scale } from '../scales';

export interface GeneratorRun {
  /** rows/s per tenant */
  perTenantRowsPerSec: number[];
  totalRows: number;
  totalMs: number;
  /** ms per step name, summed over tenants, largest first */
  steps: Array<{ name: string; ms: number; rows: number }>;
  tenants: Array<{ id: string; name: string }>;
}

const TRACE = /^tenant (\d+) (\S+): (\d+) rows in (\d+) ms$/;

export async function runGenerator(pool: Pool, size: Scale['generator'], seed: number, asOf: Date): Promise<GeneratorRun> {
  const tableSteps = new Set(TENANT_STEPS.filter((s) => s.table).map((s) => s.name));
  const rowsByTenant = new Map<number, number>();
  const steps = new Map<string, { ms: number; rows: number }>();
  const tenantMs: number[] = [];
  let last = Date.now();
  const started = last;

  const summary = await seedDatabase(pool, {
    ...size,
    seed,
    asOf,
    trace: (line) => {
      const m = TRACE.exec(line);
      if (!m) return;
      const [, t, step, rows, ms] = m;
      const s = steps.get(step) ?? { ms: 0, rows: 0 };
      s.ms += Number(ms);
      s.rows += Number(rows);
      steps.set(step, s);
      if (tableSteps.has(step)) rowsByTenant.set(Number(t), (rowsByTenant.get(Number(t)) ?? 0) + Number(rows));
    },
    log: () => {
      const now = Date.now();
      tenantMs.push(now - last);
      last = now;
    },
  });

  const totalRows = Object.values(summary.rows).reduce((a, b) => a + b, 0);
  const perTenantRowsPerSec = tenantMs.map((ms, i) => (rowsByTenant.get(i + 1) ?? NaN) / (ms / 1000));
  return {
    perTenantRowsPerSec,
    totalRows,
    totalMs: Date.now() - started,
    steps: [...steps.entries()].map(([name, s]) => ({ name, ...s })).sort((a, b) => b.ms - a.ms),
    tenants: summary.tenants,
  };
}
