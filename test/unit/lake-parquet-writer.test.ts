/**
 * The Parquet encoder (parquet-wasm in a worker thread): what it writes is what DuckDB reads, row
 * groups are bounded, the footer carries our metadata — and a batch it silently drops shows up only
 * as a footer row count below the rows sent, which is why the export checks the footer.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Field, Int32, makeData, RecordBatch, Schema, Struct, Utf8 } from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readParquetFooter, withDuckDb } from '../../lib/lake/duckdb';
import { encodeBatch, ParquetEncoder } from '../../lib/lake/parquet-writer';

function intBatch(name: string, from: number, n: number): RecordBatch {
  const fields = [new Field(name, new Int32(), false)];
  const values = Int32Array.from({ length: n }, (_, i) => from + i);
  return new RecordBatch(new Schema(fields), makeData({ type: new Struct(fields), length: n, nullCount: 0, children: [makeData({ type: new Int32(), length: n, data: values })] }));
}

function textBatch(n: number): RecordBatch {
  const fields = [new Field('n', new Utf8(), false)];
  const bytes = Buffer.from('x'.repeat(n));
  const offsets = Int32Array.from({ length: n + 1 }, (_, i) => i);
  return new RecordBatch(new Schema(fields), makeData({ type: new Struct(fields), length: n, nullCount: 0, children: [makeData({ type: new Utf8(), length: n, valueOffsets: offsets, data: bytes })] }));
}

describe('parquet encoder', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'lake-pq-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes several files in sequence with bounded row groups and our footer metadata', async () => {
    const enc = new ParquetEncoder();
    try {
      for (const [file, rows] of [['a.parquet', 25_000], ['b.parquet', 3]] as const) {
        enc.open({ path: path.join(dir, file), metadata: { 'lakehouse.table': file }, rowGroupRows: 10_000 });
        for (let from = 0; from < rows; from += 4096) await enc.write(encodeBatch(intBatch('n', from, Math.min(4096, rows - from))));
        const closed = await enc.close();
        expect(closed.rowsSent).toBe(rows);
        expect(closed.bytes).toBeGreaterThan(0);
      }
    } finally {
      await enc.terminate();
    }
    await withDuckDb(async (conn) => {
      const a = await readParquetFooter(conn, path.join(dir, 'a.parquet'));
      expect(a).toMatchObject({ numRows: 25_000, rowGroups: 3 });
      expect(a.metadata['lakehouse.table']).toBe('a.parquet');
      const sum = await conn.runAndReadAll(`SELECT sum(n)::BIGINT AS s, count(*)::INTEGER AS c FROM '${path.join(dir, 'a.parquet')}'`);
      expect(sum.getRowObjectsJS()[0]).toEqual({ s: BigInt((25_000 * 24_999) / 2), c: 25_000 });
      expect((await readParquetFooter(conn, path.join(dir, 'b.parquet'))).numRows).toBe(3);
    });
  });

  it('a batch of another schema is dropped without an error: only the footer count tells', async () => {
    const enc = new ParquetEncoder();
    const file = path.join(dir, 'mixed.parquet');
    let sent = 0;
    let closed: { rowsSent: number } | undefined;
    try {
      enc.open({ path: file, metadata: {}, rowGroupRows: 10_000 });
      for (const b of [intBatch('n', 0, 100), textBatch(50), intBatch('n', 100, 100)]) {
        await enc.write(encodeBatch(b));
        sent += b.numRows;
      }
      closed = await enc.close();
    } finally {
      await enc.terminate();
    }
    // The writer reports success and took every row; the file is valid but short.
    expect(closed.rowsSent).toBe(sent);
    const footer = await withDuckDb((conn) => readParquetFooter(conn, file));
    expect(footer.numRows).toBeLessThan(sent);
  });
});
