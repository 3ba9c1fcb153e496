/**
 * The one place configuration is read and validated.
 *
 * Every command (worker, CLI, API, demo) calls `loadConfig(process.env)` once and passes the result
 * down. Workflows never read the environment: they receive what they need as input.
 *
 * Precedence, as in node-pg-migrate and graphile-worker: a command-line flag (applied by the
 * caller), then the environment, then the defaults below. All problems are collected and reported
 * together so an operator fixes a deployment in one pass.
 */
import { TASK_QUEUE } from './constants';

export const DEFAULTS = {
  DB_URL: 'postgres://postgres:postgres@127.0.0.1:54329/lakehouse',
  TEMPORAL_ADDRESS: '127.0.0.1:7233',
  TEMPORAL_NAMESPACE: 'default',
  TEMPORAL_UI_URL: 'http://127.0.0.1:8233',
  LAKEHOUSE_TASK_QUEUE: TASK_QUEUE,
  LAKE_BUCKET: 'loanserve-lake',
  LAKE_PREFIX: 'prod',
  LAKE_STORE: 'local',
  LAKE_LOCAL_DIR: '.lakehouse/lake',
  ETL_HOURLY_CRON: '15 * * * *',
  ETL_NIGHTLY_CRON: '0 2 * * *',
  REPORTING_SCHEMA: 'reporting',
  ETL_PII_REDACT: 'true',
  ETL_MAX_LOOKBACK_DAYS: '3650',
  ETL_OVERLAP_MINUTES: '120',
  ETL_SAFETY_LAG_SECONDS: '60',
  ETL_TENANT_CONCURRENCY: '4',
  DBT_TARGET: 'prod',
  API_PORT: '8080',
  METRICS_PORT: '9464',
  AWS_REGION: 'us-east-1',
} as const;

export type LakeStoreKind = 'local' | 's3';

export interface Config {
  dbUrl: string;
  /** taskQueue: LAKEHOUSE_TASK_QUEUE, for running a second, isolated deployment (or a test) beside another. */
  temporal: { address: string; namespace: string; uiUrl: string; taskQueue: string };
  lake: {
    store: LakeStoreKind;
    bucket: string;
    prefix: string;
    localDir: string;
    s3Endpoint?: string;
    region: string;
    /**
     * From AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (/ AWS_SESSION_TOKEN) of the environment given
     * to loadConfig; when absent the SDK's default chain (instance role, profile…) applies.
     */
    credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  };
  etl: {
    hourlyCron: string;
    nightlyCron: string;
    reportingSchema: string;
    piiRedact: boolean;
    /** HMAC key for PII tokens; required when piiRedact is on and something is exported. */
    piiTokenKey?: string;
    maxLookbackDays: number;
    /** How far behind the watermark each incremental run re-scans, for rows that commit late. */
    overlapMinutes: number;
    /** Rows newer than now() - lag are left for the next run: their transactions may still be open. */
    safetyLagSeconds: number;
    tenantConcurrency: number;
  };
  dbtTarget: string;
  apiPort: number;
  metricsPort: number;
  /** Which settings were given explicitly (not defaulted): lets `demo`/`dev` decide what to start. */
  explicit: ReadonlySet<string>;
}

