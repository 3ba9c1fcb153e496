/**
 * Tenant fan-out: which tenants a run covers. Unknown tenant IDs are bad input (non-retryable):
 * retrying will not make them exist.
 */
import { ApplicationFailure } from '@temporalio/common';
import { UUID_RE } from '../lib/db';
import { ERROR_TYPES } from '../lib/constants';
import type { ActivityDeps } from './deps';

export interface TenantRef {
  id: string;
  name: string;
}

export function createTenantActivities({ pool }: ActivityDeps) {
  return {
    /** Active tenants, or exactly `only` (validated) when a run names its tenants. */
    async listTenants(only?: string[]): Promise<TenantRef[]> {
      if (only && only.length > 0) {
        const bad = only.filter((id) => !UUID_RE.test(id));
        if (bad.length > 0) throw ApplicationFailure.nonRetryable(`not a tenant ID (uuid expected): ${bad.join(', ')}`, ERROR_TYPES.invalidInput);
        const { rows } = await pool.query<TenantRef>('SELECT id::text, name FROM tenants WHERE id = ANY($1::uuid[]) ORDER BY name, id', [only]);
        const found = new Set(rows.map((r) => r.id));
        const missing = only.filter((id) => !found.has(id.toLowerCase()));
        if (missing.length > 0) throw ApplicationFailure.nonRetryable(`unknown tenant: ${missing.join(', ')}`, ERROR_TYPES.unknownTenant);
        return rows;
      }
      const { rows } = await pool.query<TenantRef>('SELECT id::text, name FROM tenants WHERE active ORDER BY name, id');
      return rows;
    },
  };
}
