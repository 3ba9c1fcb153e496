/**
 * Postgres access shared by activities, the CLI and the API.
 *
 * Tenant-scoped work goes through `withTenantTransaction`, which is the only place that sets
 * `app.tenant_id`: `set_config(..., true)` is transaction-local, so it must run inside BEGIN…COMMIT
 * (the seed's `SET LOCAL … $1` outside a transaction did nothing, and SET takes no bind parameters).
 */
import { Pool, type PoolClient, type PoolConfig } from 'pg';

// int8 (20) as bigint-safe strings is pg's default; numeric (1700) stays a string so money is exact.

export function createPool(connectionString: string, options: Partial<PoolConfig> = {}): Pool {
  const pool = new Pool({
    connectionString,
    max: 10,
    idleTimeoutMillis: 10_000,
    connectionTimeoutMillis: 10_000,
    application_name: 'loanserve-lakehouse',
    ...options,
  });
  // An idle client losing its connection must not crash the process; the next checkout reconnects.
  pool.on('error', () => undefined);
  return pool;
}

export async function withTransaction<T>(pool: Pool, fn: (client: PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  // A connection dropped mid-transaction makes pg emit 'error' on the checked-out client; without a
  // listener that crashes the whole worker. The failing query still rejects, so nothing is lost.
  const onError = () => undefined;
  client.on('error', onError);
  try {
    await client.query('BEGIN');
    const result = await fn(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.off('error', onError);
    client.release();
  }
}

/**
 * Runs `fn` in one transaction with `app.tenant_id` set for row-level security. Callers still put an
 * explicit `tenant_id = $1` predicate in their SQL: RLS is the second lock, not the only one.
 */
export async function withTenantTransaction<T>(
  pool: Pool,
  tenantId: string,
  fn: (client: PoolClient) => Promise<T>,
): Promise<T> {
  return withTransaction(pool, async (client) => {
    await client.query(`SELECT set_config('app.tenant_id', $1, true)`, [tenantId]);
    return fn(client);
  });
}

export const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
