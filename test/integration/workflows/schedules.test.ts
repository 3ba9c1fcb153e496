/**
 * etl-hourly / etl-nightly on the real dev server: applying is idempotent and keeps an operator's
 * pause; triggering the hourly schedule runs a real load; the UI lists that run with its summary
 * and search attributes (checked in headless Chromium, screenshot saved).
 */
import { ScheduleOverlapPolicy } from '@temporalio/client';
import { mkdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SCHEDULE_IDS, SEARCH_ATTRIBUTES } from '../../../lib/constants';
import { seedDatabase } from '../../../lib/seed';
import { applySchedules } from '../../../lib/temporal/schedules';
import type { RunResult } from '../../../lib/workflow-types';
import { createTestDatabase, type TestDatabase } from '../../support/db';
import { txnDifference } from '../../support/facts';
import { SCHEDULE_NAMESPACES } from '../../support/names';
import { startTestWorker, testConfig, type TestWorker } from '../../support/stack';
import type { Page } from 'playwright-core';
import { launchChromium } from '../../support/browser';

describe('schedules', () => {
  let db: TestDatabase;
  let tw: TestWorker;

  beforeAll(async () => {
    db = await createTestDatabase('sched');
    await seedDatabase(db.pool, { tenants: 2, loans: 8, days: 20, seed: 3, asOf: new Date('2026-11-25T00:00:00Z') });
    const config = testConfig(db, { TEMPORAL_NAMESPACE: SCHEDULE_NAMESPACES.workflows, ETL_HOURLY_CRON: '7 * * * *', ETL_NIGHTLY_CRON: '30 3 * * *' });
    tw = await startTestWorker(db, config);
  });
  afterAll(async () => {
    for (const id of Object.values(SCHEDULE_IDS)) await tw?.client.schedule.getHandle(id).delete().catch(() => undefined);
    await tw?.close();
    await db?.drop();
  });

  it('apply creates both with the configured crons, then updates idempotently and keeps a pause', async () => {
    expect(await applySchedules(tw.client, tw.config)).toEqual([
      { id: 'etl-hourly', action: 'created', paused: false },
      { id: 'etl-nightly', action: 'created', paused: false },
    ]);
    const hourly = await tw.client.schedule.getHandle('etl-hourly').describe();
    const nightly = await tw.client.schedule.getHandle('etl-nightly').describe();
    // describe() returns calendars, never the cron string: "7 * * * *" is minute 7 of every hour.
    expect(hourly.spec.calendars?.[0]).toMatchObject({ minute: [{ start: 7, end: 7, step: 1 }], hour: [{ start: 0, end: 23, step: 1 }] });
    expect(nightly.spec.calendars?.[0]).toMatchObject({ minute: [{ start: 30, end: 30, step: 1 }], hour: [{ start: 3, end: 3, step: 1 }] });
    expect(hourly.spec.timezone).toBe('UTC');
    expect(hourly.policies.overlap).toBe(ScheduleOverlapPolicy.SKIP);
    expect(nightly.policies.overlap).toBe(ScheduleOverlapPolicy.BUFFER_ONE);
    expect(hourly.action.workflowType).toBe('hourlyEtlWorkflow');

    await tw.client.schedule.getHandle('etl-nightly').pause('month-end close: hold the lake');
    expect(await applySchedules(tw.client, tw.config)).toEqual([
      { id: 'etl-hourly', action: 'updated', paused: false },
      { id: 'etl-nightly', action: 'updated', paused: true },
    ]);
    const again = await tw.client.schedule.getHandle('etl-nightly').describe();
    expect(again.state.paused).toBe(true);
    expect(again.state.note).toBe('month-end close: hold the lake');
    const hourlyAgain = await tw.client.schedule.getHandle('etl-hourly').describe();
    expect(hourlyAgain.spec.calendars).toEqual(hourly.spec.calendars);
    expect(hourlyAgain.policies).toEqual(hourly.policies);
  });

  it('triggering etl-hourly loads every tenant, and the UI lists the run with summary and search attributes', async () => {
    const handle = tw.client.schedule.getHandle('etl-hourly');
    const result = await tw.run(async () => {
      await handle.trigger(ScheduleOverlapPolicy.SKIP);
      let runId: string | undefined;
      for (let i = 0; i < 100 && !runId; i++) {
        runId = (await handle.describe()).info.recentActions[0]?.action.workflow.workflowId;
        if (!runId) await new Promise((r) => setTimeout(r, 200));
      }
      expect(runId).toMatch(/^etl-hourly-\d{4}-\d{2}-\d{2}T/);
      return { id: runId!, result: (await tw.client.workflow.getHandle(runId!).result()) as RunResult };
    });
    expect(result.result.phase).toBe('done');
    expect(result.result.tenantsDone).toBe(2);
    expect(await txnDifference(db.pool)).toEqual({ missing: 0, extra: 0, duplicates: 0 });

    const desc = await tw.client.workflow.getHandle(result.id).describe();
    expect(desc.typedSearchAttributes.get(SEARCH_ATTRIBUTES.kind)).toBe('hourly');
    expect(desc.typedSearchAttributes.get(SEARCH_ATTRIBUTES.failedCount)).toBe(0);
    expect(desc.typedSearchAttributes.get(SEARCH_ATTRIBUTES.tenants)?.length).toBe(2);
    expect(await desc.staticSummary()).toMatch(/^Hourly ETL/);

    const browser = await launchChromium();
    try {
      const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      const ns = SCHEDULE_NAMESPACES.workflows;
      await page.goto(`${tw.config.temporal.uiUrl}/namespaces/${ns}/workflows`, { waitUntil: 'networkidle' });
      await page.getByText(result.id).first().waitFor({ timeout: 30_000 });
      await page.goto(`${tw.config.temporal.uiUrl}/namespaces/${ns}/workflows/${encodeURIComponent(result.id)}`, { waitUntil: 'networkidle' });
      await page.getByText(result.id).first().waitFor({ timeout: 30_000 });
      // The summary and the search attributes are tabs of the run's page.
      mkdirSync('test-results', { recursive: true });
      await page.getByText('User Metadata', { exact: true }).first().click();
      // The UI renders the summary's Markdown in a sandboxed frame.
      await expect.poll(async () => frameTexts(page), { timeout: 15_000 }).toContain('Hourly ETL: dimensions and activity facts, incremental, every active tenant');
      await page.screenshot({ path: 'test-results/temporal-ui-hourly-summary.png', fullPage: true });
      await page.getByText('Search Attributes', { exact: true }).first().click();
      await page.getByText('LakehouseFailedCount').first().waitFor({ timeout: 15_000 });
      await page.screenshot({ path: 'test-results/temporal-ui-hourly-run.png', fullPage: true });
      const body = await page.locator('body').innerText();
      expect(body).toContain('"LakehouseKind": "hourly"');
      expect(body).toContain('"LakehouseFailedCount": 0');
      expect(body).toContain('"TemporalScheduledById": "etl-hourly"');
      expect(errors).toEqual([]);
    } finally {
      await browser.close();
    }
  });
});

async function frameTexts(page: Page): Promise<string> {
  const texts = await Promise.all(page.frames().map((f) => f.locator('body').innerText().catch(() => '')));
  return texts.join('\n');
}
