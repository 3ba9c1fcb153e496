/**
 * Loader activities: one tenant, one stream, one transaction each (see run-load.ts for the shape,
 * watermark.ts for the window and late-row policy, servicing.ts for the snapshot's definitions).
 *
 * Built by a factory over the pool and config so tests pass their own; the worker spreads the
 * result into its activity registry (activities/index.ts).
 */
import type { DimStream, FactStream } from '../../lib/constants';
import type { LoadInput, LoadResult, SnapshotInput } from '../../lib/etl-types';
import type { ActivityDeps } from '../deps';
import { DIM_SQL } from './dimensions';
import { FACT_SQL } from './facts';
import { runServicingSnapshot, runStreamLoad, type LoaderOptions } from './run-load';

export { streamLockKey, lockStream, tryLockStream } from './lock';
export { watermarkWindow, type Window, type WatermarkWindowInput } from './watermark';
export { classifyError, toActivityFailure, RETRYABLE_TYPES } from './errors';
export type { LoaderOptions } from './run-load';

/**
 * Dimensions also accept `full: true`: re-derive every row of the tenant (the nightly refresh),
 * which also picks up deleted datapoints and rows that committed later than the overlap.
 */
export type DimLoadInput = LoadInput & { full?: boolean };

export function createLoaderActivities(deps: ActivityDeps, options: LoaderOptions = {}) {
  const dim = (stream: DimStream) => (input: DimLoadInput): Promise<LoadResult> => runStreamLoad(deps, stream, DIM_SQL[stream], input, options);
  const fact = (stream: FactStream) => (input: LoadInput): Promise<LoadResult> =>
    // Facts take no `full`: re-reading a whole table hourly would make a load's cost follow the
    // table's size; a backfill window is the tool for history.
    runStreamLoad(deps, stream, FACT_SQL[stream], { ...input, full: undefined }, options);

  return {
    loadDimInvestor: dim('dim_investor'),
    loadDimLoan: dim('dim_loan'),
    loadFactTxn: fact('fact_txn'),
    loadFactQc: fact('fact_qc'),
    loadFactExport: fact('fact_export'),
    loadFactNotify: fact('fact_notify'),
    loadFactRemit: fact('fact_remit'),
    loadFactServicing: (input: SnapshotInput): Promise<LoadResult> => runServicingSnapshot(deps, input, options),
  };
}
