/**
 * Starts the real stack once per test run: embedded Postgres (with a migrated template database
 * that each test file clones), the Temporal dev server with our search attributes, and moto's S3
 * server — all on free loopback ports, all stopped at the end.
 */
import { mkdtempSync, chmodSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { bundleWorkflowCode } from '@temporalio/worker';
import { writeFileSync } from 'node:fs';
import { Client } from 'pg';
import { migrate } from '../../lib/migrate';
import { freePort } from '../../lib/stack/ports';
import { startEmbeddedPostgres } from '../../lib/stack/postgres';
import { startS3Server } from '../../lib/stack/s3-server';
import { startTemporalDevServer } from '../../lib/stack/temporal-server';
import { connectTemporal } from '../../lib/temporal/connection';
import { registerSearchAttributes } from '../../lib/temporal/search-attributes';
import { TEMPLATE_DB } from './names';

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

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const stateDir = mkdtempSync(path.join(os.tmpdir(), 'lakehouse-test-'));
  chmodSync(stateDir, 0o755);
  const log = (line: string) => process.stderr.write(`[stack] ${line}\n`);
  const started = Date.now();

  const [pgPort, tPort, uiPort, s3Port] = [await freePort(), await freePort(), await freePort(), await freePort()];
  const [pg, temporal, s3] = await Promise.all([
    startEmbeddedPostgres({ stateDir, port: pgPort, ephemeral: true }),
    startTemporalDevServer({ port: tPort, uiPort, stateDir, log }),
    startS3Server({ port: s3Port, stateDir, log }),
  ]);

  const admin = new Client({ connectionString: pg.adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${TEMPLATE_DB}`);
  await admin.end();
  await migrate(pg.urlFor(TEMPLATE_DB));

  const connection = await connectTemporal({ temporal: { address: temporal.address } }, 60_000);
  await registerSearchAttributes(connection, 'default');
  await connection.close();

  // One webpack bundle for every test worker: bundling per test file costs seconds each on 2 cores.
  const { code } = await bundleWorkflowCode({ workflowsPath: require.resolve('../../workflows'), logger: quietLogger });
  const workflowBundlePath = path.join(stateDir, 'workflow-bundle.js');
  writeFileSync(workflowBundlePath, code);

  log(`stack up in ${((Date.now() - started) / 1000).toFixed(1)} s: postgres :${pgPort}, temporal ${temporal.address} (ui ${temporal.uiUrl}), s3 ${s3.endpoint}`);
  project.provide('pgAdminUrl', pg.adminUrl);
  project.provide('pgTemplateDb', TEMPLATE_DB);
  project.provide('temporalAddress', temporal.address);
  project.provide('temporalUiUrl', temporal.uiUrl);
  project.provide('s3Endpoint', s3.endpoint);
  project.provide('workflowBundlePath', workflowBundlePath);
  project.provide('stateDir', stateDir);

  return async () => {
    await Promise.allSettled([temporal.stop(), s3.stop(), pg.stop()]);
    rmSync(stateDir, { recursive: true, force: true });
  };
}

const quietLogger = {
  log: () => undefined,
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: (m: string) => process.stderr.write(`[bundle] ${m}\n`),
  error: (m: string) => process.stderr.write(`[bundle] ${m}\n`),
};
