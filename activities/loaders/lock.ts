/**
 * The per-(tenant, stream) advisory lock that serialises everything writing or reading one stream
 * of one tenant: an hourly load and a backfill of the same stream, two retries of one activity on
 * different workers, and the lake exporter reading a table while its loader commits.
 *
 * It is a *transaction-level* lock (`pg_advisory_xact_lock`): Postgres releases it at COMMIT or
 * ROLLBACK, and when the backend dies, so a crashed worker can never leave it held and a pooled
 * connection can never carry it into someone else's work.
 *
 * Reusing it (the lake exporter): inside your own transaction, before reading the stream's table,
 *
 *     await lockStream(client, tenantId, 'fact_txn');
 *
 * or from psql / another language: `SELECT pg_advisory_xact_lock(<streamLockKey(tenant, stream)>)`.
 * The key is the first 8 bytes of sha256("lakehouse:<tenant uuid, lower case>:<stream>") as a
 * signed big-endian int64, so anything that can hash can reproduce it without asking Postgres.
 */
import { createHash } from 'node:crypto';
import type { PoolClient } from 'pg';

/** The advisory lock key (a signed int64, as a decimal string: pg takes it as `$1::bigint`). */
export function streamLockKey(tenantId: string, stream: string): string {
  const digest = createHash('sha256').update(`lakehouse:${tenantId.toLowerCase()}:${stream}`).digest();
  return digest.readBigInt64BE(0).toString();
}

/** Blocks until this transaction holds the (tenant, stream) lock; released at COMMIT/ROLLBACK. */
export async function lockStream(client: PoolClient, tenantId: string, stream: string): Promise<void> {
  await client.query('SELECT pg_advisory_xact_lock($1::bigint)', [streamLockKey(tenantId, stream)]);
}

/** Non-blocking variant: true when this transaction now holds the lock. */
export async function tryLockStream(client: PoolClient, tenantId: string, stream: string): Promise<boolean> {
  const { rows } = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_xact_lock($1::bigint) AS locked', [
    streamLockKey(tenantId, stream),
  ]);
  return rows[0].locked;
}
