/**
 * The reporting HTTP API (issue 8): allow-listed views as CSV, Parquet and JSON for the API key's
 * tenant, the sample dashboards, and a health check.
 *
 *   GET /api/reporting/csv/:view       text/csv, streamed by COPY
 *   GET /api/reporting/parquet/:view   Parquet (ZSTD, DECIMAL money, µs UTC timestamps), row group by row group
 *   GET /api/reporting/json/:view      JSON array of row objects (what the dashboards read)
 *   GET /dashboard                     sample dashboards (chart.js)
 *   GET /healthz                       200 {status:"ok"} when Postgres answers, else 503
 *
 * Every error is a small JSON object `{ "error": "…" }`: no stack traces, SQL or echoed input.
 * `buildApiServer` returns the fastify instance unstarted; `lakehouse api` listens on API_PORT,
 * tests on port 0.
 */
import fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyReply } from 'fastify';
import type { Pool } from 'pg';
import type { Config } from '../lib/config';
import type { ExportTuning } from './exporters';
import { registerDashboardRoutes } from './routes/dashboard';
import { registerHealthRoute } from './routes/health';
import { registerReportingRoutes } from './routes/reporting';
import { REPORTING_VIEWS, type ViewAllowList } from './views';

export interface ApiServerOptions {
  pool: Pool;
  /** Accepted for symmetry with the other commands; the server itself needs only the pool. */
  config?: Pick<Config, 'apiPort'>;
  /** Defaults to REPORTING_VIEWS; tests and the benchmark pass their own allow-list. */
  views?: ViewAllowList;
  tuning?: ExportTuning;
  /** Per-statement limit inside a download's transaction; default none (a 1M-row COPY may take a while). */
  statementTimeoutMs?: number;
  /** true → JSON lines on stdout (the CLI); default silent (tests). */
  logger?: boolean | FastifyBaseLogger;
}

const MESSAGES: Record<number, string> = {
  400: 'bad request',
  401: 'missing or invalid API key',
  404: 'not found',
  405: 'method not allowed',
  406: 'not acceptable',
  413: 'request too large',
  414: 'request URI too long',
  415: 'unsupported media type',
  429: 'too many requests',
  431: 'request headers too large',
  503: 'service unavailable',
};

/** Pool checkout timeouts and refused connections: the database, not the request, is the problem. */
function isDatabaseUnavailable(err: unknown): boolean {
  const e = err as { code?: string; message?: string };
  return e?.code === 'ECONNREFUSED' || e?.code === '57P03' || /timeout exceeded when trying to connect/i.test(e?.message ?? '');
}

export async function buildApiServer(opts: ApiServerOptions): Promise<FastifyInstance> {
  const app = fastify({
    // Fastify logs no request headers by default; the redaction keeps it so should that change.
    ...(typeof opts.logger === 'object'
      ? { loggerInstance: opts.logger }
      : { logger: opts.logger === true ? { level: 'info', redact: ['req.headers.authorization'] } : false }),
    // GET handlers run queries; an automatic HEAD twin would run them for nothing.
    exposeHeadRoutes: false,
    // Nothing here accepts a body.
    bodyLimit: 1024,
    // View names are short; a longer path parameter is refused by the router (→ 414).
    routerOptions: { maxParamLength: 128 },
    return503OnClosing: true,
    // Malformed URLs (bad percent-encoding → 400) and over-long path parameters (→ 414): the
    // status fastify assigns, with a message that does not echo the input.
    frameworkErrors: (err, _req, reply) => {
      const code = (err as { statusCode?: number }).statusCode;
      const status = typeof code === 'number' && code >= 400 && code < 500 ? code : 400;
      void (reply as FastifyReply).code(status).header('cache-control', 'no-store').send({ error: MESSAGES[status] ?? 'bad request' });
    },
  });

  app.setErrorHandler((err: { statusCode?: unknown }, req, reply) => {
    const code = err?.statusCode;
    const status = typeof code === 'number' && code >= 400 && code < 500 ? code : isDatabaseUnavailable(err) ? 503 : 500;
    if (status >= 500) req.log.error({ err }, 'request failed');
    return reply
      .code(status)
      .header('cache-control', 'no-store')
      .send({ error: MESSAGES[status] ?? (status >= 500 ? 'internal error' : 'bad request') });
  });
  app.setNotFoundHandler((_req, reply) => reply.code(404).header('cache-control', 'no-store').send({ error: 'not found' }));

  await registerHealthRoute(app, { pool: opts.pool });
  await registerReportingRoutes(app, {
    pool: opts.pool,
    views: opts.views ?? REPORTING_VIEWS,
    tuning: opts.tuning,
    statementTimeoutMs: opts.statementTimeoutMs,
  });
  await registerDashboardRoutes(app);
  app.get('/', async (_req, reply) => reply.redirect('/dashboard'));
  return app;
}
