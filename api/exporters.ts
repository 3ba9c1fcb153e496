/**
 * The three ways a view leaves Postgres: CSV (COPY), Parquet and JSON (a cursor in batches).
 *
 * Each returns an async iterable of chunks that reads from an open reporting transaction as the
 * consumer asks for more, so memory is bounded by one batch (or one Parquet row group), not by
 * the view's size. SQL names come only from a `ReportingView` (the allow-list); there is no other
 * input to these statements.
 */
import { tableToIPC, Table as ArrowTable, type RecordBatch } from 'apache-arrow';
import type { PoolClient, QueryConfig } from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import * as parquet from 'parquet-wasm';
import { planColumns, rowsToRecordBatch } from './arrow-rows';
import { viewSelect, type ReportingView } from './views';

export interface ExportTuning {
  /** Rows per FETCH from the cursor (Parquet and JSON). */
  fetchRows: number;
  /** Rows per Parquet row group: the writer buffers one whole group in Wasm memory. */
  rowGroupRows: number;
}

export const DEFAULT_TUNING: ExportTuning = { fetchRows: 10_000, rowGroupRows: 65_536 };

/** `COPY (SELECT * FROM reporting.<view> …) TO STDOUT WITH (FORMAT csv, HEADER)`, as a byte stream. */
export function csvChunks(client: PoolClient, view: ReportingView, tenantId: string): AsyncIterable<Buffer> {
  // RFC 4180 quoting by Postgres itself: fields with commas, quotes or newlines are quoted and
  // quotes doubled. COPY runs under the session's role, so row-level security applies to it too.
  return client.query(copyTo(`COPY (${viewSelect(view, tenantId)}) TO STDOUT WITH (FORMAT csv, HEADER)`));
}

const raw = (value: string) => value;
// Every column arrives as Postgres' text form; arrow-rows.ts decodes it exactly.
const TEXT_TYPES = { getTypeParser: () => raw } as unknown as QueryConfig['types'];

interface FetchedBatch {
  fields: Array<{ name: string; dataTypeID: number; dataTypeModifier: number }>;
  rows: Array<Array<string | null>>;
}

/** Reads `select` through a server-side cursor, `fetchRows` at a time. Needs an open transaction. */
async function* fetchBatches(client: PoolClient, select: string, fetchRows: number): AsyncGenerator<FetchedBatch> {
  await client.query(`DECLARE api_export NO SCROLL CURSOR FOR ${select}`);
  for (;;) {
    const res = await client.query({ text: `FETCH FORWARD ${Math.floor(fetchRows)} FROM api_export`, rowMode: 'array', types: TEXT_TYPES });
    yield { fields: res.fields, rows: res.rows as Array<Array<string | null>> };
    if (res.rows.length < fetchRows) return;
  }
}

/** Arrow record batches of the view, all with one schema (taken from the first FETCH). */
export async function* arrowBatches(client: PoolClient, view: ReportingView, tenantId: string, tuning: ExportTuning = DEFAULT_TUNING): AsyncGenerator<RecordBatch> {
  let plan: ReturnType<typeof planColumns> | undefined;
  for await (const batch of fetchBatches(client, viewSelect(view, tenantId), tuning.fetchRows)) {
    const isFirst = plan === undefined;
    plan ??= planColumns(batch.fields, { money: view.money });
    // An empty first batch is still yielded: the Parquet file needs the schema even with no rows.
    if (isFirst || batch.rows.length > 0) yield rowsToRecordBatch(plan, batch.rows);
  }
}

function writerProperties(tuning: ExportTuning): parquet.WriterProperties {
  // arrow-rs inside parquet-wasm writes uncompressed unless told otherwise.
  return new parquet.WriterPropertiesBuilder()
    .setCompression(parquet.Compression.ZSTD)
    .setMaxRowGroupSize(tuning.rowGroupRows)
    .setCreatedBy('loanserve-lakehouse api')
    .build();
}

/**
 * A Parquet file of the view, produced row group by row group.
 *
 * parquet-wasm's stream writer swallows source errors: a failing input still ends with a valid
 * footer over the rows written so far. So a source failure is remembered here and rethrown before
 * any further byte is yielded — the caller then cuts the response, and the client never receives
 * a well-formed file that silently lacks rows.
 */
export async function* parquetChunks(client: PoolClient, view: ReportingView, tenantId: string, tuning: ExportTuning = DEFAULT_TUNING): AsyncGenerator<Uint8Array> {
  const source = arrowBatches(client, view, tenantId, tuning)[Symbol.asyncIterator]();
  let sourceError: unknown;
  const input = new ReadableStream<parquet.RecordBatch>(
    {
      async pull(controller) {
        try {
          const next = await source.next();
          if (next.done) {
            controller.close();
            return;
          }
          const wasmTable = parquet.Table.fromIPCStream(tableToIPC(new ArrowTable([next.value]), 'stream'));
          const batch = wasmTable.recordBatch(0);
          wasmTable.free();
          if (batch) controller.enqueue(batch);
        } catch (err) {
          sourceError = err;
          controller.error(err);
        }
      },
      async cancel() {
        await source.return?.(undefined);
      },
    },
    { highWaterMark: 0 },
  );
  const output = await parquet.transformParquetStream(input, writerProperties(tuning));
  const reader = (output as ReadableStream<Uint8Array>).getReader();
  let finished = false;
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (sourceError !== undefined) throw sourceError;
      if (done) break;
      yield value;
    }
    finished = true;
  } finally {
    if (!finished) await reader.cancel().catch(() => undefined);
    reader.releaseLock();
  }
  if (sourceError !== undefined) throw sourceError;
}

/**
 * The view as a JSON array of objects, in column order (`row_to_json`): numbers stay exact in the
 * text (numeric is written as Postgres prints it), dates as "YYYY-MM-DD", timestamps ISO 8601 UTC.
 */
export async function* jsonChunks(client: PoolClient, view: ReportingView, tenantId: string, tuning: ExportTuning = DEFAULT_TUNING): AsyncGenerator<string> {
  // Nothing is yielded before the first FETCH returns, so a query that fails at once still gets
  // an ordinary JSON error response instead of a cut-off body.
  let opened = false;
  let any = false;
  for await (const batch of fetchBatches(client, `SELECT row_to_json(t)::text FROM (${viewSelect(view, tenantId)}) t`, tuning.fetchRows)) {
    const prefix = opened ? '' : '[';
    opened = true;
    if (batch.rows.length === 0) {
      if (prefix) yield prefix;
      continue;
    }
    yield `${prefix}${any ? ',' : ''}\n${batch.rows.map((r) => r[0]).join(',\n')}`;
    any = true;
  }
  yield opened ? (any ? '\n]\n' : ']\n') : '[]\n';
}
