/**
 * Values for our search attributes that respect the server's limits. A search attribute value may
 * be at most 2 KB by default (`limit.searchAttributeSize`), and an upsert over it fails the
 * workflow task — forever. 36-character tenant IDs fill that at ~50 tenants, so LakehouseTenants
 * lists as many as fit (sorted, so the choice is stable) and the progress query / result carry the
 * full list.
 */
const TENANTS_BUDGET_BYTES = 1800;

export function tenantsAttributeValue(ids: string[]): string[] {
  const out: string[] = [];
  let bytes = 2; // the encoded JSON array's brackets
  for (const id of [...ids].sort()) {
    bytes += id.length + 3; // quotes and comma
    if (bytes > TENANTS_BUDGET_BYTES) break;
    out.push(id);
  }
  return out;
}
