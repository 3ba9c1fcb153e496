/**
 * The environment dbt runs with, derived from the project's one configuration (lib/config.ts).
 *
 * dbt's profiles.yml cannot parse a URL, so `DB_URL` is split here into the variables that
 * analytics/profiles.yml reads with `env_var()`. Nothing else chooses where dbt connects: the same
 * `DB_URL` the loaders and the API use is the one the models read.
 *
 * The names are `DBT_PG_*`, not the obvious `DBT_HOST`…: dbt itself reads `DBT_HOST` as the default
 * of `dbt docs serve --host`, so exporting the database host under that name made the docs server
 * try to listen on the database's address. The password is `DBT_ENV_SECRET_PG_PASSWORD`: dbt
 * scrubs `DBT_ENV_SECRET_*` values from its logs and refuses them outside profiles.yml.
 */
import type { Config } from '../config';
import { BadInputError } from '../errors';

export interface DbtConnectionEnv {
  DBT_PG_HOST: string;
  DBT_PG_PORT: string;
  DBT_PG_USER: string;
  DBT_ENV_SECRET_PG_PASSWORD: string;
  DBT_PG_DBNAME: string;
  DBT_PG_SSLMODE: string;
  /** dbt's own variable for `--target`; profiles.yml also defaults to it. */
  DBT_TARGET: string;
}

/**
 * Splits a postgres:// URL the way libpq reads it: percent-decoded user, password and database,
 * port 5432 by default, and the `host` / `sslmode` query parameters libpq honours (a `host` query
 * parameter is how a URL names a Unix-socket directory).
 */
export function dbtConnectionEnv(config: Pick<Config, 'dbUrl' | 'dbtTarget'>): DbtConnectionEnv {
  let url: URL;
  try {
    url = new URL(config.dbUrl);
  } catch {
    throw new BadInputError('DB_URL must be a postgres:// URL for dbt');
  }
  const decode = (s: string) => decodeURIComponent(s);
  const host = url.searchParams.get('host') ?? decode(url.hostname).replace(/^\[(.*)\]$/, '$1');
  const dbname = decode(url.pathname.replace(/^\//, ''));
  const user = decode(url.username) || url.searchParams.get('user') || '';
  if (!host) throw new BadInputError('DB_URL names no host; dbt needs one');
  if (!dbname) throw new BadInputError('DB_URL names no database (postgres://user@host:port/DATABASE); dbt needs one');
  if (!user) throw new BadInputError('DB_URL names no user (postgres://USER@host:port/database); dbt needs one');
  return {
    DBT_PG_HOST: host,
    DBT_PG_PORT: url.port || url.searchParams.get('port') || '5432',
    DBT_PG_USER: user,
    DBT_ENV_SECRET_PG_PASSWORD: decode(url.password) || url.searchParams.get('password') || '',
    DBT_PG_DBNAME: dbname,
    DBT_PG_SSLMODE: url.searchParams.get('sslmode') ?? 'prefer',
    DBT_TARGET: config.dbtTarget,
  };
}
