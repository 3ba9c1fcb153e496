/**
 * Activity stubs with the retry and timeout policy each kind of work needs. Type-only import of the
 * activity contract: implementations (pg, Arrow, the AWS SDK) never enter the workflow bundle.
 */
import { proxyActivities } from '@temporalio/workflow';
import { NON_RETRYABLE_ERROR_TYPES, type Stream } from '../lib/constants';
import type { EtlActivities } from '../lib/etl-types';

const retry = {
  initialInterval: '2s',
  backoffCoefficient: 2,
  maximumInterval: '1m',
  // Unlimited by default in Temporal; a load that failed 5 times needs a person, not a sixth try.
  maximumAttempts: 5,
  nonRetryableErrorTypes: NON_RETRYABLE_ERROR_TYPES,
};

export const tenantsActivities = proxyActivities<Pick<EtlActivities, 'listTenants'>>({
  startToCloseTimeout: '1 minute',
  retry,
});

/** Loads heartbeat on a timer; a worker that dies mid-load is noticed within the heartbeat timeout. */
export const loaderActivities = proxyActivities<EtlActivities>({
  startToCloseTimeout: '2 hours',
  heartbeatTimeout: '30 seconds',
  retry,
});

export const lakeActivities = proxyActivities<Pick<EtlActivities, 'exportLakeTable' | 'reconcileLakeTable'>>({
  startToCloseTimeout: '4 hours',
  heartbeatTimeout: '1 minute',
  retry,
});

/** Which activity loads which stream (the activity type is what the UI shows for each step). */
export const LOAD_ACTIVITY: Record<Exclude<Stream, 'fact_servicing'>, keyof EtlActivities> = {
  dim_investor: 'loadDimInvestor',
  dim_loan: 'loadDimLoan',
  fact_txn: 'loadFactTxn',
  fact_qc: 'loadFactQc',
  fact_export: 'loadFactExport',
  fact_notify: 'loadFactNotify',
  fact_remit: 'loadFactRemit',
};
