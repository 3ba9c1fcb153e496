/**
 * The lake's pure contracts: PII tokens, object keys, the COPY statement's rendered literals, the
 * DDL for each engine, and exact decimal comparison for reconciliation.
 */
import { describe, expect, it } from 'vitest';
import { LAKE_TABLES } from '../../lib/etl-types';
import { generateDdl } from '../../lib/lake/ddl';
import { LakeError } from '../../lib/lake/errors';
import { renderCopySql, tokenizerFor, validateLakeInput } from '../../lib/lake/export';
import { factKey, parseFactKey, snapshotKey } from '../../lib/lake/layout';
import { createTokenizer, normalizePii } from '../../lib/lake/pii';
import { decimalToScaled, formatScaled } from '../../lib/lake/reconcile';
import { LAKE_TABLE_SPECS } from '../../lib/lake/tables';

const T = '3f2504e0-4f89-41d3-9a0c-0305e82c3301';

describe('PII tokens', () => {
  const tok = createTokenizer('0123456789abcdef-key-one');
  it('are keyed, stable, fixed-shape and not the value', () => {
    const a = tok('ann.lee@example.com');
    expect(a).toMatch(/^tok_[A-Za-z0-9_-]{22}$/);
    expect(tok('ann.lee@example.com')).toBe(a);
    expect(createTokenizer('0123456789abcdef-key-one')('ann.lee@example.com')).toBe(a);
    expect(createTokenizer('0123456789abcdef-key-two')('ann.lee@example.com')).not.toBe(a);
    expect(tok('ann.lee@example.org')).not.toBe(a);
    expect(a).not.toContain('ann');
  });
  it('ignore case, spacing and phone punctuation, so the same person joins across columns', () => {
    expect(tok(' Ann.Lee@Example.com ')).toBe(tok('ann.lee@example.com'));
    expect(tok('Ann  Lee')).toBe(tok('ann lee'));
    expect(normalizePii('+1-704-555-6718')).toBe('+17045556718');
    expect(tok('+1 (704) 555-6718')).toBe(tok('+1-704-555-6718'));
    expect(tok('704-555-6718')).not.toBe(tok('+1-704-555-6718'));
  });
  it('are refused without a key when redaction is on, skipped when it is off', () => {
    expect(() => tokenizerFor({ redact: true })).toThrow(LakeError);
    expect(() => tokenizerFor({ redact: true })).toThrow(/ETL_PII_TOKEN_KEY/);
    expect(tokenizerFor({ redact: false })).toBeNull();
    expect(() => createTokenizer('short')).toThrow(/16 characters/);
  });
});

describe('object keys', () => {
  it('are deterministic per table, tenant, year and window, and parse back', () => {
    const k = factKey('prod', 'fact_txn', T, 2026, 101n, 250n);
    expect(k).toBe(`prod/fact_txn/tenant_id=${T}/year=2026/part-101-250.parquet`);
    expect(parseFactKey(k)).toEqual({ year: 2026, skFrom: 101n, skTo: 250n });
    expect(parseFactKey(snapshotKey('prod', 'dim_loan', T))).toBeNull();
    expect(snapshotKey('a/b', 'dim_loan', T)).toBe(`a/b/dim_loan/tenant_id=${T}/snapshot.parquet`);
  });
});

describe('COPY statement', () => {
  it('renders only validated literals, ordered by date then key', () => {
    expect(renderCopySql(LAKE_TABLE_SPECS.fact_txn, T.toUpperCase(), 10n, 20n)).toBe(
      'COPY (SELECT * FROM (SELECT "txn_sk", "txn_id", "loan_id", "d", "type", "amount", "alloc_principal", "alloc_interest", "alloc_escrow", "alloc_fees", "loaded_at" FROM reporting.fact_txn' +
        ` WHERE tenant_id = '${T}'::uuid AND "txn_sk" > 10 AND "txn_sk" <= 20 OFFSET 0) w ORDER BY "d", "txn_sk") TO STDOUT (FORMAT binary)`,
    );
    expect(renderCopySql(LAKE_TABLE_SPECS.dim_loan, T, 0n, 5n)).toMatch(/ORDER BY "loan_sk"\) TO STDOUT/);
    expect(() => renderCopySql(LAKE_TABLE_SPECS.fact_txn, `${T}'; DROP TABLE x; --`, 0n, 1n)).toThrow(/not a tenant ID/);
    expect(() => renderCopySql(LAKE_TABLE_SPECS.fact_txn, T, '0 OR true' as unknown as bigint, 1n)).toThrow(/bigints/);
  });
  it('never selects fact_txn.ref or tenant_id (the partition)', () => {
    const sql = renderCopySql(LAKE_TABLE_SPECS.fact_txn, T, 0n, 1n);
    expect(sql).not.toMatch(/"ref"/);
    expect(sql.slice(0, sql.indexOf('FROM'))).not.toMatch(/tenant_id/);
  });
  it('input validation names the problem', () => {
    expect(() => validateLakeInput({ tenantId: 'x', table: 'fact_txn' })).toThrow(/not a tenant ID/);
    expect(() => validateLakeInput({ tenantId: T, table: 'fact_nope' })).toThrow(/not a lake table: fact_nope/);
    expect(validateLakeInput({ tenantId: T.toUpperCase(), table: 'dim_loan' }).tenantId).toBe(T);
  });
});

