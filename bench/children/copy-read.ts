/**
 * Child: the bare reads the benchmark compares against.
 *
 *   copy-read.ts lake <db-url> <tenant-id>[,<tenant-id>…]
 *       for each tenant, exactly the COPY the lake export runs for its fact_txn rows
 *       (lib/lake/export.ts renderCopySql: same columns, ORDER BY d, txn_sk, FORMAT binary, in a
 *       transaction with the same app.tenant_id and work_mem), read into Node and discarded — what
 *       reading the rows out of Postgres costs before any decoding, encoding or upload.
 *   copy-read.ts api-csv <db-url> <view> <tenant-id>
 *       exactly the COPY the API's CSV route runs (same reporting transaction, role, RLS and SQL),
 *       consumed here instead of sent over HTTP: the API download's reference.
 *
 * Replies { type: 'done', rows, bytes, ms, maxRssMb }.
 */
import { to as copyTo } from 'pg-copy-streams';
import { csvChunks } from '../../api/exporters';
import { openReportingTransaction } from '../../api/reporting-session';
import { buildAllowList } from '../../api/views';
import { createPool } from '../../lib/db';
import { renderCopySql } from '../../lib/lake/export';
import { LAKE_TABLE_SPECS } from '../../lib/lake/tables';
import { childMain, ownMaxRssMb, reply } from '../child';

const MAX_SK = 9223372036854775807n;

childMain(async () => {
  const [mode, url, a, b] = process.argv.slice(2);
  const pool = createPool(url, { max: 1 });
  try {
    if (mode === 'lake') {
      const client = await pool.connect();
      try {
        const t0 = process.hrtime.bigint();
        let bytes = 0;
        let rows = 0;
        for (const tenantId of a.split(',')) {
          await client.query('BEGIN');
          await client.query(`SELECT set_config('app.tenant_id', $1, true), set_config('work_mem', '64MB', true)`, [tenantId]);
          const stream = client.query(copyTo(renderCopySql(LAKE_TABLE_SPECS.fact_txn, tenantId, 0n, MAX_SK)));
          for await (const chunk of stream as AsyncIterable<Buffer>) bytes += chunk.length;
          await client.query('COMMIT');
          rows += stream.rowCount ?? 0;
        }
        const ms = Number(process.hrtime.bigint() - t0) / 1e6;
        await reply({ type: 'done', rows, bytes, ms, maxRssMb: ownMaxRssMb() });
      } finally {
        client.release();
      }
      return;
    }
    if (mode === 'api-csv') {
      const view = buildAllowList([{ name: a, tenantColumn: true }]).get(a)!;
      const t0 = process.hrtime.bigint();
      const tx = await openReportingTransaction(pool, b);
      let bytes = 0;
      let lines = 0;
      for await (const chunk of csvChunks(tx.client, view, b)) {
        bytes += chunk.length;
        for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) lines++;
      }
      await tx.commit();
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      await reply({ type: 'done', rows: lines - 1, bytes, ms, maxRssMb: ownMaxRssMb() });
      return;
    }
    throw new Error(`unknown mode ${mode}`);
  } finally {
    await pool.end();
  }
});
