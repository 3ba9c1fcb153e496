import type { EtlRunInput, RunResult } from '../lib/workflow-types';
import { runScheduledEtl } from './etl-run';

/** Hourly: dimensions and the activity facts, incrementally from each tenant's watermarks. */
export async function hourlyEtlWorkflow(input: EtlRunInput = {}): Promise<RunResult> {
  return runScheduledEtl('hourly', input);
}
