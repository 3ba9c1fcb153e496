/**
 * Reporting rows for the API tests, written straight into reporting.* (and the two source tables
 * v_kpi_pipeline reads) so these tests depend on the schema, not on the loaders.
 *
 * Two tenants whose numbers differ everywhere (tenant B's amounts are in the millions, A's in the
 * hundreds; different pipeline counts and severities), so a leaked row changes a result visibly.
 * Tenant A's investor name carries a comma, quotes and a newline, and appears in
 * v_remit_by_investor_month: the CSV and Parquet paths must round-trip it.
 */
import { randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import { createApiKey } from '../../../api/auth';

export const TRICKY_INVESTOR_NAME = `O'Brien, "Quoted"\nLine2`;

export interface TenantFixture {
  id: string;
  name: string;
  key: string;
  keyId: string;
  investorName: string;
  pipeline: { intake: number; finalized: number; boarded: number };
}

interface TenantPlan {
  name: string;
  investorName: string;
  /** Multiplies every amount: A = 1, B = 10,000. */
  scale: number;
  pipeline: { intake: number; finalized: number; boarded: number };
  severities: string[];
}

const PLANS: TenantPlan[] = [
  { name: 'Tenant A', investorName: TRICKY_INVESTOR_NAME, scale: 1, pipeline: { intake: 3, finalized: 2, boarded: 4 }, severities: ['critical', 'major', 'major'] },
  { name: 'Tenant B', investorName: 'Bravo Capital', scale: 10_000, pipeline: { intake: 7, finalized: 1, boarded: 5 }, severities: ['minor', 'minor', 'minor', 'critical'] },
];

/** Inserts both tenants' rows and one API key each. Returns A and B in that order. */
export async function insertApiFixture(pool: Pool): Promise<[TenantFixture, TenantFixture]> {
  const out: TenantFixture[] = [];
  for (const plan of PLANS) {
    const tenantId = randomUUID();
    const investorId = randomUUID();
    await pool.query(`INSERT INTO public.tenants (id, name) VALUES ($1, $2)`, [tenantId, plan.name]);

    // Pipeline: loans in each state (v_kpi_pipeline counts public.loan_candidates).
    const states = [
      ...Array<string>(plan.pipeline.intake).fill('intake'),
      ...Array<string>(plan.pipeline.finalized).fill('finalized'),
      ...Array<string>(Math.ceil(plan.pipeline.boarded / 2)).fill('boarded'),
      ...Array<string>(Math.floor(plan.pipeline.boarded / 2)).fill('Active'),
    ];
    const loanIds = states.map(() => randomUUID());
    await pool.query(
      `INSERT INTO public.loan_candidates (id, tenant_id, state, principal)
       SELECT id, $1, state, 100000 FROM unnest($2::uuid[], $3::text[]) AS t(id, state)`,
      [tenantId, loanIds, states],
    );
    const loan = loanIds[0];

    await pool.query(
      `INSERT INTO reporting.dim_investor (investor_id, investor_name, delivery_type, active, tenant_id)
       VALUES ($1, $2, 'fannie', true, $3)`,
      [investorId, plan.investorName, tenantId],
    );

    // Cash: one PAYMENT per day for the last 10 UTC days, plus a FEE (not cash) and an older row.
    await pool.query(
      `INSERT INTO reporting.fact_txn (tenant_id, loan_id, d, type, amount, alloc_principal, alloc_interest, txn_id)
       SELECT $1::uuid, $2::uuid, (now() AT TIME ZONE 'UTC')::date - g, 'PAYMENT',
              (123.45 + g) * $3::numeric, (100.05 + g) * $3::numeric, 23.40 * $3::numeric, gen_random_uuid()
         FROM generate_series(0, 9) g
       UNION ALL
       SELECT $1::uuid, $2::uuid, (now() AT TIME ZONE 'UTC')::date - 2, 'FEE', 15.00 * $3::numeric, 0, 0, gen_random_uuid()
       UNION ALL
       SELECT $1::uuid, $2::uuid, (now() AT TIME ZONE 'UTC')::date - 90, 'PAYMENT', 999.99 * $3::numeric, 900.00 * $3::numeric, 99.99 * $3::numeric, gen_random_uuid()`,
      [tenantId, loan, plan.scale],
    );

    // QC: each severity one open defect, plus one that was opened then resolved (latest status wins).
    for (const severity of plan.severities) {
      await pool.query(
        `INSERT INTO reporting.fact_qc (tenant_id, loan_id, rule_code, severity, status, d, defect_id, status_at)
         VALUES ($1, $2, 'R-' || $3::text, $3, 'open', (now() AT TIME ZONE 'UTC')::date - 3, gen_random_uuid(), now() - interval '3 days')`,
        [tenantId, loan, severity],
      );
    }
    const resolved = randomUUID();
    await pool.query(
      `INSERT INTO reporting.fact_qc (tenant_id, loan_id, rule_code, severity, status, d, defect_id, status_at)
       VALUES ($1, $2, 'R-x', 'critical', 'open', (now() AT TIME ZONE 'UTC')::date - 5, $3, now() - interval '5 days'),
              ($1, $2, 'R-x', 'critical', 'resolved', (now() AT TIME ZONE 'UTC')::date - 1, $3, now() - interval '1 day')`,
      [tenantId, loan, resolved],
    );

    // Servicing snapshot for yesterday: loans spread over three buckets.
    await pool.query(
      `INSERT INTO reporting.fact_servicing (tenant_id, loan_id, d, upb, escrow_balance, delinquency_dpd, delinquency_bucket)
       SELECT $1::uuid, id, (now() AT TIME ZONE 'UTC')::date - 1, (95000.10 + ord) * $2::numeric, 1200.00, dpd, bucket
         FROM unnest($3::uuid[]) WITH ORDINALITY AS l(id, ord)
         CROSS JOIN LATERAL (SELECT CASE ord % 3 WHEN 0 THEN 0 WHEN 1 THEN 35 ELSE 95 END AS dpd) x
         CROSS JOIN LATERAL (SELECT CASE WHEN dpd >= 90 THEN '90+' WHEN dpd >= 30 THEN '30+' ELSE '0+' END AS bucket) y`,
      [tenantId, plan.scale, loanIds],
    );

    // Remittance: three month-ends, two loans each.
    await pool.query(
      `INSERT INTO reporting.fact_remit (tenant_id, investor_id, loan_id, d, principal, interest, escrow, svc_fee, strip_io, net, remit_item_id, remit_run_id)
       SELECT $1::uuid, $2::uuid, l, (date_trunc('month', now() AT TIME ZONE 'UTC') - make_interval(months => m) - interval '1 day')::date,
              (500.10 + m) * $3::numeric, 210.20 * $3::numeric, 80.00 * $3::numeric, 12.50 * $3::numeric, 3.25 * $3::numeric,
              ((500.10 + m) + 210.20 + 80.00 - 12.50 - 3.25) * $3::numeric, gen_random_uuid(), gen_random_uuid()
         FROM generate_series(0, 2) m, unnest($4::uuid[]) l`,
      [tenantId, investorId, plan.scale, loanIds.slice(0, 2)],
    );

    // Exports and notifications, with a status change each (latest status counts).
    await pool.query(
      `INSERT INTO reporting.fact_export (tenant_id, loan_id, template, status, d, export_id, status_at)
       SELECT $1::uuid, $2::uuid, t, s, (now() AT TIME ZONE 'UTC')::date, gen_random_uuid(), now() - interval '1 hour'
         FROM unnest(ARRAY['fannie','fannie','freddie'], ARRAY['succeeded','failed','succeeded']) AS x(t, s)`,
      [tenantId, loan],
    );
    await pool.query(
      `INSERT INTO reporting.fact_notify (tenant_id, loan_id, template_code, channel, status, d, notification_id, recipient, status_at)
       SELECT $1::uuid, $2::uuid, 'STMT', c, s, (now() AT TIME ZONE 'UTC')::date, gen_random_uuid(), 'someone@example.com', now() - interval '1 hour'
         FROM unnest(ARRAY['email','email','sms'], ARRAY['sent','failed','sent']) AS x(c, s)`,
      [tenantId, loan],
    );

    const { id: keyId, key } = await createApiKey(pool, tenantId, `${plan.name} test key`);
    out.push({ id: tenantId, name: plan.name, key, keyId, investorName: plan.investorName, pipeline: plan.pipeline });
  }
  return [out[0], out[1]];
}

/**
 * A view's rows as the API's role sees them for one tenant — the oracle the downloads are compared
 * with. Read with pass-through type parsers, so every value is Postgres' own text form (what COPY
 * CSV writes too), under the same TimeZone and DateStyle as the API.
 */
export async function viewRowsAsTenant(pool: Pool, qualified: string, tenantId: string): Promise<{ columns: string[]; rows: (string | null)[][] }> {
  const client = await pool.connect();
  try {
    await client.query(`BEGIN READ ONLY; SET LOCAL ROLE reporting_reader; SET LOCAL TimeZone = 'UTC'; SET LOCAL DateStyle = 'ISO, YMD'`);
    await client.query(`SELECT set_config('app.tenant_id', $1, true)`, [tenantId]);
    const res = await client.query({
      text: `SELECT * FROM ${qualified}`,
      rowMode: 'array',
      types: { getTypeParser: () => (v: string) => v } as never,
    });
    await client.query('ROLLBACK');
    return { columns: res.fields.map((f) => f.name), rows: res.rows as (string | null)[][] };
  } finally {
    client.release();
  }
}
