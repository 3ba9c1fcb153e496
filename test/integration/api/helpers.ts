/**
 * Running the real API server in a test: its own pool (as in production), every SQL statement it
 * sends recorded, and a raw HTTP client that sends paths byte for byte (fetch would normalise
 * `..` segments and percent-encoding before a hostile path ever reached the server).
 */
import http from 'node:http';
import type { FastifyInstance } from 'fastify';
import type { Pool, PoolClient } from 'pg';
import { buildApiServer, type ApiServerOptions } from '../../../api/server';
import { createPool } from '../../../lib/db';

export interface RunningApi {
  url: string;
  port: number;
  app: FastifyInstance;
  pool: Pool;
  /** Every statement the server sent to Postgres, in order. */
  statements: string[];
  close(): Promise<void>;
}

function statementText(q: unknown): string {
  if (typeof q === 'string') return q;
  const t = (q as { text?: unknown })?.text;
  return typeof t === 'string' ? t : '<unknown>';
}

/** A Pool whose query() and clients' query() record statement texts. */
function recordingPool(pool: Pool, statements: string[]): Pool {
  const patched = new WeakSet<PoolClient>();
  return new Proxy(pool, {
    get(target, prop) {
      if (prop === 'query') {
        return (q: unknown, ...rest: unknown[]) => {
          statements.push(statementText(q));
          return (target.query as (...a: unknown[]) => unknown)(q, ...rest);
        };
      }
      if (prop === 'connect') {
        return async () => {
          const client = await target.connect();
          if (!patched.has(client)) {
            patched.add(client);
            const original = client.query.bind(client) as (...a: unknown[]) => unknown;
            (client as unknown as { query: unknown }).query = (q: unknown, ...rest: unknown[]) => {
              statements.push(statementText(q));
              return original(q, ...rest);
            };
          }
          return client;
        };
      }
      const value = Reflect.get(target, prop, target) as unknown;
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

export async function startApi(dbUrl: string, options: Omit<ApiServerOptions, 'pool'> & { poolMax?: number } = {}): Promise<RunningApi> {
  const statements: string[] = [];
  const realPool = createPool(dbUrl, { max: options.poolMax ?? 4 });
  const pool = recordingPool(realPool, statements);
  const app = await buildApiServer({ ...options, pool });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  if (!address || typeof address === 'string') throw new Error('server has no TCP address');
  return {
    url: `http://127.0.0.1:${address.port}`,
    port: address.port,
    app,
    pool: realPool,
    statements,
    async close() {
      await app.close();
      await realPool.end();
    },
  };
}

export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/** GET (or another method) with the path sent exactly as given. */
export function rawRequest(port: number, path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path, method, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

export const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

/** Sorts rows so views without ORDER BY compare as multisets. */
export function sortRows<T>(rows: T[][]): T[][] {
  return [...rows].sort((a, b) => {
    const x = JSON.stringify(a);
    const y = JSON.stringify(b);
    return x < y ? -1 : x > y ? 1 : 0;
  });
}

/** "0.500000" and "0.5000" are the same number: strips trailing fractional zeros for comparison. */
export function normalizeDecimalText(v: string | null): string | null {
  if (v === null || !/^-?\d+\.\d+$/.test(v)) return v;
  return v.replace(/0+$/, '').replace(/\.$/, '');
}

/** Waits until the server's pool has every client back and idle (downloads settled). */
export async function waitForIdlePool(pool: Pool, timeoutMs = 5000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (pool.totalCount === pool.idleCount && pool.waitingCount === 0) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`pool did not settle: total ${pool.totalCount}, idle ${pool.idleCount}, waiting ${pool.waitingCount}`);
}