describe('DDL', () => {
  const root = 's3://loanserve-lake/prod';
  it('athena: every table, partition projection on tenant (injected or enum) and year, exact types', () => {
    const ddl = generateDdl('athena', { root });
    for (const t of LAKE_TABLES) expect(ddl).toContain(`CREATE EXTERNAL TABLE IF NOT EXISTS loanserve_lake.${t} (`);
    expect(ddl).toContain(`'projection.tenant_id.type' = 'injected'`);
    expect(ddl).toContain(`'storage.location.template' = 's3://loanserve-lake/prod/fact_txn/tenant_id=\${tenant_id}/year=\${year}/'`);
    expect(ddl).toContain('`amount` decimal(18,2)');
    expect(ddl).toContain('`d` date');
    expect(ddl).not.toContain('`ref`');
    const enumDdl = generateDdl('athena', { root, tenants: [T, 'b1a2c3d4-0000-4000-8000-000000000001'] });
    expect(enumDdl).toContain(`'projection.tenant_id.values' = '${T},b1a2c3d4-0000-4000-8000-000000000001'`);
  });
  it('trino: Hive tables over external_location, partition columns last', () => {
    const ddl = generateDdl('trino', { root, catalog: 'lake', schema: 'analytics' });
    expect(ddl).toContain('CREATE TABLE IF NOT EXISTS lake.analytics.fact_remit (');
    expect(ddl).toContain(`external_location = 's3://loanserve-lake/prod/fact_remit/'`);
    expect(ddl).toMatch(/loaded_at timestamp,\n {2}tenant_id varchar,\n {2}year integer\n\)/);
    expect(ddl).toContain(`partitioned_by = ARRAY['tenant_id', 'year']`);
    expect(() => generateDdl('trino', { root, schema: 'x; DROP' })).toThrow(/not a valid schema/);
  });
  it('duckdb: views over read_parquet with hive partitioning, and httpfs settings only for s3://', () => {
    const local = generateDdl('duckdb', { root: '/data/lake/prod' });
    expect(local).toContain(
      "CREATE OR REPLACE VIEW fact_txn AS SELECT * FROM read_parquet('/data/lake/prod/fact_txn/*/*/*.parquet', hive_partitioning = true, hive_types = {'tenant_id': VARCHAR, 'year': INTEGER});",
    );
    expect(local).toContain("read_parquet('/data/lake/prod/dim_loan/*/*.parquet'");
    expect(local).not.toContain('httpfs');
    const s3 = generateDdl('duckdb', { root, s3: { endpoint: 'http://127.0.0.1:9000', region: 'us-east-1' } });
    expect(s3).toContain("ENDPOINT '127.0.0.1:9000', URL_STYLE 'path', USE_SSL false");
    expect(s3).not.toMatch(/KEY_ID|SECRET '/);
  });
});

describe('exact decimals', () => {
  it('compare by value, not by spelling', () => {
    expect(decimalToScaled('5.1')).toBe(510n);
    expect(decimalToScaled('5.10')).toBe(510n);
    expect(decimalToScaled('-0.01')).toBe(-1n);
    expect(decimalToScaled(null)).toBe(0n);
    expect(decimalToScaled('99999999999999999999999999.99')).toBe(9999999999999999999999999999n);
    expect(formatScaled(-1n)).toBe('-0.01');
    expect(formatScaled(123456n)).toBe('1234.56');
    expect(() => decimalToScaled('1.005')).toThrow(/decimal places/);
    expect(decimalToScaled('1.000')).toBe(100n);
  });
});
