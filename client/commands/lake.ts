/**
 * `lakehouse lake ddl --engine athena|trino|duckdb` and `lakehouse lake query "<sql>"`.
 */
import path from 'node:path';
import type { Command } from 'commander';
import type { Config } from '../../lib/config';
import { BadInputError } from '../../lib/errors';
import { UUID_RE } from '../../lib/db';
import { DDL_ENGINES, generateDdl, type DdlEngine } from '../../lib/lake/ddl';
import { createLakeViews, mirrorLake, openDuckDb, tablesMentioned } from '../../lib/lake/duckdb';
import { createLakeStore } from '../../lib/lake/store';
import { LAKE_TABLES } from '../../lib/etl-types';
import { action, cliConfig } from '../context';

/** Where engines find the lake: the bucket for Athena/Trino; the local folder for DuckDB on the local store. */
export function lakeRoot(config: Config, engine: DdlEngine): string {
  if (engine === 'duckdb' && config.lake.store === 'local') {
    return path.resolve(config.lake.localDir, config.lake.bucket, ...config.lake.prefix.split('/'));
  }
  return `s3://${config.lake.bucket}/${config.lake.prefix}`;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

export function registerLakeCommands(program: Command): void {
  const lake = program.command('lake').description('The S3 Parquet lake: query-ready DDL, and ad-hoc SQL over it with DuckDB.');

  lake
    .command('ddl')
    .description('Print ready-to-run DDL that exposes the lake as tables (Athena, Trino) or views (DuckDB).')
    .requiredOption('--engine <engine>', `one of ${DDL_ENGINES.join(', ')}`)
    .option('--schema <name>', 'Athena database / Trino schema', 'loanserve_lake')
    .option('--catalog <name>', 'Trino catalog using the Hive connector', 'hive')
    .option('--tenant <id>', 'Athena: enumerate these tenants in the tenant_id projection (repeatable); default: injected (queries must filter tenant_id)', collect, [])
    .addHelpText('after', `
The lake is s3://$LAKE_BUCKET/$LAKE_PREFIX/<table>/tenant_id=<uuid>/[year=<YYYY>/]*.parquet. DuckDB DDL points
at the local folder when LAKE_STORE=local, at s3:// (httpfs) otherwise.

Examples:
  $ lakehouse lake ddl --engine athena > lake.sql
  $ lakehouse lake ddl --engine duckdb | duckdb lake.duckdb`)
    .action(
      action(async (opts: { engine: string; schema: string; catalog: string; tenant: string[] }) => {
        if (!(DDL_ENGINES as readonly string[]).includes(opts.engine)) throw new BadInputError(`--engine must be one of ${DDL_ENGINES.join(', ')} (got "${opts.engine}")`);
        for (const [flag, v] of [['--schema', opts.schema], ['--catalog', opts.catalog]] as const) {
          if (!/^[a-z_][a-z0-9_]*$/.test(v)) throw new BadInputError(`${flag} must be a lower-case identifier (got "${v}")`);
        }
        const bad = opts.tenant.filter((t) => !UUID_RE.test(t));
        if (bad.length > 0) throw new BadInputError(`--tenant must be a tenant uuid (got "${bad.join('", "')}")`);
        const config = cliConfig();
        const engine = opts.engine as DdlEngine;
        process.stdout.write(
          generateDdl(engine, {
            root: lakeRoot(config, engine),
            schema: opts.schema,
            catalog: opts.catalog,
            tenants: opts.tenant.length > 0 ? opts.tenant.map((t) => t.toLowerCase()) : undefined,
            s3: { endpoint: config.lake.s3Endpoint, region: config.lake.region },
          }),
        );
      }),
    );

  lake
    .command('query')
    .description('Run SQL over the lake with DuckDB; every lake table is a view of the same name.')
    .argument('<sql>', 'the query, e.g. "SELECT tenant_id, sum(amount) FROM fact_txn GROUP BY 1"')
    .option('--json', 'print rows as a JSON array instead of a table')
    .addHelpText('after', `
Views: ${LAKE_TABLES.join(', ')} (with tenant_id, and year for facts, from the partition path).
With LAKE_STORE=s3 the objects of the tables the query names are copied to a temporary folder first:
the DuckDB package ships without the httpfs extension and it cannot be downloaded offline.

Examples:
  $ lakehouse lake query "SELECT tenant_id, year, count(*), sum(amount) FROM fact_txn GROUP BY ALL ORDER BY ALL"
  $ lakehouse lake query --json "SELECT * FROM dim_loan LIMIT 5"`)
    .action(
      action(async (sql: string, opts: { json?: boolean }) => {
        if (sql.trim() === '') throw new BadInputError('the query is empty');
        const config = cliConfig();
        const store = createLakeStore(config.lake);
        // From S3 only what the query names; a local lake is read in place.
        const tables = config.lake.store === 's3' ? tablesMentioned(sql) : LAKE_TABLES;
        const mirror = await mirrorLake(store, config.lake.prefix, { tables });
        const db = await openDuckDb({ threads: 2, memoryLimit: '1GB' });
        try {
          await createLakeViews(db.conn, mirror, tables);
          let reader;
          try {
            reader = await db.conn.runAndReadAll(sql);
          } catch (err) {
            // DuckDB's message names the problem (syntax, unknown column…): one line, exit 2.
            throw new BadInputError(`query failed: ${(err as Error).message.split('\n')[0]}`);
          }
          const rows = reader.getRowObjectsJson();
          if (opts.json) process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
          else process.stdout.write(formatTable(reader.columnNames(), rows));
        } finally {
          db.close();
          await mirror.dispose();
        }
      }),
    );
}

/** A plain text table: header, rule, rows, and the row count. */
export function formatTable(columns: string[], rows: Array<Record<string, unknown>>): string {
  const cell = (v: unknown) => (v === null || v === undefined ? 'NULL' : typeof v === 'object' ? JSON.stringify(v) : String(v));
  const cells = rows.map((r) => columns.map((c) => cell(r[c])));
  const widths = columns.map((c, i) => Math.max(c.length, ...cells.map((r) => r[i].length)));
  const line = (vals: string[]) => vals.map((v, i) => v.padEnd(widths[i])).join(' | ').trimEnd();
  const out = [line(columns), widths.map((w) => '-'.repeat(w)).join('-+-'), ...cells.map(line), `(${rows.length} row${rows.length === 1 ? '' : 's'})`];
  return `${out.join('\n')}\n`;
}
