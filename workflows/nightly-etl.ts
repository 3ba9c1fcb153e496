import type { EtlRunInput, RunResult } from '../lib/workflow-types';
import { runScheduledEtl } from './etl-run';

/** Nightly: dimensions, facts, the previous day's servicing snapshot, then the lake export. */
export async function nightlyEtlWorkflow(input: EtlRunInput = {}): Promise<RunResult> {
  return runScheduledEtl('nightly', input);
}
