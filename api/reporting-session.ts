/**
 * The transaction every API read runs in (ARCHITECTURE §3 rule 5).
 *
 *   BEGIN READ ONLY
 *   set_config('app.tenant_id', <the key's tenant>, true)   -- transaction-local, as withTenantTransaction does
 *   SET LOCAL ROLE reporting_reader                          -- the pool's owner role bypasses RLS; this one does not
 *   SET LOCAL TimeZone = 'UTC', DateStyle = 'ISO'            -- timestamps leave the server in UTC, ISO 8601
 *
 * Why not `withTenantTransaction` from lib/db: that helper ends every transaction with a ROLLBACK or
 * COMMIT on the same connection. When an HTTP client disconnects in the middle of a COPY, the
 * CopyOut is still on the wire and a ROLLBACK would queue behind the rest of the result (a million
 * rows of it). `abort()` instead discards the connection: Postgres rolls the transaction back when
 * the socket closes, at once. The statements it sets are the same.
 */
import type { Pool, PoolClient } from 'pg';

/** The NOLOGIN role the schema grants SELECT on the reporting views; RLS applies to it. */
export const READER_ROLE = 'reporting_reader';

export interface ReportingTransaction {
  readonly client: PoolClient;
  /** COMMIT and return the connection to the pool. */
  commit(): Promise<void>;
  /** Drop the connection (Postgres rolls back); safe to call after commit or twice. */
  abort(reason?: Error): void;
}

export async function openReportingTransaction(
  pool: Pool,
  tenantId: string,
  options: { statementTimeoutMs?: number } = {},
): Promise<ReportingTransaction> {
  const client = await pool.connect();
  let done = false;
  const abort = (reason?: Error) => {
    if (done) return;
    done = true;
    client.release(reason ?? new Error('reporting transaction aborted'));
  };
  try {
    // One round trip for the constant part (simple protocol allows several statements; SET takes no
    // bind parameters anyway, and nothing here comes from the request), one for the tenant.
    await client.query(`BEGIN READ ONLY; SET LOCAL ROLE ${READER_ROLE}; SET LOCAL TimeZone = 'UTC'; SET LOCAL DateStyle = 'ISO, YMD'`);
    await client.query(`SELECT set_config('app.tenant_id', $1, true)`, [tenantId]);
    if (options.statementTimeoutMs !== undefined) {
      await client.query(`SELECT set_config('statement_timeout', $1, true)`, [String(Math.max(0, Math.floor(options.statementTimeoutMs)))]);
    }
  } catch (err) {
    abort(err as Error);
    throw err;
  }
  return {
    client,
    async commit() {
      if (done) return;
      try {
        await client.query('COMMIT');
      } catch (err) {
        abort(err as Error);
        throw err;
      }
      done = true;
      client.release();
    },
    abort,
  };
}
