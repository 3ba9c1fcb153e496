/**
 * Column buffers the binary COPY decoder writes into, and their conversion to Arrow `Data`.
 *
 * One class for every kind (fields unused by a kind stay null) so the decoder's hot loop sees a single
 * object shape: V8 keeps those property accesses monomorphic. Buffers are allocated once per export
 * and reused for every batch — the Arrow data built from them is serialised to IPC before the next
 * batch overwrites them.
 */
import { Bool, DateDay, Decimal, Field, Int32, Int64, makeData, TimestampMicrosecond, Utf8, type Data, type DataType } from 'apache-arrow';
import type { ColumnKind, LakeColumn } from './tables';

export const KIND_CODE = { int8: 0, int4: 1, bool: 2, uuid: 3, text: 4, date: 5, timestamptz: 6, money: 7 } as const satisfies Record<ColumnKind, number>;

/** DECIMAL(18,2): money in Postgres is numeric(18,2); precision and scale are identical in every file. */
export const MONEY_PRECISION = 18;
export const MONEY_SCALE = 2;

export function arrowType(kind: ColumnKind): DataType {
  switch (kind) {
    case 'int8':
      return new Int64();
    case 'int4':
      return new Int32();
    case 'bool':
      return new Bool();
    case 'uuid':
    case 'text':
      return new Utf8();
    case 'date':
      return new DateDay();
    case 'timestamptz':
      // isAdjustedToUTC in Parquet; DuckDB reads it as TIMESTAMP WITH TIME ZONE.
      return new TimestampMicrosecond('UTC');
    case 'money':
      // Arrow JS takes scale first. arrow-rs writes a 128-bit decimal of precision 18 as INT64 DECIMAL(18,2).
      return new Decimal(MONEY_SCALE, MONEY_PRECISION, 128);
  }
}

export function arrowField(col: LakeColumn): Field {
  return new Field(col.name, arrowType(col.kind), col.nullable);
}

export class ColumnBuilder {
  readonly code: number;
  readonly nullable: boolean;
  /** 32-bit words: int4/date one per row, int8/timestamptz two (little-endian), money four (128-bit). */
  words: Int32Array | null = null;
  /** bool values, one bit per row. */
  bits: Uint8Array | null = null;
  /** utf8: offsets (capacity + 1) and the bytes. */
  offsets: Int32Array | null = null;
  bytes: Uint8Array | null = null;
  byteLength = 0;
  /** One bit per row, 1 = valid; only for nullable columns. */
  validity: Uint8Array | null = null;
  nullCount = 0;
  /** For pii text columns: value → token. */
  tokenize: ((value: string) => string) | null = null;

  constructor(
    readonly column: LakeColumn,
    readonly capacity: number,
  ) {
    this.code = KIND_CODE[column.kind];
    this.nullable = column.nullable;
    switch (column.kind) {
      case 'int4':
      case 'date':
        this.words = new Int32Array(capacity);
        break;
      case 'int8':
      case 'timestamptz':
        this.words = new Int32Array(capacity * 2);
        break;
      case 'money':
        this.words = new Int32Array(capacity * 4);
        break;
      case 'bool':
        this.bits = new Uint8Array((capacity + 7) >> 3);
        break;
      case 'uuid':
      case 'text':
        this.offsets = new Int32Array(capacity + 1);
        this.bytes = new Uint8Array(column.kind === 'uuid' ? capacity * 36 : capacity * 24);
        break;
    }
    if (this.nullable) this.validity = new Uint8Array((capacity + 7) >> 3);
    this.reset();
  }

  reset(): void {
    this.byteLength = 0;
    this.nullCount = 0;
    if (this.validity) this.validity.fill(0xff);
    if (this.bits) this.bits.fill(0);
  }

  /** Grows the utf8 byte buffer so `extra` more bytes fit (doubling: amortised O(1) per byte). */
  ensureBytes(extra: number): Uint8Array {
    const need = this.byteLength + extra;
    let buf = this.bytes!;
    if (need > buf.length) {
      let size = buf.length * 2;
      while (size < need) size *= 2;
      const grown = new Uint8Array(size);
      grown.set(buf.subarray(0, this.byteLength));
      this.bytes = buf = grown;
    }
    return buf;
  }

  /** Arrow data for rows [start, end) of the current batch (copies only what must be rebased). */
  toData(start: number, end: number): Data {
    const length = end - start;
    const type = arrowType(this.column.kind);
    let nullBitmap: Uint8Array | undefined;
    let nullCount = 0;
    if (this.validity && this.nullCount > 0) {
      const sliced = sliceBits(this.validity, start, length);
      nullCount = length - popcount(sliced, length);
      if (nullCount > 0) nullBitmap = sliced;
    }
    switch (this.column.kind) {
      case 'int4':
      case 'date':
        return makeData({ type: type as Int32, length, nullCount, nullBitmap, data: this.words!.subarray(start, end) });
      case 'int8':
      case 'timestamptz':
        return makeData({
          type: type as Int64,
          length,
          nullCount,
          nullBitmap,
          data: new BigInt64Array(this.words!.buffer, this.words!.byteOffset + start * 8, length),
        });
      case 'money':
        return makeData({
          type: type as Decimal,
          length,
          nullCount,
          nullBitmap,
          data: new Uint32Array(this.words!.buffer, this.words!.byteOffset + start * 16, length * 4),
        });
      case 'bool':
        return makeData({ type: type as Bool, length, nullCount, nullBitmap, data: sliceBits(this.bits!, start, length) });
      case 'uuid':
      case 'text': {
        const offsets = this.offsets!;
        const base = offsets[start];
        let valueOffsets: Int32Array;
        if (base === 0) valueOffsets = offsets.subarray(start, end + 1);
        else {
          valueOffsets = new Int32Array(length + 1);
          for (let i = 0; i <= length; i++) valueOffsets[i] = offsets[start + i] - base;
        }
        return makeData({ type: type as Utf8, length, nullCount, nullBitmap, valueOffsets, data: this.bytes!.subarray(base, offsets[end]) });
      }
    }
  }
}

function sliceBits(bits: Uint8Array, start: number, length: number): Uint8Array {
  const out = new Uint8Array((length + 7) >> 3);
  if ((start & 7) === 0) {
    out.set(bits.subarray(start >> 3, (start >> 3) + out.length));
  } else {
    for (let i = 0; i < length; i++) {
      const j = start + i;
      if (bits[j >> 3] & (1 << (j & 7))) out[i >> 3] |= 1 << (i & 7);
    }
  }
  // Bits past the end must be zero for a tidy buffer (readers ignore them, but popcount does not).
  const tail = length & 7;
  if (tail !== 0) out[out.length - 1] &= (1 << tail) - 1;
  return out;
}

function popcount(bits: Uint8Array, length: number): number {
  let n = 0;
  for (let i = 0; i < length; i++) if (bits[i >> 3] & (1 << (i & 7))) n++;
  return n;
}
