/**
 * loadConfig validates everything once and reports every problem together; the CLI turns that into
 * one line and exit 2 before touching anything.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, DEFAULTS, loadConfig } from '../../lib/config';

const ROOT = path.resolve(__dirname, '..', '..');

describe('loadConfig', () => {
  it('gives the documented defaults for an empty environment', () => {
    const c = loadConfig({});
    expect(c.dbUrl).toBe(DEFAULTS.DB_URL);
    expect(c.temporal).toEqual({ address: '127.0.0.1:7233', namespace: 'default', uiUrl: 'http://127.0.0.1:8233', taskQueue: 'lakehouse-etl' });
    expect(c.lake).toEqual({ store: 'local', bucket: 'loanserve-lake', prefix: 'prod', localDir: '.lakehouse/lake', s3Endpoint: undefined, region: 'us-east-1', credentials: undefined });
    expect(c.etl).toEqual({
      hourlyCron: '15 * * * *',
      nightlyCron: '0 2 * * *',
      reportingSchema: 'reporting',
      piiRedact: true,
      piiTokenKey: undefined,
      maxLookbackDays: 3650,
      overlapMinutes: 120,
      safetyLagSeconds: 60,
      tenantConcurrency: 4,
    });
    expect(c.apiPort).toBe(8080);
    expect([...c.explicit]).toEqual([]);
  });

  it('reads every variable and records which were given', () => {
    const c = loadConfig({
      DB_URL: 'postgresql://etl:pw@db:5432/servicing',
      LAKE_STORE: 's3',
      S3_ENDPOINT: 'http://minio:9000',
      AWS_ACCESS_KEY_ID: 'AK',
      AWS_SECRET_ACCESS_KEY: 'SK',
      ETL_PII_REDACT: 'false',
      ETL_HOURLY_CRON: '*/20 * * * *',
      ETL_MAX_LOOKBACK_DAYS: '30',
    });
    expect(c.lake.store).toBe('s3');
    expect(c.lake.credentials).toEqual({ accessKeyId: 'AK', secretAccessKey: 'SK', sessionToken: undefined });
    expect(c.etl.piiRedact).toBe(false);
    expect(c.etl.hourlyCron).toBe('*/20 * * * *');
    expect(c.etl.maxLookbackDays).toBe(30);
    expect([...c.explicit].sort()).toEqual(['DB_URL', 'ETL_HOURLY_CRON', 'ETL_MAX_LOOKBACK_DAYS', 'ETL_PII_REDACT', 'LAKE_STORE', 'S3_ENDPOINT']);
  });

  it('names every bad variable in one error', () => {
    let err: unknown;
    try {
      loadConfig({ DB_URL: 'mysql://x', LAKE_STORE: 'gcs', ETL_HOURLY_CRON: 'hourly', ETL_MAX_LOOKBACK_DAYS: '-1', ETL_PII_REDACT: 'maybe', REPORTING_SCHEMA: 'bi', AWS_ACCESS_KEY_ID: 'only-one' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect([...(err as ConfigError).problems].sort()).toEqual([
      'ETL_HOURLY_CRON must be a 5-field cron expression (got "hourly")',
      'DB_URL must be a postgres:// URL (got "mysql://x")',
      'LAKE_STORE must be local or s3 (got "gcs")',
      'REPORTING_SCHEMA must be "reporting": BI and the migrations depend on that name (got "bi")',
      'ETL_PII_REDACT must be true or false (got "maybe")',
      'ETL_MAX_LOOKBACK_DAYS must be a whole number from 1 to 36500 (got "-1")',
      'AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must be set together',
    ].sort());
  });

  it('never prints a database password', () => {
    expect(() => loadConfig({ DB_URL: 'postgres://etl:s3cret@db:5432' })).not.toThrow();
    try {
      loadConfig({ DB_URL: 'http://etl:s3cret@db/x' });
    } catch (e) {
      expect((e as Error).message).not.toContain('s3cret');
    }
  });

  it('the CLI prints the problems on one line and exits 2 before doing anything', () => {
    const r = spawnSync(process.execPath, [path.join(ROOT, 'bin', 'lakehouse.js'), 'migrate'], {
      env: { PATH: process.env.PATH, DB_URL: 'nonsense', LAKE_STORE: 'ftp' },
      encoding: 'utf8',
    });
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe('lakehouse: invalid configuration: DB_URL must be a postgres:// URL (got "nonsense"); LAKE_STORE must be local or s3 (got "ftp")\n');
  });
});
