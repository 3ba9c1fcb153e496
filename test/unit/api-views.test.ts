/**
 * The reporting API's pure parts: the allow-list (the only road from a URL to SQL), API-key
 * parsing, and the exact value conversions the Parquet path relies on.
 */
import { describe, expect, it } from 'vitest';
import { bearerToken, generateApiKey, hashSecret, parseApiKey } from '../../api/auth';
import { parseScaledDecimal, parseTimestampMicros, ValueConversionError } from '../../api/arrow-rows';
import { buildAllowList, listViews, REPORTING_VIEW_NAMES, REPORTING_VIEWS, resolveView, viewSelect } from '../../api/views';

const TENANT = '6f1c0c9e-0c39-4c59-9d7e-1c1f3f0b7a11';

describe('view allow-list', () => {
  it('serves exactly the seed views and the KPI views, each under its bare and qualified name', () => {
    expect(listViews(REPORTING_VIEWS).map((v) => v.name)).toEqual([...REPORTING_VIEW_NAMES]);
    expect(REPORTING_VIEW_NAMES).toEqual(
      expect.arrayContaining(['v_kpi_pipeline', 'v_cash_last_30', 'v_qc_open_by_severity', 'v_delinquency_by_bucket', 'v_remit_by_investor_month']),
    );
    for (const name of REPORTING_VIEW_NAMES) {
      expect(resolveView(REPORTING_VIEWS, name)?.qualified).toBe(`reporting.${name}`);
      expect(resolveView(REPORTING_VIEWS, `reporting.${name}`)?.name).toBe(name);
    }
  });

  it.each([
    'reporting.v_cash_last_30;DROP TABLE tenants',
    'v_cash_last_30 ',
    'V_CASH_LAST_30',
    'reporting.V_cash_last_30',
    '"reporting"."v_cash_last_30"',
    'public.tenants',
    'pg_catalog.pg_user',
    'reporting.api_keys',
    'reporting.fact_txn',
    'reporting.v_dim_loan_source',
    '../v_cash_last_30',
    'reporting..v_cash_last_30',
    'reporting/v_cash_last_30',
    '__proto__',
    'constructor',
    'toString',
    '',
    'x'.repeat(10_000),
  ])('refuses %j', (name) => {
    expect(resolveView(REPORTING_VIEWS, name)).toBeUndefined();
  });

  it('refuses non-strings', () => {
    expect(resolveView(REPORTING_VIEWS, undefined)).toBeUndefined();
    expect(resolveView(REPORTING_VIEWS, ['v_cash_last_30'])).toBeUndefined();
    expect(resolveView(REPORTING_VIEWS, { toString: () => 'v_cash_last_30' })).toBeUndefined();
  });

  it('refuses to build an allow-list entry that could smuggle SQL', () => {
    for (const bad of ['v_x; select 1', 'public.v_x', 'v_X', 'tenants', 'v_x"', '']) {
      expect(() => buildAllowList([{ name: bad }])).toThrow(/not a plain view name/);
    }
  });

  it('adds the explicit tenant predicate for views with tenant_id, as a checked UUID literal', () => {
    const remit = resolveView(REPORTING_VIEWS, 'v_remit_by_investor_month')!;
    const cash = resolveView(REPORTING_VIEWS, 'v_cash_last_30')!;
    expect(viewSelect(remit, TENANT)).toBe(`SELECT * FROM reporting.v_remit_by_investor_month WHERE tenant_id = '${TENANT}'::uuid`);
    expect(viewSelect(cash, TENANT)).toBe('SELECT * FROM reporting.v_cash_last_30');
    expect(() => viewSelect(remit, `${TENANT}' OR '1'='1`)).toThrow();
    expect(() => viewSelect(remit, '')).toThrow();
  });
});

describe('API keys', () => {
  it('generates lhk_<16 hex>_<43 base64url> keys that parse back, with fresh secrets each time', () => {
    const a = generateApiKey();
    const b = generateApiKey();
    expect(a.key).toMatch(/^lhk_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
    expect(parseApiKey(a.key)).toEqual({ id: a.id, secret: a.secret });
    expect(a.secret).not.toBe(b.secret);
    expect(hashSecret(a.secret).toString('hex')).toMatch(/^[0-9a-f]{64}$/);
  });

  it('accepts only "Bearer <token>" and only well-formed keys', () => {
    const { key } = generateApiKey();
    expect(bearerToken(`Bearer ${key}`)).toBe(key);
    expect(bearerToken(`bearer ${key}`)).toBe(key); // the scheme is case-insensitive (RFC 9110)
    for (const h of [undefined, '', key, `Bearer`, `Basic ${key}`, `Bearer  ${key}`, `Bearer ${key} extra`, `Token ${key}`, [`Bearer ${key}`]]) {
      expect(bearerToken(h as string | undefined)).toBeUndefined();
    }
    for (const t of ['lhk_', `${key}x`, key.replace('lhk_', 'lhx_'), key.slice(0, -1), `lhk_${'g'.repeat(16)}_${'a'.repeat(43)}`]) {
      expect(parseApiKey(t)).toBeUndefined();
    }
  });
});

describe('exact value conversion for Parquet', () => {
  it('scales decimals exactly and refuses to round', () => {
    expect(parseScaledDecimal('1234.5', 2)).toBe(123450n);
    expect(parseScaledDecimal('-0.01', 2)).toBe(-1n);
    expect(parseScaledDecimal('99999999999999999999.99', 2)).toBe(9999999999999999999999n);
    expect(parseScaledDecimal('0.6667', 6)).toBe(666700n);
    expect(parseScaledDecimal('1.2300', 2)).toBe(123n);
    expect(() => parseScaledDecimal('1.235', 2)).toThrow(ValueConversionError);
    expect(() => parseScaledDecimal('NaN', 2)).toThrow(ValueConversionError);
    expect(() => parseScaledDecimal('1e5', 2)).toThrow(ValueConversionError);
  });

  it('keeps timestamp microseconds (pg\'s Date parser would drop them)', () => {
    expect(parseTimestampMicros('2026-01-02 03:04:05.123456+00')).toBe(BigInt(Date.UTC(2026, 0, 2, 3, 4, 5)) * 1000n + 123456n);
    expect(parseTimestampMicros('1999-12-31 23:59:59')).toBe(BigInt(Date.UTC(1999, 11, 31, 23, 59, 59)) * 1000n);
    expect(parseTimestampMicros('2026-01-02 03:04:05.5+00')).toBe(BigInt(Date.UTC(2026, 0, 2, 3, 4, 5)) * 1000n + 500000n);
    expect(() => parseTimestampMicros('2026-01-02 03:04:05+02')).toThrow(ValueConversionError);
  });
});
