/**
 * Test-side access to the shared stack: a Config pointed at this file's database and the run's
 * Temporal and S3 servers, and an in-process worker on a task queue of the test's own.
 */
import { randomBytes } from 'node:crypto';
import { NativeConnection, Runtime, DefaultLogger, type Worker } from '@temporalio/worker';
import { Client, Connection } from '@temporalio/client';
import { inject } from 'vitest';
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { loadConfig, type Config } from '../../lib/config';
import { createS3Client } from '../../lib/lake/store';
import { createLakehouseWorker } from '../../worker/create-worker';
import type { TestDatabase } from './db';

let runtimeInstalled = false;
function quietRuntime(): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  Runtime.install({ logger: new DefaultLogger('WARN') });
}

export function testConfig(db: Pick<TestDatabase, 'url'>, env: Record<string, string> = {}): Config {
  return loadConfig({
    DB_URL: db.url,
    TEMPORAL_ADDRESS: inject('temporalAddress'),
    TEMPORAL_UI_URL: inject('temporalUiUrl'),
    LAKEHOUSE_TASK_QUEUE: `test-${randomBytes(4).toString('hex')}`,
    LAKE_STORE: 's3',
    S3_ENDPOINT: inject('s3Endpoint'),
    LAKE_BUCKET: `lake-${randomBytes(4).toString('hex')}`,
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    ETL_PII_TOKEN_KEY: 'test-token-key-0123456789',
    // Seeded rows are in the past; no need to wait for in-flight transactions in tests.
    ETL_SAFETY_LAG_SECONDS: '0',
    METRICS_PORT: '0',
    ...env,
  });
}

export interface TestWorker {
  config: Config;
  client: Client;
  /** Runs a worker while `fn` runs; it stops when `fn` settles (a Worker runs once, so each call makes a new one). */
  run<T>(fn: () => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export async function startTestWorker(db: TestDatabase, config: Config = testConfig(db)): Promise<TestWorker> {
  quietRuntime();
  // Each test's lake lives in a bucket of its own on the S3 server (in production the bucket exists).
  if (config.lake.store === 's3') {
    const s3 = createS3Client(config.lake);
    await s3.send(new CreateBucketCommand({ Bucket: config.lake.bucket })).catch((err: { name?: string }) => {
      if (err.name !== 'BucketAlreadyOwnedByYou' && err.name !== 'BucketAlreadyExists') throw err;
    });
    s3.destroy();
  }
  const nativeConnection = await NativeConnection.connect({ address: config.temporal.address });
  const newWorker = (): Promise<Worker> =>
    createLakehouseWorker({ config, pool: db.pool, connection: nativeConnection, workflowBundlePath: inject('workflowBundlePath'), shutdownGraceTime: '5s' });
  const connection = await Connection.connect({ address: config.temporal.address });
  const client = new Client({ connection, namespace: config.temporal.namespace });
  return {
    config,
    client,
    run: async (fn) => (await newWorker()).runUntil(fn),
    async close() {
      await connection.close();
      await nativeConnection.close();
    },
  };
}
