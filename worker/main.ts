/**
 * The worker process: config → deps → Worker.create → graceful shutdown.
 *
 * One process, horizontally scalable (run more of them against the same task queue). SIGINT/SIGTERM
 * stop polling and give in-flight loads `shutdownGraceTime` to commit or roll back; a load that is
 * cut off anyway rolls back in Postgres and is retried elsewhere, since its watermark moves only with
 * its rows.
 */
import { NativeConnection, Runtime, DefaultLogger, type LogLevel } from '@temporalio/worker';
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Config } from '../lib/config';
import { createPool } from '../lib/db';
import { registerSearchAttributes } from '../lib/temporal/search-attributes';
import { connectTemporal } from '../lib/temporal/connection';
import { createLakehouseWorker } from './create-worker';

/** Built by `npm run build:workflows`; used when present so production start-up skips webpack. */
export const PREBUILT_BUNDLE = path.resolve(__dirname, '..', 'dist', 'workflow-bundle.js');

let runtimeInstalled = false;

/** Structured JSON logs and the Prometheus endpoint. Once per process, before any connection. */
export function installRuntime(config: Config, level: LogLevel = 'INFO'): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  Runtime.install({
    logger: new DefaultLogger(level, (entry) => {
      process.stdout.write(
        `${JSON.stringify({ ts: new Date(Number(entry.timestampNanos / 1_000_000n)).toISOString(), level: entry.level, msg: entry.message, ...entry.meta })}\n`,
      );
    }),
    telemetryOptions: config.metricsPort > 0 ? { metrics: { prometheus: { bindAddress: `127.0.0.1:${config.metricsPort}` } } } : undefined,
  });
}

export async function runWorker(config: Config, opts: { workflowBundlePath?: string; signal?: AbortSignal } = {}): Promise<void> {
  installRuntime(config);
  // Check reachability with the client first: its error names the address and what to check.
  const probe = await connectTemporal(config);
  await registerSearchAttributes(probe, config.temporal.namespace);
  await probe.close();

  const pool = createPool(config.dbUrl, { max: 10 });
  const connection = await NativeConnection.connect({ address: config.temporal.address });
  const bundle = opts.workflowBundlePath ?? (existsSync(PREBUILT_BUNDLE) ? PREBUILT_BUNDLE : undefined);
  try {
    const worker = await createLakehouseWorker({ config, pool, connection, workflowBundlePath: bundle });
    if (opts.signal) opts.signal.addEventListener('abort', () => worker.shutdown(), { once: true });
    await worker.run();
  } finally {
    await connection.close();
    await pool.end();
  }
}
