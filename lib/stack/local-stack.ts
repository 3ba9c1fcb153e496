/**
 * The embedded local stack behind `lakehouse dev` and `npm run demo`: whatever the environment does
 * not point elsewhere is started here — embedded Postgres on the default DB_URL's port, the Temporal
 * dev server (UI on :8233) — and reused when it is already running (a `lakehouse dev` in another
 * terminal). Explicit DB_URL / TEMPORAL_ADDRESS are used as given and never started.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { DEFAULTS, type Config } from '../config';
import { migrate } from '../migrate';
import { connectTemporal } from '../temporal/connection';
import { registerSearchAttributes } from '../temporal/search-attributes';
import { isPortOpen } from './ports';
import { startEmbeddedPostgres } from './postgres';
import { startTemporalDevServer } from './temporal-server';
import { ensureToolsVenv } from './tools';

export interface LocalStack {
  config: Config;
  /** What this process started (and will stop), e.g. ["postgres :54329", "temporal 127.0.0.1:7233"]. */
  started: string[];
  reused: string[];
  stop(): Promise<void>;
}

export async function startLocalStack(config: Config, opts: { stateDir: string; log: (line: string) => void }): Promise<LocalStack> {
  const { stateDir, log } = opts;
  mkdirSync(stateDir, { recursive: true });
  const stops: Array<() => Promise<void>> = [];
  const started: string[] = [];
  const reused: string[] = [];
  let effective: Config = config;

  try {
    // pip runs synchronously: install the pinned tools before any server's start-up timers run.
    if (!config.explicit.has('TEMPORAL_ADDRESS')) ensureToolsVenv(log);
    if (!config.explicit.has('DB_URL')) {
      const url = new URL(DEFAULTS.DB_URL);
      const port = Number(url.port);
      if (await isPortOpen(port)) {
        reused.push(`postgres :${port}`);
      } else {
        log(`starting embedded Postgres on :${port}…`);
        const pg = await startEmbeddedPostgres({ stateDir, port });
        await pg.createDatabase(url.pathname.slice(1));
        stops.push(() => pg.stop());
        started.push(`postgres :${port}`);
      }
    }
    if (!config.explicit.has('TEMPORAL_ADDRESS')) {
      const [, portText] = config.temporal.address.split(':');
      const port = Number(portText);
      if (await isPortOpen(port)) {
        reused.push(`temporal ${config.temporal.address}`);
      } else {
        log(`starting the Temporal dev server on :${port} (UI :8233)…`);
        const server = await startTemporalDevServer({ port, uiPort: 8233, stateDir, dbFile: path.join(stateDir, 'temporal.sqlite'), log });
        stops.push(() => server.stop());
        started.push(`temporal ${server.address}`);
        effective = { ...effective, temporal: { ...effective.temporal, uiUrl: server.uiUrl } };
      }
    }

    const { applied } = await migrate(effective.dbUrl);
    if (applied.length > 0) log(`applied ${applied.length} migrations`);

    const connection = await connectTemporal(effective, 60_000);
    await registerSearchAttributes(connection, effective.temporal.namespace);
    await connection.close();

    if (effective.etl.piiRedact && !effective.etl.piiTokenKey) {
      // Local runs only: a per-checkout key so the demo's lake is tokenised like production's.
      // Production sets ETL_PII_TOKEN_KEY; the exporter refuses to run without one.
      effective = { ...effective, etl: { ...effective.etl, piiTokenKey: localTokenKey(stateDir) } };
    }
  } catch (err) {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
    throw err;
  }

  return {
    config: effective,
    started,
    reused,
    async stop() {
      for (const stop of stops.reverse()) await stop().catch(() => undefined);
    },
  };
}

function localTokenKey(stateDir: string): string {
  const file = path.join(stateDir, 'pii-token-key');
  if (!existsSync(file)) writeFileSync(file, randomBytes(32).toString('hex'), { mode: 0o600 });
  return readFileSync(file, 'utf8').trim();
}
