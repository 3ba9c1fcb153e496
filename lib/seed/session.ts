/**
 * Session helpers for the generator's SQL: a deterministic hash-based PRNG and deterministic UUIDs.
 *
 * They are created in `pg_temp` (this connection's private schema, gone when it closes), so the
 * generator adds nothing to the database's schema — DDL proper lives only in migrations/. Simple
 * SQL functions marked IMMUTABLE are inlined by the planner, so calling them per row is cheap.
 *
 * Randomness is md5(seed | key): the same seed and row key give the same value on any Postgres,
 * independent of row order, parallelism or how many rows came before (unlike random()/setseed()).
 * One md5 yields four independent uniforms (32 bits each), so hot paths hash once per row.
 */
import type { Pool, PoolClient } from 'pg';
import { withTransaction } from '../db';

const SESSION_SQL = `
CREATE OR REPLACE FUNCTION pg_temp.h(p_seed bigint, p_key text) RETURNS text
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  AS $$ SELECT md5(p_seed::text || '|' || p_key) $$;

-- Uniform in [0, 1) from 32 bits of hash p_h, slot p_i in 0..3.
CREATE OR REPLACE FUNCTION pg_temp.u(p_h text, p_i int) RETURNS double precision
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  AS $$ SELECT ('x' || substr(p_h, 1 + 8 * p_i, 8))::bit(32)::bigint / 4294967296.0 $$;

CREATE OR REPLACE FUNCTION pg_temp.did(p_seed bigint, p_key text) RETURNS uuid
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  AS $$ SELECT md5('uuid|' || p_seed::text || '|' || p_key)::uuid $$;

-- Level-payment amortisation: balance after installment p_k of p_n at monthly rate p_r, rounded to
-- cents. Principal due is the difference of consecutive rounded balances, so a schedule's
-- principal sums to the loan amount exactly and the final balance is exactly 0.
CREATE OR REPLACE FUNCTION pg_temp.bal(p_principal numeric, p_r double precision, p_n int, p_k int) RETURNS numeric
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  AS $$
    SELECT CASE
      WHEN p_k <= 0 THEN p_principal
      WHEN p_k >= p_n THEN 0::numeric
      WHEN p_r = 0 THEN round(p_principal * (p_n - p_k) / p_n, 2)
      ELSE round((p_principal::double precision * power(1 + p_r, p_k)
                  - (p_principal::double precision * p_r / (1 - power(1 + p_r, -p_n))) * (power(1 + p_r, p_k) - 1) / p_r)::numeric, 2)
    END
  $$;
`;

/**
 * Runs fn in one transaction prepared for generator SQL: TimeZone UTC for this transaction only
 * (dates derived from timestamps are UTC dates, as in the facts; the pooled connection keeps its
 * own setting afterwards) and the helper functions.
 */
export async function withSeedTransaction<T>(pool: Pool, fn: (client: PoolClient) => Promise<T>): Promise<T> {
  return withTransaction(pool, async (client) => {
    await client.query(`SET LOCAL TimeZone = 'UTC'`);
    // The generator joins and sorts a tenant's installments (millions of rows at benchmark scale).
    await client.query(`SET LOCAL work_mem = '256MB'`);
    await client.query(SESSION_SQL);
    return fn(client);
  });
}

/** The start of asOf's UTC day: the default "now" of a generated data set. */
export function startOfUtcDay(d: Date): Date {
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()));
}
