/**
 * The binary COPY decoder against hand-encoded Postgres binary COPY streams: every column kind (money
 * exact over the whole numeric(18,2) range, µs timestamps either side of 2000-01-01, NULLs), tuples cut
 * at every byte boundary, batching, and the malformed inputs it must refuse rather than mis-decode.
 */
import { describe, expect, it } from 'vitest';
import { ColumnBuilder } from '../../lib/lake/column-builder';
import { CopyBinaryDecoder, CopyFormatError } from '../../lib/lake/copy-binary';
import type { LakeColumn } from '../../lib/lake/tables';

// ---- an encoder for the binary COPY format (the test's independent model of Postgres's output) ----

const PG_EPOCH_MS = Date.UTC(2000, 0, 1);
const header = () => Buffer.concat([Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1'), int32(0), int32(0)]);
const trailer = () => int16(-1);
function int16(v: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeInt16BE(v);
  return b;
}
function int32(v: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt32BE(v);
  return b;
}
function int64(v: bigint): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigInt64BE(v);
  return b;
}
function numeric(text: string): Buffer {
  const neg = text.startsWith('-');
  const [ip, fp = ''] = text.replace('-', '').split('.');
  const intDigits = ip.replace(/^0+/, '');
  const intGroups: number[] = [];
  for (let end = intDigits.length; end > 0; end -= 4) intGroups.unshift(Number(intDigits.slice(Math.max(0, end - 4), end)));
  const frac = fp.padEnd(Math.ceil(fp.length / 4) * 4, '0');
  const fracGroups: number[] = [];
  for (let i = 0; i < frac.length; i += 4) fracGroups.push(Number(frac.slice(i, i + 4)));
  let digits = [...intGroups, ...fracGroups];
  let weight = intGroups.length - 1;
  while (digits.length > 0 && digits[0] === 0) {
    digits = digits.slice(1);
    weight--;
  }
  while (digits.length > 0 && digits[digits.length - 1] === 0) digits = digits.slice(0, -1);
  if (digits.length === 0) weight = 0;
  return Buffer.concat([int16(digits.length), int16(weight), int16(neg ? 0x4000 : 0), int16(fp.length), ...digits.map(int16)]);
}
const field = (b: Buffer | null) => (b === null ? int32(-1) : Buffer.concat([int32(b.length), b]));
const tuple = (...fields: Array<Buffer | null>) => Buffer.concat([int16(fields.length), ...fields.map(field)]);
const uuid = (s: string) => Buffer.from(s.replace(/-/g, ''), 'hex');
const date = (iso: string) => int32(Math.round((Date.parse(`${iso}T00:00:00Z`) - PG_EPOCH_MS) / 86_400_000));
/** `iso` with up to 6 fractional digits, UTC. */
function timestamptz(iso: string): Buffer {
  const m = /^(.*?)(?:\.(\d+))?Z$/.exec(iso)!;
  const micros = BigInt(Date.parse(`${m[1]}Z`) - PG_EPOCH_MS) * 1000n + BigInt((m[2] ?? '').padEnd(6, '0'));
  return int64(micros);
}

// ---- reading decoded values back out of the builders ----

function moneyAt(b: ColumnBuilder, row: number): string {
  const w = new BigUint64Array(b.words!.buffer, b.words!.byteOffset + row * 16, 2);
  const v = BigInt.asIntN(128, (w[1] << 64n) | w[0]);
  const neg = v < 0n;
  const s = (neg ? -v : v).toString().padStart(3, '0');
  return `${neg ? '-' : ''}${s.slice(0, -2)}.${s.slice(-2)}`;
}
const int64At = (b: ColumnBuilder, row: number) => new BigInt64Array(b.words!.buffer, b.words!.byteOffset + row * 8, 1)[0];
const textAt = (b: ColumnBuilder, row: number) => Buffer.from(b.bytes!.subarray(b.offsets![row], b.offsets![row + 1])).toString('utf8');
const isNull = (b: ColumnBuilder, row: number) => b.validity !== null && (b.validity[row >> 3] & (1 << (row & 7))) === 0;

const COLUMNS: LakeColumn[] = [
  { name: 'sk', kind: 'int8', nullable: false },
  { name: 'n', kind: 'int4', nullable: true },
  { name: 'flag', kind: 'bool', nullable: true },
  { name: 'id', kind: 'uuid', nullable: true },
  { name: 'label', kind: 'text', nullable: true },
  { name: 'd', kind: 'date', nullable: false },
  { name: 'at', kind: 'timestamptz', nullable: true },
  { name: 'amount', kind: 'money', nullable: true },
];

interface Row {
  sk: bigint;
  n: number | null;
  flag: boolean | null;
  id: string | null;
  label: string | null;
  d: string;
  at: string | null;
  amount: string | null;
}

const ROWS: Row[] = [
  { sk: 1n, n: 7, flag: true, id: '0f8fad5b-d9cb-469f-a165-70867728950e', label: 'PAYMENT', d: '2026-06-01', at: '2026-06-01T12:34:56.789012Z', amount: '1234.50' },
  { sk: -5n, n: null, flag: false, id: null, label: null, d: '1999-12-31', at: '1999-12-31T23:59:59.999999Z', amount: '-0.01' },
  { sk: 9_007_199_254_740_993n, n: -2_147_483_648, flag: null, id: 'ffffffff-ffff-ffff-ffff-ffffffffffff', label: 'Zoë — naïve 東京 🚀', d: '2000-01-01', at: null, amount: null },
  { sk: 4n, n: 2_147_483_647, flag: true, id: '00000000-0000-0000-0000-000000000000', label: '', d: '1970-01-01', at: '1970-01-01T00:00:00.000001Z', amount: '0.00' },
  { sk: 5n, n: 0, flag: false, id: '12345678-9abc-def0-1234-56789abcdef0', label: 'x'.repeat(300), d: '2099-12-31', at: '2000-01-01T00:00:00Z', amount: '9999999999999999.99' },
  { sk: 6n, n: 1, flag: true, id: null, label: 'a', d: '2024-02-29', at: '2024-02-29T00:00:00.5Z', amount: '-9999999999999999.99' },
  { sk: 7n, n: 2, flag: false, id: null, label: 'b', d: '2024-03-01', at: null, amount: '123456789012.34' },
  { sk: 8n, n: 3, flag: true, id: null, label: 'c', d: '2024-03-02', at: null, amount: '1000000' },
  { sk: 9n, n: 4, flag: false, id: null, label: 'd', d: '2024-03-03', at: null, amount: '0.05' },
  { sk: 10n, n: 5, flag: true, id: null, label: 'e', d: '2024-03-04', at: null, amount: '90071992547409.91' },
  // One digit group, but 9e17 cents: beyond exact doubles, so it must take the BigInt path.
  { sk: 11n, n: 6, flag: false, id: null, label: 'f', d: '2024-03-05', at: null, amount: '-9000000000000000.00' },
  { sk: 12n, n: 7, flag: true, id: null, label: 'g', d: '2024-03-06', at: null, amount: '999999999999.99' },
];

function encodeRows(rows: Row[]): Buffer {
  const tuples = rows.map((r) =>
    tuple(
      int64(r.sk),
      r.n === null ? null : int32(r.n),
      r.flag === null ? null : Buffer.from([r.flag ? 1 : 0]),
      r.id === null ? null : uuid(r.id),
      r.label === null ? null : Buffer.from(r.label, 'utf8'),
      date(r.d),
      r.at === null ? null : timestamptz(r.at),
      r.amount === null ? null : numeric(r.amount),
    ),
  );
  return Buffer.concat([header(), ...tuples, trailer()]);
}

/** Decodes `chunks` and returns every row as plain values (one object per row). */
function decode(chunks: Buffer[], capacity = 64): { rows: Row[]; batches: number[] } {
  const builders = COLUMNS.map((c) => new ColumnBuilder(c, capacity));
  const rows: Row[] = [];
  const batches: number[] = [];
  const [sk, n, flag, id, label, d, at, amount] = builders;
  const decoder = new CopyBinaryDecoder(builders, {
    onBatch: (count) => {
      batches.push(count);
      for (let i = 0; i < count; i++) {
        const micros = isNull(at, i) ? null : int64At(at, i);
        rows.push({
          sk: int64At(sk, i),
          n: isNull(n, i) ? null : n.words![i],
          flag: isNull(flag, i) ? null : (flag.bits![i >> 3] & (1 << (i & 7))) !== 0,
          id: isNull(id, i) ? null : textAt(id, i),
          label: isNull(label, i) ? null : textAt(label, i),
          d: new Date(d.words![i] * 86_400_000).toISOString().slice(0, 10),
          at: micros === null ? null : `${new Date(Number(micros / 1000n)).toISOString().slice(0, 19)}.${String(((micros % 1_000_000n) + 1_000_000n) % 1_000_000n).padStart(6, '0')}Z`,
          amount: isNull(amount, i) ? null : moneyAt(amount, i),
        });
      }
    },
  });
  for (const c of chunks) decoder.write(c);
  decoder.end();
  return { rows, batches };
}

/** The expected decoded form: timestamps with six fractional digits, money with two decimals. */
function normalized(r: Row): Row {
  const at = r.at === null ? null : r.at.replace(/(?:\.(\d+))?Z$/, (_, f: string | undefined) => `.${(f ?? '').padEnd(6, '0')}Z`);
  const amount = r.amount === null ? null : r.amount.includes('.') ? r.amount : `${r.amount}.00`;
  return { ...r, at, amount };
}

describe('binary COPY decoder', () => {
  it('decodes every column kind exactly, NULLs included', () => {
    expect(decode([encodeRows(ROWS)]).rows).toEqual(ROWS.map(normalized));
  });

  it('gives the same rows whatever the chunk boundaries (tuples straddling chunks)', () => {
    const stream = encodeRows(ROWS);
    const expected = ROWS.map(normalized);
    for (let cut = 1; cut < stream.length; cut++) {
      expect(decode([stream.subarray(0, cut), stream.subarray(cut)]).rows, `cut at ${cut}`).toEqual(expected);
    }
    const bytes = Array.from({ length: stream.length }, (_, i) => stream.subarray(i, i + 1));
    expect(decode(bytes).rows).toEqual(expected);
  });

  it('hands over full batches as they fill, then the remainder at the end', () => {
    const { rows, batches } = decode([encodeRows(ROWS)], 3);
    expect(batches).toEqual([3, 3, 3, 3]);
    expect(rows).toEqual(ROWS.map(normalized));
  });

  it('slices a batch into Arrow data with rebased offsets and null bitmaps', () => {
    const builders = COLUMNS.map((c) => new ColumnBuilder(c, 64));
    let sliced: ReturnType<ColumnBuilder['toData']>[] = [];
    const decoder = new CopyBinaryDecoder(builders, { onBatch: () => (sliced = builders.map((b) => b.toData(1, 4))) });
    decoder.write(encodeRows(ROWS));
    decoder.end();
    const [, n, , id, label] = sliced;
    expect(n.length).toBe(3);
    expect(n.nullCount).toBe(1);
    expect([0, 1, 2].map((i) => n.getValid(i))).toEqual([false, true, true]);
    expect(Array.from(label.valueOffsets!)).toEqual([0, 0, Buffer.byteLength(ROWS[2].label!), Buffer.byteLength(ROWS[2].label!)]);
    expect(Buffer.from(label.values as Uint8Array).toString('utf8')).toBe(ROWS[2].label);
    expect(id.nullCount).toBe(1);
  });

  it('refuses what it cannot decode faithfully', () => {
    const one = (fields: Array<Buffer | null>, cols: LakeColumn[]) => {
      const decoder = new CopyBinaryDecoder(cols.map((c) => new ColumnBuilder(c, 4)), { onBatch: () => undefined });
      decoder.write(Buffer.concat([header(), tuple(...fields), trailer()]));
      decoder.end();
    };
    const money: LakeColumn[] = [{ name: 'm', kind: 'money', nullable: false }];
    expect(() => one([null], money)).toThrow(/unexpected NULL in a NOT NULL column/);
    expect(() => one([Buffer.concat([int16(0), int16(0), int16(0xc000 - 0x10000), int16(0)])], money)).toThrow(/NaN or infinite/);
    expect(() => one([numeric('1.005')], money)).toThrow(/more than 2 decimal places/);
    expect(() => one([int32(0x7fffffff)], [{ name: 'd', kind: 'date', nullable: false }])).toThrow(/infinite dates/);
    expect(() => one([int64(0x7fffffffffffffffn)], [{ name: 't', kind: 'timestamptz', nullable: false }])).toThrow(/out of range/);
    expect(() => one([int32(1), int32(2)], [{ name: 'n', kind: 'int4', nullable: false }])).toThrow(/2 fields, expected 1/);

    const truncated = new CopyBinaryDecoder([new ColumnBuilder({ name: 'n', kind: 'int4', nullable: false }, 4)], { onBatch: () => undefined });
    truncated.write(Buffer.concat([header(), tuple(int32(1))]));
    expect(() => truncated.end()).toThrow(CopyFormatError);

    const notCopy = new CopyBinaryDecoder([new ColumnBuilder({ name: 'n', kind: 'int4', nullable: false }, 4)], { onBatch: () => undefined });
    expect(() => notCopy.write(Buffer.from('n\n1\n2\n\\.\nxxxxxxxxxxxx'))).toThrow(/bad signature/);
  });
});
