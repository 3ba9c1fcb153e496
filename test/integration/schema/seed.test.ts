/**
 * The synthetic data generator: deterministic for a seed and asOf (checksummed across databases),
 * different for another seed, internally consistent (balances recomputable from transactions), and
 * realistic enough to exercise the loaders (delinquency buckets, status mixes, late fees).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendActivity, datasetChecksum, injectLateRow, injectStatusChange, seedDatabase, type SeedSummary } from '../../../lib/seed';
import { createTestDatabase, type TestDatabase } from '../../support/db';

const AS_OF = new Date('2026-06-15T00:00:00Z');
const OPTS = { tenants: 2, loans: 150, days: 400, seed: 7, asOf: AS_OF };

let dbA: TestDatabase;
let dbB: TestDatabase;
let dbC: TestDatabase;
let summaryA: SeedSummary;

beforeAll(async () => {
  [dbA, dbB, dbC] = await Promise.all([createTestDatabase('seed_a'), createTestDatabase('seed_b'), createTestDatabase('seed_c')]);
  summaryA = await seedDatabase(dbA.pool, OPTS);
});
afterAll(async () => {
  await Promise.allSettled([dbA?.drop(), dbB?.drop(), dbC?.drop()]);
});

const one = async <T = Record<string, unknown>>(db: TestDatabase, sql: string, params: unknown[] = []) =>
  (await db.pool.query(sql, params)).rows[0] as T;

describe('determinism', () => {
  it('the same seed and asOf give identical data in another database', async () => {
    const summaryB = await seedDatabase(dbB.pool, OPTS);
    expect(summaryB.rows).toEqual(summaryA.rows);
    expect(summaryB.tenants).toEqual(summaryA.tenants);
    expect(await datasetChecksum(dbB.pool)).toBe(await datasetChecksum(dbA.pool));
  });

  it('seeding the same seed again replaces the tenants\' data instead of duplicating it', async () => {
    const before = await datasetChecksum(dbB.pool);
    await seedDatabase(dbB.pool, OPTS);
    expect(await datasetChecksum(dbB.pool)).toBe(before);
    expect(await one(dbB, `SELECT count(*)::int AS n FROM public.loan_candidates`)).toEqual({ n: 300 });
  });

  it('a different seed gives different data', async () => {
    await seedDatabase(dbC.pool, { ...OPTS, seed: 8 });
    expect(await datasetChecksum(dbC.pool)).not.toBe(await datasetChecksum(dbA.pool));
  });
});

describe('the generated book', () => {
  it('has the requested shape', () => {
    expect(summaryA.tenants.map((t) => t.name)).toEqual(['Acme Mortgage Servicing', 'Blue Harbor Loan Services']);
    expect(summaryA.rows).toMatchObject({ tenants: 2, loan_candidates: 300, inv_investors: 8, qc_rules: 16 });
    for (const table of ['loan_datapoints', 'svc_schedule', 'svc_txns', 'svc_escrow_sub', 'qc_defects', 'exports', 'notifications', 'inv_remit_runs', 'inv_remit_items']) {
      expect(summaryA.rows[table], table).toBeGreaterThan(0);
    }
  });

  it('stamps every row before asOf, so loaders find everything', async () => {
    const r = await one<Record<string, Date>>(
      dbA,
      `SELECT greatest((SELECT max(updated_at) FROM public.svc_txns), (SELECT max(ts) FROM public.svc_txns),
                       (SELECT max(updated_at) FROM public.svc_schedule), (SELECT max(paid_at) FROM public.svc_schedule),
                       (SELECT max(updated_at) FROM public.loan_candidates), (SELECT max(updated_at) FROM public.loan_datapoints),
                       (SELECT max(updated_at) FROM public.qc_defects), (SELECT max(status_at) FROM public.qc_defects),
                       (SELECT max(updated_at) FROM public.exports), (SELECT max(status_at) FROM public.exports),
                       (SELECT max(updated_at) FROM public.notifications), (SELECT max(status_at) FROM public.notifications),
                       (SELECT max(updated_at) FROM public.svc_escrow_sub), (SELECT max(updated_at) FROM public.inv_remit_items),
                       (SELECT max(updated_at) FROM public.inv_investors)) AS latest,
              (SELECT min(least(created_at, updated_at)) FROM public.svc_txns WHERE updated_at < created_at) AS backwards`,
    );
    expect(r.latest.getTime()).toBeLessThan(AS_OF.getTime());
    expect(r.latest.getTime()).toBeGreaterThan(AS_OF.getTime() - 7 * 86_400_000);
    expect(r.backwards).toBeNull();
  });

  it('has every transaction type and moving statuses', async () => {
    const types = await dbA.pool.query(`SELECT type FROM public.svc_txns GROUP BY type ORDER BY type`);
    expect(types.rows.map((x) => x.type)).toEqual(['ADJUSTMENT', 'BOARDING', 'DISBURSEMENT', 'FEE', 'PAYMENT']);
    const statuses = async (table: string) =>
      (await dbA.pool.query(`SELECT array_agg(DISTINCT status ORDER BY status) AS s FROM public.${table}`)).rows[0].s;
    expect(await statuses('qc_defects')).toEqual(['open', 'resolved', 'waived']);
    expect(await statuses('exports')).toEqual(expect.arrayContaining(['failed', 'succeeded']));
    expect(await statuses('notifications')).toEqual(expect.arrayContaining(['failed', 'sent', 'suppressed']));
    const states = await dbA.pool.query(`SELECT array_agg(DISTINCT state ORDER BY state) AS s FROM public.loan_candidates`);
    expect(states.rows[0].s).toEqual(['Active', 'boarded', 'finalized', 'intake']);
  });

  it('has a realistic delinquency mix at asOf, including 30+, 60+ and 90+ loans', async () => {
    const r = await dbA.pool.query<{ bucket: string; n: number }>(
      `WITH oldest AS (
         SELECT l.id, (SELECT min(s.due_date) FROM public.svc_schedule s
                       WHERE s.loan_id = l.id AND s.due_date <= $1::date AND (s.paid_at IS NULL OR s.paid_at >= $1::timestamptz)) AS due
         FROM public.loan_candidates l WHERE l.state = 'Active')
       SELECT CASE WHEN due IS NULL OR $1::date - due < 30 THEN 'current' WHEN $1::date - due < 60 THEN '30+'
                   WHEN $1::date - due < 90 THEN '60+' ELSE '90+' END AS bucket, count(*)::int AS n
       FROM oldest GROUP BY 1`,
      [AS_OF.toISOString()],
    );
    const by = Object.fromEntries(r.rows.map((x) => [x.bucket, x.n]));
    const total = r.rows.reduce((a, x) => a + x.n, 0);
    expect(by['30+']).toBeGreaterThan(0);
    expect(by['60+']).toBeGreaterThan(0);
    expect(by['90+']).toBeGreaterThan(0);
    expect(by.current / total).toBeGreaterThan(0.75);
    expect(by.current / total).toBeLessThan(0.97);
  });

  it('schedules amortise exactly: principal sums to the loan amount and ends at zero', async () => {
    const r = await one(
      dbA,
      `SELECT count(*) FILTER (WHERE s.total <> l.principal OR s.last_balance <> 0)::int AS bad, count(*)::int AS loans
       FROM public.loan_candidates l
       JOIN (SELECT loan_id, sum(principal_due) AS total,
                    (array_agg(principal_balance_after ORDER BY installment_no DESC))[1] AS last_balance
             FROM public.svc_schedule GROUP BY loan_id) s ON s.loan_id = l.id`,
    );
    expect(r).toMatchObject({ bad: 0 });
    expect(r.loans).toBeGreaterThan(250);
  });

  it('balances are recomputable from transactions (the identities the servicing snapshot relies on)', async () => {
    // UPB: the BOARDING amount less principal collected equals the balance after the last paid installment.
    const upb = await one(
      dbA,
      `SELECT count(*) FILTER (WHERE b.amount - coalesce(p.principal, 0) <> coalesce(s.balance, l.principal))::int AS bad, count(*)::int AS n
       FROM public.loan_candidates l
       JOIN public.svc_txns b ON b.loan_id = l.id AND b.type = 'BOARDING'
       LEFT JOIN (SELECT loan_id, sum(alloc_principal) AS principal FROM public.svc_txns WHERE type IN ('PAYMENT', 'ADJUSTMENT') GROUP BY loan_id) p
         ON p.loan_id = l.id
       LEFT JOIN LATERAL (SELECT principal_balance_after AS balance FROM public.svc_schedule s
                          WHERE s.loan_id = l.id AND s.paid_at IS NOT NULL ORDER BY installment_no DESC LIMIT 1) s ON true`,
    );
    expect(upb).toMatchObject({ bad: 0 });
    // Escrow: the sub-account balances equal the running sum of alloc_escrow.
    expect(await escrowMismatches(dbA)).toBe(0);
    // Remittance arithmetic.
    expect(await one(dbA, `SELECT count(*)::int AS bad FROM public.inv_remit_items WHERE net_remit <> principal_collected + interest_collected - svc_fee - strip_io`)).toEqual({ bad: 0 });
    // Late payments carry the late charge assessed (as a FEE row) before them.
    const fees = await one<{ paid: number; unmatched: number }>(
      dbA,
      `SELECT count(*)::int AS paid,
              count(*) FILTER (WHERE NOT EXISTS (
                SELECT 1 FROM public.svc_txns f WHERE f.loan_id = p.loan_id AND f.type = 'FEE'
                  AND f.ref->'installment_no' = p.ref->'installment_no' AND f.amount = p.alloc_fees AND f.ts < p.ts))::int AS unmatched
       FROM public.svc_txns p WHERE p.type = 'PAYMENT' AND p.alloc_fees > 0`,
    );
    expect(fees.paid).toBeGreaterThan(0);
    expect(fees.unmatched).toBe(0);
  });

  it('borrower PII is fake but shaped like the real thing', async () => {
    const r = await dbA.pool.query<{ key: string; normalized_value: string }>(
      `SELECT key, normalized_value FROM public.loan_datapoints WHERE key IN ('BorrowerEmail', 'BorrowerPhone', 'BorrowerFullName')`,
    );
    for (const { key, normalized_value: v } of r.rows) {
      if (key === 'BorrowerEmail') expect(v).toMatch(/^[a-z]+\.[a-z]+\d+@example\.(com|net|org)$/);
      if (key === 'BorrowerPhone') expect(v).toMatch(/^\+1-\d{3}-555-\d{4}$/);
      if (key === 'BorrowerFullName') expect(v).toMatch(/^[A-Z][a-z]+ [A-Z][A-Za-z']+$/);
    }
    expect(r.rows.length).toBe(900);
  });
});

async function escrowMismatches(db: TestDatabase): Promise<number> {
  return (
    await one<{ bad: number }>(
      db,
      `SELECT count(*)::int AS bad
       FROM (SELECT loan_id, sum(balance) AS bal FROM public.svc_escrow_sub GROUP BY loan_id) e
       FULL JOIN (SELECT loan_id, sum(alloc_escrow) AS bal FROM public.svc_txns GROUP BY loan_id) t USING (loan_id)
       WHERE e.bal IS DISTINCT FROM t.bal`,
    )
  ).bad;
}

describe('appendActivity', () => {
  const at = new Date(AS_OF.getTime() + 9 * 3_600_000);

  it('adds payments and status changes stamped in the hour before `at`, keeping balances consistent', async () => {
    const paidBefore = (await one<{ n: number }>(dbA, `SELECT count(*)::int AS n FROM public.svc_schedule WHERE paid_at IS NOT NULL`)).n;
    const s = await appendActivity(dbA.pool, { seed: OPTS.seed, at });
    expect(s.payments).toBeGreaterThan(0);
    expect(s.notificationsMoved + s.exportsMoved + s.defectsClosed).toBeGreaterThan(0);

    const window = [new Date(at.getTime() - 3_600_000).toISOString(), at.toISOString(), AS_OF.toISOString()];
    const fresh = await one<Record<string, number>>(
      dbA,
      `SELECT (SELECT count(*) FROM public.svc_txns WHERE updated_at >= $3)::int AS txns,
              (SELECT count(*) FROM public.svc_txns WHERE updated_at >= $3 AND NOT (updated_at > $1 AND updated_at <= $2))::int AS txns_outside,
              (SELECT count(*) FROM public.notifications WHERE updated_at >= $3 AND NOT (updated_at > $1 AND updated_at <= $2))::int AS notify_outside,
              (SELECT count(*) FROM public.exports WHERE updated_at >= $3 AND NOT (updated_at > $1 AND updated_at <= $2))::int AS exports_outside,
              (SELECT count(*) FROM public.qc_defects WHERE updated_at >= $3 AND NOT (updated_at > $1 AND updated_at <= $2))::int AS defects_outside,
              (SELECT count(*) FROM public.svc_schedule WHERE paid_at IS NOT NULL)::int AS paid`,
      window,
    );
    expect(fresh).toEqual({ txns: s.payments, txns_outside: 0, notify_outside: 0, exports_outside: 0, defects_outside: 0, paid: paidBefore + s.payments });
    expect(await escrowMismatches(dbA)).toBe(0);
  });

  it('is deterministic: the same call on an identical database gives identical data', async () => {
    // dbB holds the same seed (determinism tests above); append the same activity there.
    await appendActivity(dbB.pool, { seed: OPTS.seed, at });
    expect(await datasetChecksum(dbB.pool)).toBe(await datasetChecksum(dbA.pool));
  });

  it('can be limited to some tenants', async () => {
    const later = new Date(at.getTime() + 3_600_000);
    const only = summaryA.tenants[1].id;
    await appendActivity(dbA.pool, { seed: OPTS.seed, at: later, tenants: [only] });
    const r = await dbA.pool.query(`SELECT DISTINCT tenant_id::text AS t FROM public.svc_txns WHERE updated_at > $1`, [at.toISOString()]);
    expect(r.rows.map((x) => x.t)).toEqual([only]);
  });
});

describe('injection helpers', () => {
  it('injectLateRow inserts a payment whose updated_at lies in the past', async () => {
    const tenantId = summaryA.tenants[0].id;
    const updatedAt = new Date(AS_OF.getTime() - 2 * 3_600_000);
    const row = await injectLateRow(dbA.pool, { tenantId, updatedAt, amount: '42.10' });
    const r = await one(dbA, `SELECT tenant_id::text, type, amount, alloc_interest, updated_at, created_at FROM public.svc_txns WHERE id = $1`, [row.id]);
    expect(r).toEqual({ tenant_id: tenantId, type: 'PAYMENT', amount: '42.10', alloc_interest: '42.10', updated_at: updatedAt, created_at: updatedAt });
    await expect(injectLateRow(dbA.pool, { tenantId: '00000000-0000-4000-8000-000000000000', updatedAt })).rejects.toThrow(/has no loans/);
  });

  it('injectStatusChange moves a status with explicit stamps, and refuses unknown statuses', async () => {
    const { id } = await one<{ id: string }>(dbA, `SELECT id::text FROM public.exports WHERE status = 'failed' ORDER BY id LIMIT 1`);
    const statusAt = new Date(AS_OF.getTime() + 60_000);
    const updatedAt = new Date(AS_OF.getTime() - 60_000);
    await injectStatusChange(dbA.pool, { table: 'exports', id, status: 'succeeded', statusAt, updatedAt });
    expect(await one(dbA, `SELECT status, status_at, updated_at FROM public.exports WHERE id = $1`, [id])).toEqual({ status: 'succeeded', status_at: statusAt, updated_at: updatedAt });
    await expect(injectStatusChange(dbA.pool, { table: 'exports', id, status: 'bogus', statusAt })).rejects.toThrow(/must be one of/);
  });
});
