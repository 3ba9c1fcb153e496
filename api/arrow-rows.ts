/**
 * Rows from Postgres (text format, as `FETCH` returns them) → Arrow record batches, exactly.
 *
 * The API reads each row's values as the server's text (a pass-through type parser) and decodes
 * them here, because pg's default parsers lose what the product promises to keep: `timestamptz`
 * becomes a millisecond `Date` (microseconds dropped) and `numeric` a string. So:
 *   numeric(p,s)        → Decimal(p,s)  (money is numeric(18,2) → DECIMAL(18,2), rule 6)
 *   numeric (no typmod) → Decimal(38, UNCONSTRAINED_NUMERIC_SCALE); a value with more fractional
 *                         digits is an error, never silently rounded
 *   timestamptz         → Timestamp(µs, "UTC");  timestamp → Timestamp(µs)
 *   date → Date32, int2/int4 → Int32, int8 → Int64, float4/8 → Float64, bool → Bool,
 *   everything else (text, uuid, json…) → Utf8 of Postgres' text form.
 * The session runs with TimeZone=UTC and DateStyle=ISO (reporting-session.ts), which the
 * timestamp and date parsers below rely on.
 */
import {
  Bool,
  DateDay,
  Decimal,
  Field,
  Float64,
  Int32,
  Int64,
  makeData,
  RecordBatch,
  Schema,
  Struct,
  TimeUnit,
  Timestamp,
  Utf8,
  type Data,
  type DataType,
} from 'apache-arrow';
import type { FieldDef } from 'pg';

export const PG_OID = {
  bool: 16,
  int8: 20,
  int2: 21,
  int4: 23,
  float4: 700,
  float8: 701,
  date: 1082,
  timestamp: 1114,
  timestamptz: 1184,
  numeric: 1700,
} as const;

/**
 * Scale used for `numeric` columns without a declared scale (e.g. `SUM(amount)` in a view). Six
 * digits hold money (2) and rates (≤ 6) exactly; anything finer fails the download instead of
 * being rounded.
 */
export const UNCONSTRAINED_NUMERIC_SCALE = 6;
const MAX_DECIMAL_PRECISION = 38;

export class ValueConversionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ValueConversionError';
  }
}

export interface ColumnPlan {
  name: string;
  type: DataType;
  build(values: ReadonlyArray<string | null>): Data;
}

/** Money: numeric(18,2) in Postgres, DECIMAL(18,2) in Parquet (ARCHITECTURE §3 rule 6). */
export const MONEY_TYPMOD = ((18 << 16) | 2) + 4;

/**
 * Derives the Arrow schema (and a builder per column) from a query's field descriptions.
 * `money` names bare-numeric columns to write as DECIMAL(18,2) (see ReportingView.money).
 */
export function planColumns(
  fields: ReadonlyArray<Pick<FieldDef, 'name' | 'dataTypeID' | 'dataTypeModifier'>>,
  options: { money?: readonly string[] } = {},
): { schema: Schema; columns: ColumnPlan[] } {
  const money = new Set(options.money ?? []);
  const columns = fields.map((f) =>
    planColumn(f.name, f.dataTypeID, f.dataTypeID === PG_OID.numeric && f.dataTypeModifier < 4 && money.has(f.name) ? MONEY_TYPMOD : f.dataTypeModifier),
  );
  const schema = new Schema(columns.map((c) => new Field(c.name, c.type, true)));
  return { schema, columns };
}

/** One Arrow record batch from text rows (array mode); every batch of a plan has the same schema. */
export function rowsToRecordBatch(plan: { schema: Schema; columns: ColumnPlan[] }, rows: ReadonlyArray<ReadonlyArray<string | null>>): RecordBatch {
  const children = plan.columns.map((col, i) => col.build(rows.map((r) => r[i] ?? null)));
  const struct = makeData({ type: new Struct(plan.schema.fields), length: rows.length, nullCount: 0, children });
  return new RecordBatch(plan.schema, struct);
}

