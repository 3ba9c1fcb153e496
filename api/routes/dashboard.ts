/**
 * GET /dashboard — the sample dashboards: a static page that fetches the JSON endpoints with the
 * user's API key (api/README.md explains how the key reaches the page).
 *
 * The files are a fixed list read once at start-up; there is no path from the URL to the
 * filesystem. Chart.js is served from node_modules (no CDN: the page must work offline and under a
 * strict Content-Security-Policy).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';

const DASHBOARD_DIR = path.join(__dirname, '..', 'dashboard');
// chart.js exports only its entry points; its UMD build sits beside the CommonJS one in dist/.
const CHART_UMD = path.join(path.dirname(require.resolve('chart.js')), 'chart.umd.min.js');

const CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

interface Asset {
  body: Buffer;
  type: string;
}

function load(file: string, type: string): Asset {
  return { body: readFileSync(file), type };
}

export async function registerDashboardRoutes(app: FastifyInstance): Promise<void> {
  const assets: Record<string, Asset> = {
    '/dashboard': load(path.join(DASHBOARD_DIR, 'index.html'), 'text/html; charset=utf-8'),
    '/dashboard/app.js': load(path.join(DASHBOARD_DIR, 'app.js'), 'text/javascript; charset=utf-8'),
    '/dashboard/app.css': load(path.join(DASHBOARD_DIR, 'app.css'), 'text/css; charset=utf-8'),
    '/dashboard/vendor/chart.umd.min.js': load(CHART_UMD, 'text/javascript; charset=utf-8'),
  };
  for (const [url, asset] of Object.entries(assets)) {
    app.get(url, async (_req, reply) =>
      reply
        .header('content-type', asset.type)
        .header('content-security-policy', CSP)
        // The key may arrive in the URL fragment; never let the page's URL leak through a Referer.
        .header('referrer-policy', 'no-referrer')
        .header('x-content-type-options', 'nosniff')
        .header('cache-control', 'no-cache')
        .send(asset.body),
    );
  }
  app.get('/dashboard/', async (_req, reply) => reply.redirect('/dashboard'));
}
