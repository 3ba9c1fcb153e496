/**
 * API keys: `Authorization: Bearer lhk_<id>_<secret>`, each bound to one tenant.
 *
 * Only SHA-256 of the secret is stored (reporting.api_keys, migration 030). The secret is 32
 * random bytes, so a fast hash is enough: scrypt/bcrypt exist to slow down guessing low-entropy
 * passwords, and 2^256 guesses are out of reach either way. The public `id` part lets the server
 * find the row with an index lookup and compare hashes in constant time, instead of searching by
 * hash.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Pool } from 'pg';
import { BadInputError } from '../lib/errors';
import { UUID_RE } from '../lib/db';

const KEY_PREFIX = 'lhk_';
// Fixed lengths make the format unambiguous even though base64url may contain '_'.
const KEY_RE = /^lhk_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;
export const KEY_ID_RE = /^[0-9a-f]{16}$/;
// The auth-scheme is case-insensitive (RFC 9110 §11.1); the token is one run of visible ASCII.
const BEARER_RE = /^bearer ([!-~]{1,256})$/i;

export interface ApiPrincipal {
  keyId: string;
  tenantId: string;
}

export interface ApiKeyRow {
  id: string;
  tenantId: string;
  label: string | null;
  createdAt: Date;
  revokedAt: Date | null;
  lastUsedAt: Date | null;
}

export function hashSecret(secret: string): Buffer {
  return createHash('sha256').update(secret, 'utf8').digest();
}

/** Splits a presented key into its id and secret; undefined when it is not shaped like one of ours. */
export function parseApiKey(key: string): { id: string; secret: string } | undefined {
  const m = KEY_RE.exec(key);
  return m ? { id: m[1], secret: m[2] } : undefined;
}

/** The token from an `Authorization` header, or undefined for a missing header or another scheme. */
export function bearerToken(header: string | string[] | undefined): string | undefined {
  if (typeof header !== 'string') return undefined;
  const m = BEARER_RE.exec(header);
  return m ? m[1] : undefined;
}

export function generateApiKey(): { id: string; secret: string; key: string } {
  const id = randomBytes(8).toString('hex');
  const secret = randomBytes(32).toString('base64url');
  return { id, secret, key: `${KEY_PREFIX}${id}_${secret}` };
}

// Compared against when the id is unknown, so a miss costs the same hash-and-compare as a hit.
const DUMMY_HASH = hashSecret('not-a-key');

/**
 * The principal for a request's Authorization header, or undefined (→ 401). Reads only: a forged
 * or revoked key leaves nothing behind in Postgres.
 */
export async function authenticate(pool: Pool, authorization: string | string[] | undefined): Promise<ApiPrincipal | undefined> {
  const token = bearerToken(authorization);
  if (token === undefined) return undefined;
  const parsed = parseApiKey(token);
  if (!parsed) return undefined;
  const { rows } = await pool.query<{ tenant_id: string; key_hash: string; revoked: boolean }>(
    `SELECT k.tenant_id, k.key_hash, (k.revoked_at IS NOT NULL) AS revoked
       FROM reporting.api_keys k
      WHERE k.id = $1`,
    [parsed.id],
  );
  const row = rows[0];
  const stored = row ? Buffer.from(row.key_hash, 'hex') : DUMMY_HASH;
  const presented = hashSecret(parsed.secret);
  const match = stored.length === presented.length && timingSafeEqual(stored, presented);
  if (!row || !match || row.revoked) return undefined;
  return { keyId: parsed.id, tenantId: row.tenant_id };
}

/**
 * Records use for `lakehouse api keys list`, at most once a minute per key so a dashboard's burst
 * of requests is one write, not one per chart.
 */
export async function touchApiKey(pool: Pool, keyId: string): Promise<void> {
  await pool.query(
    `UPDATE reporting.api_keys SET last_used_at = now()
      WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')`,
    [keyId],
  );
}

/** Creates a key for an existing tenant; the returned `key` is the only time the secret exists in clear. */
export async function createApiKey(pool: Pool, tenantId: string, label?: string): Promise<{ id: string; key: string; tenantId: string }> {
  if (!UUID_RE.test(tenantId)) throw new BadInputError(`--tenant must be a tenant UUID (got "${tenantId}")`);
  if (label !== undefined && (label.length > 200 || [...label].some((c) => c.charCodeAt(0) < 0x20 || c === '\x7f'))) {
    throw new BadInputError('--label must be at most 200 printable characters');
  }
  const { id, secret, key } = generateApiKey();
  // One statement: the tenant check and the insert cannot disagree, and an unknown tenant inserts nothing.
  const { rowCount } = await pool.query(
    `INSERT INTO reporting.api_keys (id, tenant_id, key_hash, label)
     SELECT $1, t.id, $3, $4 FROM public.tenants t WHERE t.id = $2`,
    [id, tenantId.toLowerCase(), hashSecret(secret).toString('hex'), label ?? null],
  );
  if (rowCount !== 1) throw new BadInputError(`unknown tenant ${tenantId}`);
  return { id, key, tenantId: tenantId.toLowerCase() };
}

export async function listApiKeys(pool: Pool, tenantId?: string): Promise<ApiKeyRow[]> {
  if (tenantId !== undefined && !UUID_RE.test(tenantId)) throw new BadInputError(`--tenant must be a tenant UUID (got "${tenantId}")`);
  const { rows } = await pool.query<{ id: string; tenant_id: string; label: string | null; created_at: Date; revoked_at: Date | null; last_used_at: Date | null }>(
    `SELECT id, tenant_id, label, created_at, revoked_at, last_used_at
       FROM reporting.api_keys
      WHERE $1::uuid IS NULL OR tenant_id = $1::uuid
      ORDER BY created_at, id`,
    [tenantId ?? null],
  );
  return rows.map((r) => ({ id: r.id, tenantId: r.tenant_id, label: r.label, createdAt: r.created_at, revokedAt: r.revoked_at, lastUsedAt: r.last_used_at }));
}

/** Revokes a key; revoking twice keeps the first revocation time. Unknown ids are bad input. */
export async function revokeApiKey(pool: Pool, keyId: string): Promise<{ id: string; revokedAt: Date; alreadyRevoked: boolean }> {
  if (!KEY_ID_RE.test(keyId)) throw new BadInputError(`key id must be 16 hex characters as shown by "lakehouse api keys list" (got "${keyId}")`);
  const { rows } = await pool.query<{ revoked_at: Date; already: boolean }>(
    `WITH prev AS (SELECT id, revoked_at FROM reporting.api_keys WHERE id = $1 FOR UPDATE)
     UPDATE reporting.api_keys k SET revoked_at = COALESCE(prev.revoked_at, now())
       FROM prev WHERE k.id = prev.id
     RETURNING k.revoked_at, (prev.revoked_at IS NOT NULL) AS already`,
    [keyId],
  );
  if (rows.length === 0) throw new BadInputError(`unknown API key id ${keyId}`);
  return { id: keyId, revokedAt: rows[0].revoked_at, alreadyRevoked: rows[0].already };
}