function planColumn(name: string, oid: number, typmod: number): ColumnPlan {
  switch (oid) {
    case PG_OID.bool:
      return { name, type: new Bool(), build: (v) => buildBool(v) };
    case PG_OID.int2:
    case PG_OID.int4:
      return { name, type: new Int32(), build: (v) => buildFixed(new Int32(), v, Int32Array, (s) => parseInteger(s, name)) };
    case PG_OID.int8:
      return { name, type: new Int64(), build: (v) => buildFixed(new Int64(), v, BigInt64Array, (s) => parseBigInt(s, name)) };
    case PG_OID.float4:
    case PG_OID.float8:
      return { name, type: new Float64(), build: (v) => buildFixed(new Float64(), v, Float64Array, (s) => parseFloatText(s)) };
    case PG_OID.date:
      return { name, type: new DateDay(), build: (v) => buildFixed(new DateDay(), v, Int32Array, (s) => parseDateDays(s, name)) };
    case PG_OID.timestamp:
    case PG_OID.timestamptz: {
      const type = new Timestamp(TimeUnit.MICROSECOND, oid === PG_OID.timestamptz ? 'UTC' : null);
      return { name, type, build: (v) => buildFixed(type, v, BigInt64Array, (s) => parseTimestampMicros(s, name)) };
    }
    case PG_OID.numeric: {
      // typmod = ((precision << 16) | scale) + 4 when declared, -1 otherwise.
      let precision = MAX_DECIMAL_PRECISION;
      let scale = UNCONSTRAINED_NUMERIC_SCALE;
      if (typmod >= 4) {
        precision = ((typmod - 4) >> 16) & 0xffff;
        scale = (typmod - 4) & 0xffff;
      }
      if (precision > MAX_DECIMAL_PRECISION) precision = MAX_DECIMAL_PRECISION;
      const type = new Decimal(scale, precision, 128);
      return { name, type, build: (v) => buildDecimal(type, v, name) };
    }
    default:
      return { name, type: new Utf8(), build: (v) => buildUtf8(v) };
  }
}

function validity(values: ReadonlyArray<string | null>): { nullCount: number; nullBitmap: Uint8Array | undefined } {
  let nullCount = 0;
  const bitmap = new Uint8Array((values.length + 7) >> 3);
  for (let i = 0; i < values.length; i++) {
    if (values[i] === null) nullCount++;
    else bitmap[i >> 3] |= 1 << (i & 7);
  }
  return { nullCount, nullBitmap: nullCount > 0 ? bitmap : undefined };
}

type TypedArrayCtor<A> = { new (length: number): A };

function buildFixed<T extends DataType, A extends { [i: number]: number | bigint }>(
  type: T,
  values: ReadonlyArray<string | null>,
  Ctor: TypedArrayCtor<A>,
  parse: (s: string) => A[number],
): Data<T> {
  const data = new Ctor(values.length);
  for (let i = 0; i < values.length; i++) {
    const s = values[i];
    if (s !== null) data[i] = parse(s);
  }
  const { nullCount, nullBitmap } = validity(values);
  return makeData({ type, length: values.length, nullCount, nullBitmap, data } as never) as Data<T>;
}

function buildBool(values: ReadonlyArray<string | null>): Data<Bool> {
  const data = new Uint8Array((values.length + 7) >> 3);
  for (let i = 0; i < values.length; i++) if (values[i] === 't') data[i >> 3] |= 1 << (i & 7);
  const { nullCount, nullBitmap } = validity(values);
  return makeData({ type: new Bool(), length: values.length, nullCount, nullBitmap, data });
}

const utf8 = new TextEncoder();

