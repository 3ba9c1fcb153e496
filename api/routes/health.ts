/**
 * GET /healthz — unauthenticated; 200 when Postgres answers, 503 otherwise. Says nothing about
 * tenants, views or the database beyond "reachable".
 */
import type { FastifyInstance } from 'fastify';
import type { Pool } from 'pg';

export async function registerHealthRoute(app: FastifyInstance, opts: { pool: Pool }): Promise<void> {
  app.get('/healthz', async (req, reply) => {
    reply.header('cache-control', 'no-store');
    try {
      await opts.pool.query('SELECT 1');
      return { status: 'ok' };
    } catch (err) {
      req.log.warn({ err }, 'health check: database unreachable');
      return reply.code(503).send({ status: 'unavailable' });
    }
  });
}
