/**
 * The benchmark's own stack: embedded Postgres and (on demand) the Temporal dev server, on free
 * loopback ports in a temp state folder, stopped at the end — the shape of
 * test/support/global-setup.ts, so a benchmark never touches a developer's `.lakehouse` stack.
 *
 * Postgres runs with `ephemeral: true` (fsync, synchronous_commit and full_page_writes off): the
 * data is thrown away anyway, and a 2-core VM's fsync latency would otherwise dominate and vary.
 * That changes absolute times, not the ratios, since every contender runs on the same cluster.
 */
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, type Pool } from 'pg';
import { createPool } from '../lib/db';
import { migrate } from '../lib/migrate';
import { freePort } from '../lib/stack/ports';
import { startEmbeddedPostgres, type EmbeddedPg } from '../lib/stack/postgres';
import { startTemporalDevServer, type TemporalDevServer } from '../lib/stack/temporal-server';
import { connectTemporal } from '../lib/temporal/connection';
import { registerSearchAttributes } from '../lib/temporal/search-attributes';

/** Server settings for every contender alike; reloadable ones only (no restart). */
const PG_SETTINGS: Record<string, string> = {
  // A 5M-row load writes several GB of WAL; the default 1 GB would checkpoint mid-statement at
  // random points and make repetitions differ by whichever one caught the checkpoint.
  max_wal_size: '8GB',
  checkpoint_timeout: '30min',
  // Keep autovacuum from starting an ANALYZE/VACUUM of a 5M-row table inside a timed section;
  // the benchmark ANALYZEs explicitly after each bulk change.
  autovacuum: 'off',
};

export interface BenchDb {
  name: string;
  url: string;
  pool: Pool;
}

export interface BenchStack {
  stateDir: string;
  pg: EmbeddedPg;
  /** Creates and migrates a database (its own schema, watermarks and run log). */
  createDatabase(name: string, poolMax?: number): Promise<BenchDb>;
  /** Starts the Temporal dev server on first call (it costs ~10–20 s and only case 3 needs it). */
  temporal(): Promise<TemporalDevServer>;
  stop(): Promise<void>;
}

function removeDataDir(dataDir: string, stateDir: string): void {
  const resolved = path.resolve(dataDir);
  if (resolved.startsWith(path.resolve(stateDir) + path.sep)) return; // removed with stateDir
  const parent = path.dirname(resolved);
  // Only the launcher's own per-stack folder in the temp dir (loanserve-lakehouse-pg-<key>/pgdata).
  if (path.dirname(parent) === path.resolve(os.tmpdir()) && path.basename(parent).startsWith('loanserve-lakehouse-pg-')) {
    rmSync(parent, { recursive: true, force: true });
  }
}

export async function startBenchStack(log: (line: string) => void): Promise<BenchStack> {
  const stateDir = mkdtempSync(path.join(os.tmpdir(), 'lakehouse-bench-'));
  chmodSync(stateDir, 0o755); // Postgres runs as `postgres` when we are root: it must reach below here
  const stops: Array<() => Promise<void>> = [];
  const pools: Pool[] = [];
  let temporalStarting: Promise<TemporalDevServer> | undefined;

  const stop = async () => {
    await Promise.allSettled(pools.map((p) => p.end()));
    // Temporal before Postgres: reverse start order.
    for (const s of stops.reverse()) await s().catch(() => undefined);
    rmSync(stateDir, { recursive: true, force: true });
  };

  try {
    const pg = await startEmbeddedPostgres({ stateDir, port: await freePort(), ephemeral: true });
    // As root the cluster lives outside stateDir (lib/stack/postgres.ts keeps it where the postgres
    // user can reach, and keeps it after stop for `dev`); a benchmark's gigabytes must not stay behind.
    let dataDir: string | undefined;
    stops.push(async () => {
      await pg.stop();
      if (dataDir) removeDataDir(dataDir, stateDir);
    });
    const admin = new Client({ connectionString: pg.adminUrl });
    await admin.connect();
    try {
      dataDir = (await admin.query<{ data_directory: string }>('SHOW data_directory')).rows[0].data_directory;
      for (const [k, v] of Object.entries(PG_SETTINGS)) await admin.query(`ALTER SYSTEM SET ${k} = '${v}'`);
      await admin.query('SELECT pg_reload_conf()');
    } finally {
      await admin.end();
    }
    log(`postgres :${pg.port} (ephemeral, state ${stateDir})`);

    return {
      stateDir,
      pg,
      async createDatabase(name, poolMax = 12) {
        await pg.createDatabase(name);
        const url = pg.urlFor(name);
        await migrate(url);
        const pool = createPool(url, { max: poolMax, application_name: 'lakehouse-bench' });
        pools.push(pool);
        return { name, url, pool };
      },
      temporal() {
        temporalStarting ??= (async () => {
          const started = Date.now();
          const attempt = async () =>
            startTemporalDevServer({ port: await freePort(), uiPort: await freePort(), stateDir }).catch((err: unknown) => {
              // The state folder (and its log) goes away with the stack: show why before it does.
              const logFile = path.join(stateDir, 'logs', 'temporal.log');
              const tail = existsSync(logFile) ? readFileSync(logFile, 'utf8').trim().split('\n').slice(-15).join('\n') : '(no log)';
              log(`temporal dev server failed to start (${err instanceof Error ? err.message : String(err)}); last lines of its log:\n${tail}`);
              throw err;
            });
          // Once seen on this machine: the server never opened its port (a free port taken between
          // freePort() and the server's bind, most likely). One retry on fresh ports.
          const server = await attempt().catch(() => attempt());
          stops.push(() => server.stop());
          const connection = await connectTemporal({ temporal: { address: server.address } }, 90_000);
          try {
            await registerSearchAttributes(connection, 'default');
          } finally {
            await connection.close();
          }
          log(`temporal dev server ${server.address} up in ${((Date.now() - started) / 1000).toFixed(1)} s`);
          return server;
        })();
        return temporalStarting;
      },
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