/** Thrown by loadConfig; `problems` names every bad variable. Commands print it on one line and exit 2. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration: ${problems.join('; ')}`);
    this.name = 'ConfigError';
  }
}

const CRON_FIELD = /^(\*|\d+(-\d+)?)(\/\d+)?(,(\*|\d+(-\d+)?)(\/\d+)?)*$/;
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const PREFIX = /^[A-Za-z0-9_-]+(\/[A-Za-z0-9_-]+)*$/;
const IDENT = /^[a-z_][a-z0-9_]{0,62}$/;
const HOST_PORT = /^[A-Za-z0-9.-]+:\d{1,5}$|^\[[0-9a-fA-F:]+\]:\d{1,5}$/;

type Env = Record<string, string | undefined>;

export function loadConfig(env: Env = process.env): Config {
  const problems: string[] = [];
  const explicit = new Set<string>();

  const str = (name: keyof typeof DEFAULTS | string): string => {
    const raw = env[name];
    if (raw !== undefined && raw.trim() !== '') {
      explicit.add(name);
      return raw.trim();
    }
    return (DEFAULTS as Record<string, string>)[name] ?? '';
  };
  const int = (name: keyof typeof DEFAULTS, min: number, max: number): number => {
    const raw = str(name);
    if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
      problems.push(`${name} must be a whole number from ${min} to ${max} (got "${raw}")`);
      return Number((DEFAULTS as Record<string, string>)[name]);
    }
    return Number(raw);
  };
  const bool = (name: keyof typeof DEFAULTS): boolean => {
    const raw = str(name).toLowerCase();
    if (raw === 'true' || raw === '1') return true;
    if (raw === 'false' || raw === '0') return false;
    problems.push(`${name} must be true or false (got "${str(name)}")`);
    return true;
  };
  const cron = (name: 'ETL_HOURLY_CRON' | 'ETL_NIGHTLY_CRON'): string => {
    const raw = str(name);
    const fields = raw.split(/\s+/);
    if (fields.length !== 5 || !fields.every((f) => CRON_FIELD.test(f))) {
      problems.push(`${name} must be a 5-field cron expression (got "${raw}")`);
    }
    return raw;
  };

  const dbUrl = str('DB_URL');
  try {
    const u = new URL(dbUrl);
    if (u.protocol !== 'postgres:' && u.protocol !== 'postgresql:') throw new Error('protocol');
  } catch {
    problems.push(`DB_URL must be a postgres:// URL (got "${redactUrl(dbUrl)}")`);
  }

  const address = str('TEMPORAL_ADDRESS');
  if (!HOST_PORT.test(address)) problems.push(`TEMPORAL_ADDRESS must be host:port (got "${address}")`);
  const namespace = str('TEMPORAL_NAMESPACE');
  if (!/^[A-Za-z0-9._-]{1,200}$/.test(str('LAKEHOUSE_TASK_QUEUE'))) problems.push(`LAKEHOUSE_TASK_QUEUE must be letters, digits, . _ or - (got "${str('LAKEHOUSE_TASK_QUEUE')}")`);
  if (!/^[A-Za-z0-9._-]{1,255}$/.test(namespace)) problems.push(`TEMPORAL_NAMESPACE is not a valid namespace (got "${namespace}")`);

  const store = str('LAKE_STORE');
  if (store !== 'local' && store !== 's3') problems.push(`LAKE_STORE must be local or s3 (got "${store}")`);
  const bucket = str('LAKE_BUCKET');
  if (!BUCKET.test(bucket)) problems.push(`LAKE_BUCKET must be a valid S3 bucket name (got "${bucket}")`);
  const prefix = str('LAKE_PREFIX');
  if (!PREFIX.test(prefix)) problems.push(`LAKE_PREFIX must be letters, digits, _ or - segments joined by / (got "${prefix}")`);
  const s3Endpoint = env.S3_ENDPOINT?.trim() || undefined;
  if (s3Endpoint) {
    explicit.add('S3_ENDPOINT');
    try {
      const u = new URL(s3Endpoint);
      if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error('protocol');
    } catch {
      problems.push(`S3_ENDPOINT must be an http(s) URL (got "${s3Endpoint}")`);
    }
  }

  const reportingSchema = str('REPORTING_SCHEMA');
  if (!IDENT.test(reportingSchema)) problems.push(`REPORTING_SCHEMA must be a lower-case SQL identifier (got "${reportingSchema}")`);
  else if (reportingSchema !== 'reporting') {
    // BI, dbt sources and the views' SQL are written against `reporting`; a different schema would
    // silently split the product in two.
    problems.push(`REPORTING_SCHEMA must be "reporting": BI and the migrations depend on that name (got "${reportingSchema}")`);
  }

  const piiRedact = bool('ETL_PII_REDACT');
  const piiTokenKey = env.ETL_PII_TOKEN_KEY?.trim() || undefined;
  if (piiTokenKey !== undefined) {
    explicit.add('ETL_PII_TOKEN_KEY');
    if (piiTokenKey.length < 16) problems.push('ETL_PII_TOKEN_KEY must be at least 16 characters');
  }

  const config: Config = {
    dbUrl,
    temporal: { address, namespace, uiUrl: str('TEMPORAL_UI_URL').replace(/\/+$/, ''), taskQueue: str('LAKEHOUSE_TASK_QUEUE') },
    lake: { store: store as LakeStoreKind, bucket, prefix, localDir: str('LAKE_LOCAL_DIR'), s3Endpoint, region: str('AWS_REGION'), credentials: awsCredentials(env, problems) },
    etl: {
      hourlyCron: cron('ETL_HOURLY_CRON'),
      nightlyCron: cron('ETL_NIGHTLY_CRON'),
      reportingSchema,
      piiRedact,
      piiTokenKey,
      maxLookbackDays: int('ETL_MAX_LOOKBACK_DAYS', 1, 36500),
      overlapMinutes: int('ETL_OVERLAP_MINUTES', 0, 10080),
      safetyLagSeconds: int('ETL_SAFETY_LAG_SECONDS', 0, 86400),
      tenantConcurrency: int('ETL_TENANT_CONCURRENCY', 1, 256),
    },
    dbtTarget: str('DBT_TARGET'),
    apiPort: int('API_PORT', 1, 65535),
    metricsPort: int('METRICS_PORT', 0, 65535),
    explicit,
  };
  if (!/^[A-Za-z0-9_-]+$/.test(config.dbtTarget)) problems.push(`DBT_TARGET must be a profile target name (got "${config.dbtTarget}")`);

  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

function awsCredentials(env: Env, problems: string[]): Config['lake']['credentials'] {
  const accessKeyId = env.AWS_ACCESS_KEY_ID?.trim();
  const secretAccessKey = env.AWS_SECRET_ACCESS_KEY?.trim();
  if (!accessKeyId && !secretAccessKey) return undefined;
  if (!accessKeyId || !secretAccessKey) {
    problems.push('AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must be set together');
    return undefined;
  }
  return { accessKeyId, secretAccessKey, sessionToken: env.AWS_SESSION_TOKEN?.trim() || undefined };
}

/** For messages: never print a password. */
export function redactUrl(url: string): string {
  return url.replace(/(\/\/[^:/@]+:)[^@]*@/, '$1***@');
}