function buildUtf8(values: ReadonlyArray<string | null>): Data<Utf8> {
  const encoded = values.map((s) => (s === null ? null : utf8.encode(s)));
  const valueOffsets = new Int32Array(values.length + 1);
  let total = 0;
  for (let i = 0; i < encoded.length; i++) {
    total += encoded[i]?.length ?? 0;
    valueOffsets[i + 1] = total;
  }
  const data = new Uint8Array(total);
  for (let i = 0; i < encoded.length; i++) {
    const e = encoded[i];
    if (e) data.set(e, valueOffsets[i]);
  }
  const { nullCount, nullBitmap } = validity(values);
  return makeData({ type: new Utf8(), length: values.length, nullCount, nullBitmap, valueOffsets, data });
}

function buildDecimal(type: Decimal, values: ReadonlyArray<string | null>, column: string): Data<Decimal> {
  const words = new Uint32Array(values.length * 4);
  const mask = (1n << 32n) - 1n;
  const limit = 10n ** BigInt(type.precision);
  for (let i = 0; i < values.length; i++) {
    const s = values[i];
    if (s === null) continue;
    const unscaled = parseScaledDecimal(s, type.scale, column);
    if (unscaled >= limit || unscaled <= -limit) throw new ValueConversionError(`column ${column}: ${s} does not fit DECIMAL(${type.precision},${type.scale})`);
    // 128-bit two's complement, little-endian 32-bit words.
    let v = BigInt.asUintN(128, unscaled);
    for (let w = 0; w < 4; w++) {
      words[i * 4 + w] = Number(v & mask);
      v >>= 32n;
    }
  }
  const { nullCount, nullBitmap } = validity(values);
  return makeData({ type, length: values.length, nullCount, nullBitmap, data: words });
}

const DECIMAL_TEXT = /^(-?)(\d+)(?:\.(\d+))?$/;

/** "−1234.5" at scale 2 → −123450n; refuses NaN/Infinity and digits beyond the scale (exact or nothing). */
export function parseScaledDecimal(s: string, scale: number, column = '?'): bigint {
  const m = DECIMAL_TEXT.exec(s);
  if (!m) throw new ValueConversionError(`column ${column}: "${s}" is not a finite decimal`);
  const frac = m[3] ?? '';
  const kept = frac.slice(0, scale);
  if (/[^0]/.test(frac.slice(scale))) throw new ValueConversionError(`column ${column}: ${s} has more than ${scale} decimal places`);
  const unscaled = BigInt(m[2] + kept.padEnd(scale, '0'));
  return m[1] === '-' ? -unscaled : unscaled;
}

function parseInteger(s: string, column: string): number {
  if (!/^-?\d+$/.test(s)) throw new ValueConversionError(`column ${column}: "${s}" is not an integer`);
  return Number(s);
}

function parseBigInt(s: string, column: string): bigint {
  if (!/^-?\d+$/.test(s)) throw new ValueConversionError(`column ${column}: "${s}" is not an integer`);
  return BigInt(s);
}

function parseFloatText(s: string): number {
  if (s === 'Infinity') return Infinity;
  if (s === '-Infinity') return -Infinity;
  return Number(s); // 'NaN' → NaN
}

const DATE_TEXT = /^(\d{4})-(\d{2})-(\d{2})$/;
const DAY_MS = 86_400_000;

function parseDateDays(s: string, column: string): number {
  const m = DATE_TEXT.exec(s);
  if (!m) throw new ValueConversionError(`column ${column}: "${s}" is not an ISO date`);
  return Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) / DAY_MS;
}

// ISO output under TimeZone=UTC: "2026-01-02 03:04:05.123456+00" (timestamptz) or without "+00".
const TS_TEXT = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?(?:\+00)?$/;

export function parseTimestampMicros(s: string, column = '?'): bigint {
  const m = TS_TEXT.exec(s);
  if (!m) throw new ValueConversionError(`column ${column}: "${s}" is not a UTC timestamp`);
  const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]));
  return BigInt(ms) * 1000n + BigInt((m[7] ?? '').padEnd(6, '0'));
}
