import type { Command } from 'commander';
import { createApiKey, listApiKeys, revokeApiKey } from '../../api/auth';
import { buildApiServer } from '../../api/server';
import { listViews, REPORTING_VIEWS } from '../../api/views';
import { createPool } from '../../lib/db';
import { BadInputError } from '../../lib/errors';
import { action, cliConfig } from '../context';

/** `lakehouse api` (the HTTP server) and `lakehouse api keys create|list|revoke`. */
export function registerApiCommands(program: Command): void {
  const api = program
    .command('api')
    .description('Serve the reporting API (CSV/Parquet/JSON downloads of allow-listed views) and the sample dashboards.')
    .option('--port <n>', 'port to listen on (default: API_PORT, else 8080)')
    .option('--host <addr>', 'address to bind', '0.0.0.0')
    .addHelpText('after', `
Routes (every /api route needs "Authorization: Bearer <key>"; the key's tenant decides the rows):
  GET /api/reporting/csv/<view>       streamed CSV with a header row
  GET /api/reporting/parquet/<view>   Parquet (money DECIMAL(18,2), timestamps UTC µs)
  GET /api/reporting/json/<view>      JSON array of rows
  GET /dashboard                      sample dashboards (open /dashboard#key=<key>, or paste the key)
  GET /healthz                        200 when Postgres answers

Views (also accepted with the "reporting." prefix):
  ${listViews(REPORTING_VIEWS).map((v) => v.name).join(', ')}

Reads run in a read-only transaction with app.tenant_id set and SET LOCAL ROLE reporting_reader,
so row-level security applies. SIGINT/SIGTERM stop the server (an interrupted download
ends its read-only transaction; nothing is written).

Examples:
  $ lakehouse api keys create --tenant 6f1c…   # prints the key once
  $ lakehouse api --port 8080
  $ curl -H "Authorization: Bearer $KEY" localhost:8080/api/reporting/csv/reporting.v_cash_last_30`)
    .action(
      action(async (opts: { port?: string; host: string }) => {
        const config = cliConfig();
        let port = config.apiPort;
        if (opts.port !== undefined) {
          if (!/^\d+$/.test(opts.port) || Number(opts.port) < 1 || Number(opts.port) > 65535) throw new BadInputError(`--port must be a whole number from 1 to 65535 (got "${opts.port}")`);
          port = Number(opts.port);
        }
        const pool = createPool(config.dbUrl);
        // Fail fast on an unreachable database or a schema without the API's table, before listening.
        try {
          await pool.query('SELECT 1 FROM reporting.api_keys LIMIT 0');
        } catch (err) {
          await pool.end();
          if ((err as { code?: string }).code === '42P01') throw new BadInputError('reporting.api_keys does not exist; run "lakehouse migrate" first');
          throw err;
        }
        const app = await buildApiServer({ pool, config, logger: true });
        try {
          await app.listen({ port, host: opts.host });
        } catch (err) {
          await app.close();
          await pool.end();
          const code = (err as { code?: string }).code;
          if (code === 'EADDRINUSE' || code === 'EACCES') throw new BadInputError(`cannot listen on ${opts.host}:${port} (${code})`);
          throw err;
        }
        await new Promise<void>((resolve) => {
          const stop = () => {
            process.off('SIGINT', stop);
            process.off('SIGTERM', stop);
            resolve();
          };
          process.on('SIGINT', stop);
          process.on('SIGTERM', stop);
        });
        await app.close();
        await pool.end();
      }),
    );

  const keys = api.command('keys').description('Manage reporting API keys (stored hashed, one tenant each).');

  keys
    .command('create')
    .description('Create an API key for a tenant and print it once (it cannot be shown again).')
    .requiredOption('--tenant <id>', 'tenant UUID the key reads as')
    .option('--label <text>', 'a note to recognise the key by in "keys list"')
    .addHelpText('after', `
The key goes to stdout alone (for KEY=$(lakehouse api keys create --tenant …)); its id and tenant to stderr.

Example:
  $ lakehouse api keys create --tenant 6f1c0c9e-0c39-4c59-9d7e-1c1f3f0b7a11 --label "finance BI"`)
    .action(
      action(async (opts: { tenant: string; label?: string }) => {
        const pool = createPool(cliConfig().dbUrl);
        try {
          const created = await createApiKey(pool, opts.tenant, opts.label);
          process.stderr.write(`created API key ${created.id} for tenant ${created.tenantId}; store it now, it is not shown again\n`);
          process.stdout.write(`${created.key}\n`);
        } finally {
          await pool.end();
        }
      }),
    );

  keys
    .command('list')
    .description('List API keys (ids, tenants, labels, created/last used/revoked; never the secrets).')
    .option('--tenant <id>', 'only this tenant')
    .option('--json', 'print JSON')
    .action(
      action(async (opts: { tenant?: string; json?: boolean }) => {
        const pool = createPool(cliConfig().dbUrl);
        try {
          const rows = await listApiKeys(pool, opts.tenant);
          if (opts.json) {
            process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
            return;
          }
          if (rows.length === 0) {
            process.stdout.write('no API keys\n');
            return;
          }
          const iso = (d: Date | null) => (d ? d.toISOString().replace(/\.\d+Z$/, 'Z') : '-');
          const table = [
            ['KEY ID', 'TENANT', 'STATUS', 'CREATED', 'LAST USED', 'LABEL'],
            ...rows.map((r) => [r.id, r.tenantId, r.revokedAt ? `revoked ${iso(r.revokedAt)}` : 'active', iso(r.createdAt), iso(r.lastUsedAt), r.label ?? '']),
          ];
          const widths = table[0].map((_, i) => Math.max(...table.map((row) => row[i].length)));
          for (const row of table) process.stdout.write(`${row.map((c, i) => (i === row.length - 1 ? c : c.padEnd(widths[i]))).join('  ')}\n`);
        } finally {
          await pool.end();
        }
      }),
    );

  keys
    .command('revoke')
    .description('Revoke an API key: requests with it get 401 from then on.')
    .argument('<key-id>', 'the 16-hex-digit id from "keys list" (or "keys create")')
    .action(
      action(async (keyId: string) => {
        const pool = createPool(cliConfig().dbUrl);
        try {
          const r = await revokeApiKey(pool, keyId);
          process.stdout.write(r.alreadyRevoked ? `API key ${r.id} was already revoked at ${r.revokedAt.toISOString()}\n` : `revoked API key ${r.id}\n`);
        } finally {
          await pool.end();
        }
      }),
    );
}
