// The worker's workflowsPath: every workflow type, plus the query they answer.
export { hourlyEtlWorkflow } from './hourly-etl';
export { nightlyEtlWorkflow } from './nightly-etl';
export { tenantEtlWorkflow } from './tenant-etl';
export { backfillWorkflow } from './backfill';
export { progressQuery } from './progress';
