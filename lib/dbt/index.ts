export { dbtConnectionEnv, type DbtConnectionEnv } from './env';
export { DBT_PROJECT_DIR, DBT_REQUIREMENTS, DBT_VENV, dbtProcessEnv, ensureDbt, runDbt, type DbtRunOptions, type DbtRunResult } from './run';
export { ensureVenv, venvIsCurrent, type VenvSpec } from './venv';
