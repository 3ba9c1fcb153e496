/**
 * The sample dashboards in headless Chromium (Debian's, via playwright-core): with a valid key
 * every chart is drawn with the tenant's data, the console stays clean, nothing is fetched from
 * anywhere but this server, and a screenshot is saved to test-results/dashboard.png.
 *
 * A missing Chromium fails this file with a message saying how to install it (never a skip).
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey, revokeApiKey } from '../../../api/auth';
import { launchChromium } from '../../support/browser';
import { createTestDatabase, type TestDatabase } from '../../support/db';
import { insertApiFixture, TRICKY_INVESTOR_NAME, type TenantFixture } from './fixtures';
import { startApi, type RunningApi } from './helpers';

const SCREENSHOT = path.join(process.cwd(), 'test-results', 'dashboard.png');

let db: TestDatabase;
let api: RunningApi;
let browser: Browser;
let A: TenantFixture;

beforeAll(async () => {
  db = await createTestDatabase('api_dashboard');
  [A] = await insertApiFixture(db.pool);
  api = await startApi(db.url);
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await api?.close();
  await db?.drop();
});

interface Watched {
  page: Page;
  consoleErrors: string[];
  foreignRequests: string[];
}

async function openPage(): Promise<Watched> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const consoleErrors: string[] = [];
  const foreignRequests: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') consoleErrors.push(`${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => consoleErrors.push(`pageerror: ${e.message}`));
  page.on('request', (r) => {
    if (!r.url().startsWith(api.url) && !/^(data|blob):/.test(r.url())) foreignRequests.push(r.url());
  });
  return { page, consoleErrors, foreignRequests };
}

interface ChartSummary {
  id: string;
  view: string;
  type: string;
  labels: string[];
  datasets: { label: string; data: number[] }[];
  points: number;
}

async function charts(page: Page): Promise<ChartSummary[]> {
  return page.evaluate(() => {
    type ChartLike = { config: { type?: string }; data: { labels?: unknown[]; datasets: { label?: string; data: unknown[] }[] } };
    const g = globalThis as unknown as { Chart: { getChart(c: unknown): ChartLike | undefined }; document: { querySelectorAll(s: string): ArrayLike<{ id: string; dataset: Record<string, string> }> } };
    return Array.from(g.document.querySelectorAll('canvas')).map((canvas) => {
      const chart = g.Chart.getChart(canvas);
      const datasets = (chart?.data.datasets ?? []).map((d) => ({ label: String(d.label ?? ''), data: d.data.map(Number) }));
      return {
        id: canvas.id,
        view: canvas.dataset.view ?? '',
        type: String(chart?.config.type ?? 'none'),
        labels: (chart?.data.labels ?? []).map(String),
        datasets,
        points: datasets.reduce((n, d) => n + d.data.length, 0),
      };
    });
  });
}

describe('dashboard in headless Chromium', () => {
  it('renders every chart with the tenant\'s data and a clean console; the key leaves the URL', async () => {
    const { page, consoleErrors, foreignRequests } = await openPage();
    await page.goto(`${api.url}/dashboard#key=${encodeURIComponent(A.key)}`);
    await page.waitForSelector('body[data-state="ready"]', { timeout: 60_000 });

    expect(page.url()).toBe(`${api.url}/dashboard`);
    expect(await page.evaluate(() => (globalThis as unknown as { sessionStorage: { getItem(k: string): string | null } }).sessionStorage.getItem('lakehouse.apiKey'))).toBe(A.key);

    const drawn = await charts(page);
    expect(drawn.map((c) => c.view)).toEqual(['v_kpi_pipeline', 'v_cash_last_30', 'v_qc_open_by_severity', 'v_delinquency_by_bucket', 'v_remit_by_investor_month']);
    for (const c of drawn) {
      expect(c.type, c.id).not.toBe('none');
      expect(c.points, c.id).toBeGreaterThan(0);
      expect(c.datasets.every((d) => d.data.every(Number.isFinite)), c.id).toBe(true);
    }
    const byView = Object.fromEntries(drawn.map((c) => [c.view, c]));
    // Tenant A's numbers (fixtures.ts), not B's and not both summed.
    expect(byView.v_kpi_pipeline.datasets[0].data).toEqual([3, 2, 4]);
    expect(byView.v_cash_last_30.labels).toHaveLength(10);
    expect(byView.v_cash_last_30.datasets[0].data.at(-1)).toBeCloseTo(123.45, 2);
    expect(Object.fromEntries(byView.v_qc_open_by_severity.labels.map((l, i) => [l, byView.v_qc_open_by_severity.datasets[0].data[i]]))).toEqual({ critical: 1, major: 2 });
    expect(byView.v_delinquency_by_bucket.labels).toEqual(['0+', '30+', '60+', '90+', '120+']);
    expect(byView.v_delinquency_by_bucket.datasets[0].data.reduce((a, b) => a + b, 0)).toBe(9);
    expect(byView.v_remit_by_investor_month.datasets.map((d) => d.label)).toEqual([TRICKY_INVESTOR_NAME]);
    expect(byView.v_remit_by_investor_month.labels).toHaveLength(3);
    expect(await page.textContent('#kpi-intake')).toBe('3');

    mkdirSync(path.dirname(SCREENSHOT), { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });

    expect(consoleErrors).toEqual([]);
    expect(foreignRequests).toEqual([]);
    await page.context().close();
  });

  it('without a key it asks for one; a wrong key is refused; the right one shows the charts', async () => {
    const { page, foreignRequests } = await openPage();
    await page.goto(`${api.url}/dashboard`);
    await page.waitForSelector('body[data-state="need-key"]');
    expect(await page.isVisible('#key-form')).toBe(true);
    expect(await page.isVisible('#dashboards')).toBe(false);

    await page.fill('#key-input', 'lhk_0000000000000000_' + 'a'.repeat(43));
    await page.click('#key-form button[type=submit]');
    await page.waitForFunction(() => {
      const d = (globalThis as unknown as { document: { body: { dataset: Record<string, string> }; getElementById(id: string): { textContent: string | null } } }).document;
      return d.body.dataset.state === 'need-key' && (d.getElementById('key-error').textContent ?? '').length > 0;
    });
    expect(await page.textContent('#key-error')).toMatch(/not accepted/);

    await page.fill('#key-input', A.key);
    await page.click('#key-form button[type=submit]');
    await page.waitForSelector('body[data-state="ready"]', { timeout: 60_000 });
    expect((await charts(page)).every((c) => c.points > 0)).toBe(true);
    expect(foreignRequests).toEqual([]);
    await page.context().close();
  });

  it('a key revoked while the page is open is asked for again on reload', async () => {
    const k = await createApiKey(db.pool, A.id, 'dashboard revoke');
    const { page } = await openPage();
    await page.goto(`${api.url}/dashboard#key=${k.key}`);
    await page.waitForSelector('body[data-state="ready"]', { timeout: 60_000 });
    await revokeApiKey(db.pool, k.id);
    await page.reload();
    await page.waitForSelector('body[data-state="need-key"]', { timeout: 60_000 });
    expect(await page.evaluate(() => (globalThis as unknown as { sessionStorage: { getItem(k: string): string | null } }).sessionStorage.getItem('lakehouse.apiKey'))).toBeNull();
    await page.context().close();
  });

  it('serves the page with a strict Content-Security-Policy and Chart.js from this server', async () => {
    const page = await fetch(`${api.url}/dashboard`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(page.headers.get('referrer-policy')).toBe('no-referrer');
    const html = await page.text();
    expect(html).not.toMatch(/https?:\/\//);
    const lib = await fetch(`${api.url}/dashboard/vendor/chart.umd.min.js`);
    expect(lib.status).toBe(200);
    expect(await lib.text()).toMatch(/Chart\.js v4\./);
  });
});
