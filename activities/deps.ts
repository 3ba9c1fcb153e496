import type { Pool } from 'pg';
import type { Config } from '../lib/config';

/** What every activity factory receives: tests pass a real pool and config of their own. */
export interface ActivityDeps {
  pool: Pool;
  config: Config;
}
