/**
 * GET /api/reporting/{csv,parquet,json}/:view — allow-listed reporting views for the key's tenant.
 *
 * Order of checks: the key first (401 tells an anonymous caller nothing about views), then the
 * view against the allow-list (404 "view not allowed", the seed's message), and only then any
 * statement that touches reporting data. Refused requests run at most the read-only key lookup.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Pool, PoolClient } from 'pg';
import { authenticate, touchApiKey, type ApiPrincipal } from '../auth';
import { csvChunks, DEFAULT_TUNING, jsonChunks, parquetChunks, type ExportTuning } from '../exporters';
import { openReportingTransaction } from '../reporting-session';
import { sendStream } from '../send-stream';
import { resolveView, type ReportingView, type ViewAllowList } from '../views';

export interface ReportingRouteOptions {
  pool: Pool;
  views: ViewAllowList;
  tuning?: ExportTuning;
  statementTimeoutMs?: number;
}

type Format = 'csv' | 'parquet' | 'json';

const CONTENT: Record<Format, { type: string; ext: string }> = {
  csv: { type: 'text/csv; charset=utf-8', ext: 'csv' },
  parquet: { type: 'application/vnd.apache.parquet', ext: 'parquet' },
  json: { type: 'application/json; charset=utf-8', ext: 'json' },
};

export async function unauthorized(reply: FastifyReply): Promise<FastifyReply> {
  return reply
    .code(401)
    .header('www-authenticate', 'Bearer realm="lakehouse-reporting"')
    .header('cache-control', 'no-store')
    .send({ error: 'missing or invalid API key' });
}

/** Resolves the request's key to its tenant, or sends 401 and returns undefined. */
export async function requireKey(pool: Pool, req: FastifyRequest, reply: FastifyReply): Promise<ApiPrincipal | undefined> {
  const principal = await authenticate(pool, req.headers.authorization);
  if (!principal) await unauthorized(reply);
  return principal;
}

export async function registerReportingRoutes(app: FastifyInstance, opts: ReportingRouteOptions): Promise<void> {
  const tuning = opts.tuning ?? DEFAULT_TUNING;

  const handler = (format: Format) => async (req: FastifyRequest<{ Params: { view: string } }>, reply: FastifyReply) => {
    const principal = await requireKey(opts.pool, req, reply);
    if (!principal) return reply;
    const view = resolveView(opts.views, req.params.view);
    if (!view) return reply.code(404).header('cache-control', 'no-store').send({ error: 'view not allowed' });

    await touchApiKey(opts.pool, principal.keyId);
    const tx = await openReportingTransaction(opts.pool, principal.tenantId, { statementTimeoutMs: opts.statementTimeoutMs });
    req.log.info({ view: view.name, format, tenant: principal.tenantId, key: principal.keyId }, 'reporting download');
    await sendStream(req, reply, tx, headersFor(format, view), chunks(format, tx.client, view, principal.tenantId));
    return reply;
  };

  function chunks(format: Format, client: PoolClient, view: ReportingView, tenantId: string): AsyncIterable<Uint8Array | string> {
    if (format === 'csv') return csvChunks(client, view, tenantId);
    if (format === 'parquet') return parquetChunks(client, view, tenantId, tuning);
    return jsonChunks(client, view, tenantId, tuning);
  }

  for (const format of Object.keys(CONTENT) as Format[]) {
    app.get(`/api/reporting/${format}/:view`, handler(format));
  }
}

function headersFor(format: Format, view: ReportingView): Record<string, string> {
  const { type, ext } = CONTENT[format];
  return {
    'content-type': type,
    // view.name matches /^v_[a-z0-9_]+$/ (views.ts), so it needs no quoting beyond the quotes.
    'content-disposition': `${format === 'json' ? 'inline' : 'attachment'}; filename="${view.name}.${ext}"`,
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
  };
}
