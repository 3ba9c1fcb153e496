/**
 * Forward-only SQL migration runner (the node-pg-migrate / graphile-worker shape, kept small).
 *
 * - Files are `migrations/NNN_description.sql`, applied in name order, each in ONE transaction
 *   together with its row in `public.schema_migrations`, so a failed file leaves no trace and is
 *   retried whole next time. Files therefore contain no BEGIN/COMMIT.
 * - A session advisory lock serialises concurrent runners on one database (a deploy and a CLI run);
 *   advisory lock keys are per database, so parallel test databases in one cluster do not wait on
 *   each other.
 * - Each applied file's sha256 is recorded; a file edited after it was applied (or deleted) is
 *   refused before anything runs: history is fixed, changes go in a new file.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Client } from 'pg';

export type MigrationErrorCode = 'checksum_mismatch' | 'missing_file' | 'sql_error';

/** One-line, names the file; the CLI prints `message` and exits 2. */
export class MigrationError extends Error {
  constructor(
    readonly code: MigrationErrorCode,
    readonly file: string,
    message: string,
  ) {
    super(message.replace(/\s*\n\s*/g, ' '));
    this.name = 'MigrationError';
  }
}

export interface MigrateOptions {
  log?: (line: string) => void;
  /** Folder of migration files; defaults to the repository's `migrations/`. For tests. */
  dir?: string;
}

export interface MigrateResult {
  /** Files applied by this call, in order. */
  applied: string[];
  /** Every applied file after this call, in order. */
  current: string[];
}

export interface MigrationStatus {
  applied: { file: string; checksum: string; appliedAt: Date }[];
  pending: string[];
  /** Applied files whose contents changed since. */
  mismatched: string[];
  /** Applied files no longer present. */
  missing: string[];
}

export const DEFAULT_MIGRATIONS_DIR = path.join(__dirname, '..', 'migrations');

const FILE_RE = /^\d{3}_[a-z0-9_]+\.sql$/;

// An arbitrary constant: the lock identifies "migrating this database", nothing else.
const LOCK_KEY = 7_220_231_001;

interface MigrationFile {
  file: string;
  sql: string;
  checksum: string;
}

export function readMigrationFiles(dir: string = DEFAULT_MIGRATIONS_DIR): MigrationFile[] {
  return readdirSync(dir)
    .filter((f) => FILE_RE.test(f))
    .sort()
    .map((file) => {
      const sql = readFileSync(path.join(dir, file), 'utf8');
      return { file, sql, checksum: checksumOf(sql) };
    });
}

/** sha256 of the text with line endings normalised, so a CRLF checkout is not an "edit". */
export function checksumOf(sql: string): string {
  return createHash('sha256').update(sql.replace(/\r\n/g, '\n')).digest('hex');
}

const CREATE_TABLE = `
  CREATE TABLE IF NOT EXISTS public.schema_migrations (
    filename text PRIMARY KEY,
    checksum text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now(),
    duration_ms integer
  )`;

async function appliedRows(client: Client): Promise<{ file: string; checksum: string; appliedAt: Date }[]> {
  const exists = await client.query<{ t: string | null }>(`SELECT to_regclass('public.schema_migrations')::text AS t`);
  if (!exists.rows[0].t) return [];
  const r = await client.query<{ filename: string; checksum: string; applied_at: Date }>(
    'SELECT filename, checksum, applied_at FROM public.schema_migrations ORDER BY filename',
  );
  return r.rows.map((row) => ({ file: row.filename, checksum: row.checksum, appliedAt: row.applied_at }));
}

function compare(files: MigrationFile[], applied: { file: string; checksum: string }[]) {
  const byName = new Map(files.map((f) => [f.file, f]));
  const appliedNames = new Set(applied.map((a) => a.file));
  return {
    missing: applied.filter((a) => !byName.has(a.file)).map((a) => a.file),
    mismatched: applied.filter((a) => byName.has(a.file) && byName.get(a.file)!.checksum !== a.checksum).map((a) => a.file),
    pending: files.filter((f) => !appliedNames.has(f.file)),
  };
}

async function connect(connectionString: string): Promise<Client> {
  const client = new Client({ connectionString, application_name: 'loanserve-lakehouse:migrate' });
  await client.connect();
  return client;
}

export async function migrate(connectionString: string, opts: MigrateOptions = {}): Promise<MigrateResult> {
  const log = opts.log ?? (() => undefined);
  const files = readMigrationFiles(opts.dir);
  const client = await connect(connectionString);
  try {
    // Migrations may legitimately run long (index builds); the server's defaults must not cut them.
    await client.query(`SET statement_timeout = 0`);
    const got = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1) AS ok', [LOCK_KEY]);
    if (!got.rows[0].ok) {
      log('another migration is running on this database; waiting for it to finish');
      await client.query('SELECT pg_advisory_lock($1)', [LOCK_KEY]);
    }
    try {
      await client.query(CREATE_TABLE);
      const applied = await appliedRows(client);
      const { missing, mismatched, pending } = compare(files, applied);
      if (mismatched.length > 0) {
        const f = mismatched[0];
        throw new MigrationError(
          'checksum_mismatch',
          f,
          `migration ${f} was edited after it was applied (checksum differs from the one recorded in schema_migrations); restore it and put the change in a new migration`,
        );
      }
      if (missing.length > 0) {
        const f = missing[0];
        throw new MigrationError('missing_file', f, `migration ${f} was applied to this database but is missing from ${opts.dir ?? 'migrations/'}`);
      }
      if (pending.length === 0) log('database is up to date');

      const done: string[] = [];
      for (const m of pending) {
        const started = Date.now();
        try {
          await client.query('BEGIN');
          await client.query(m.sql);
          await client.query('INSERT INTO public.schema_migrations (filename, checksum, duration_ms) VALUES ($1, $2, $3)', [
            m.file,
            m.checksum,
            Date.now() - started,
          ]);
          await client.query('COMMIT');
        } catch (err) {
          await client.query('ROLLBACK').catch(() => undefined);
          throw new MigrationError('sql_error', m.file, `migration ${m.file} failed: ${describeSqlError(err, m.sql)}`);
        }
        done.push(m.file);
        log(`applied ${m.file} (${Date.now() - started} ms)`);
      }
      return { applied: done, current: [...applied.map((a) => a.file), ...done].sort() };
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [LOCK_KEY]).catch(() => undefined);
    }
  } finally {
    await client.end();
  }
}

export async function migrationStatus(connectionString: string, opts: Pick<MigrateOptions, 'dir'> = {}): Promise<MigrationStatus> {
  const files = readMigrationFiles(opts.dir);
  const client = await connect(connectionString);
  try {
    const applied = await appliedRows(client);
    const { missing, mismatched, pending } = compare(files, applied);
    return { applied, pending: pending.map((p) => p.file), mismatched, missing };
  } finally {
    await client.end();
  }
}

/** "relation x does not exist (line 12)": Postgres reports a character offset into the file. */
function describeSqlError(err: unknown, sql: string): string {
  const e = err as { message?: string; position?: string };
  const message = e.message ?? String(err);
  const pos = Number(e.position);
  if (!Number.isFinite(pos) || pos <= 0) return message;
  const line = sql.slice(0, pos).split('\n').length;
  return `${message} (line ${line})`;
}
