/**
 * `npm run demo`: the main job end to end on embedded defaults — stack up, synthetic data, an hourly
 * and a nightly run through Temporal (loads, snapshot, lake export, reconciliation) — then a summary,
 * and everything stopped again (unless --keep).
 */
import { NativeConnection, Runtime, DefaultLogger } from '@temporalio/worker';
import type { Command } from 'commander';
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import type { Pool } from 'pg';
import { redactUrl, type Config } from '../../lib/config';
import { createPool } from '../../lib/db';
import { appendActivity, seedDatabase } from '../../lib/seed';
import { startLocalStack } from '../../lib/stack/local-stack';
import { temporalClient } from '../../lib/temporal/connection';
import type { RunResult } from '../../lib/workflow-types';
import { createLakehouseWorker } from '../../worker/create-worker';
import { action, cliConfig, EXIT } from '../context';
import { STATE_DIR } from './dev';

const REPORTING_TABLES = ['dim_date', 'dim_investor', 'dim_loan', 'fact_txn', 'fact_qc', 'fact_export', 'fact_notify', 'fact_remit', 'fact_servicing'] as const;

export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description('Run the whole pipeline once on the embedded stack and print a summary (what `npm run demo` does).')
    .option('--keep', 'leave the stack and a worker running afterwards (Ctrl-C stops them)')
    .addHelpText('after', `
First run seeds 3 tenants × 500 loans × 90 days; later runs append an hour of new activity, so the
hourly run has a real delta. State (Postgres data, Temporal history, the lake) lives in ./.lakehouse.

Example:
  $ npm ci && npm run demo
  $ npm run demo -- --keep     # then open http://127.0.0.1:8233`)
    .action(
      action(async (opts: { keep?: boolean }) => {
        const log = (l: string) => process.stdout.write(`${l}\n`);
        Runtime.install({ logger: new DefaultLogger('WARN') });
        const t0 = Date.now();
        const stack = await startLocalStack(cliConfig(), { stateDir: STATE_DIR, log });
        const { config } = stack;
        const pool = createPool(config.dbUrl);
        const connection = await NativeConnection.connect({ address: config.temporal.address });
        const client = await temporalClient(config);
        let exitCode: number = EXIT.ok;
        try {
          const { rows } = await pool.query<{ n: string }>('SELECT count(*)::text AS n FROM tenants');
          if (rows[0].n === '0') {
            log('seeding 3 tenants × 500 loans × 90 days of synthetic servicing data…');
            await seedDatabase(pool, { tenants: 3, loans: 500, days: 90, seed: 42 });
          } else {
            log('appending new activity since the last run…');
            await appendActivity(pool, { seed: 42, at: new Date() });
          }

          const worker = await createLakehouseWorker({ config, pool, connection });
          const stamp = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
          const runs: Array<{ id: string; result?: RunResult; error?: string }> = [];
          const runAll = async () => {
            for (const kind of ['hourly', 'nightly'] as const) {
              const id = `demo-${kind}-${stamp}`;
              log(`running ${kind} ETL: ${config.temporal.uiUrl}/namespaces/${config.temporal.namespace}/workflows/${encodeURIComponent(id)}`);
              try {
                const result = await client.workflow.execute(kind === 'hourly' ? 'hourlyEtlWorkflow' : 'nightlyEtlWorkflow', {
                  workflowId: id,
                  taskQueue: config.temporal.taskQueue,
                  args: [{ concurrency: config.etl.tenantConcurrency }],
                  staticSummary: `demo ${kind} run`,
                });
                runs.push({ id, result: result as RunResult });
              } catch (err) {
                runs.push({ id, error: err instanceof Error ? (err.cause instanceof Error ? err.cause.message : err.message) : String(err) });
              }
            }
          };
          if (opts.keep) {
            await runAll();
            await printSummary(pool, config, runs, t0, log);
            log(`\nstack kept up (--keep): Temporal UI ${config.temporal.uiUrl}; worker running; Ctrl-C to stop.`);
            const stop = new Promise<void>((resolve) => {
              process.once('SIGINT', () => resolve());
              process.once('SIGTERM', () => resolve());
            });
            await worker.runUntil(stop);
          } else {
            await worker.runUntil(runAll());
            await printSummary(pool, config, runs, t0, log);
          }
          if (runs.some((r) => r.error)) exitCode = EXIT.runFailed;
        } finally {
          await client.connection.close();
          await connection.close();
          await pool.end();
          await stack.stop();
        }
        return exitCode;
      }),
    );
}

async function printSummary(pool: Pool, config: Config, runs: Array<{ id: string; result?: RunResult; error?: string }>, t0: number, log: (l: string) => void): Promise<void> {
  log('\n== loanserve-lakehouse demo summary ==');
  for (const r of runs) {
    if (r.result) {
      const rows = Object.entries(r.result.rowsByStream).map(([s, n]) => `${s}=${n}`).join(' ');
      log(`  ${r.id}: ${r.result.phase}, ${r.result.tenantsDone}/${r.result.tenantsTotal} tenants; rows inserted ${rows || 'none'}` + (r.result.lake ? `; lake ${r.result.lake.rowsExported} rows in ${r.result.lake.tablesExported} exports, ${r.result.lake.reconciled} reconciled, ${r.result.lake.mismatches} mismatches` : ''));
    } else {
      log(`  ${r.id}: FAILED — ${r.error}`);
    }
  }
  log('  reporting tables (rows):');
  for (const table of REPORTING_TABLES) {
    // Table names come from the constant list above, never from input.
    const { rows } = await pool.query<{ n: string }>(`SELECT count(*)::text AS n FROM reporting.${table}`);
    log(`    ${table.padEnd(16)} ${rows[0].n.padStart(9)}`);
  }
  if (config.lake.store === 'local') {
    const root = path.resolve(config.lake.localDir, config.lake.bucket, config.lake.prefix);
    const files = listFiles(root).filter((f) => f.endsWith('.parquet'));
    const bytes = files.reduce((n, f) => n + statSync(f).size, 0);
    log(`  lake: ${root} — ${files.length} Parquet files, ${(bytes / 1e6).toFixed(1)} MB (query: npx lakehouse lake query "select count(*) from fact_txn")`);
  } else {
    log(`  lake: s3://${config.lake.bucket}/${config.lake.prefix}/`);
  }
  log(`  Postgres: ${redactUrl(config.dbUrl)}   Temporal UI: ${config.temporal.uiUrl}`);
  log(`  finished in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}

function listFiles(dir: string): string[] {
  let out: string[] = [];
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return out;
  }
  for (const e of entries) {
    const p = path.join(dir, e.name);
    out = e.isDirectory() ? out.concat(listFiles(p)) : out.concat(p);
  }
  return out;
}
