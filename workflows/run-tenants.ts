/**
 * Fans a run out to one child workflow per tenant with bounded concurrency. A failed child is
 * recorded (with whatever it loaded) and the rest carry on; the parent decides what failure means.
 */
import { ApplicationFailure, ChildWorkflowFailure, executeChild, ParentClosePolicy } from '@temporalio/workflow';
import type { RunProgress, TenantEtlInput, TenantEtlResult } from '../lib/workflow-types';
import { settleBounded } from './bounded';
import { addFailure, addTenantResult, publishDetails } from './progress';
import { rootMessage, tenantEtlWorkflow } from './tenant-etl';

export async function runTenantChildren(
  tasks: Array<{ childId: string; summary: string; input: TenantEtlInput }>,
  progress: RunProgress,
  concurrency: number,
): Promise<Set<string>> {
  const failed = new Set<string>();
  await settleBounded(tasks, concurrency, async ({ childId, summary, input }) => {
    try {
      const r = await executeChild(tenantEtlWorkflow, {
        workflowId: childId,
        args: [input],
        staticSummary: summary,
        parentClosePolicy: ParentClosePolicy.TERMINATE,
      });
      addTenantResult(progress, r);
    } catch (err) {
      failed.add(input.tenantId);
      const partial = partialResult(err);
      if (partial) addTenantResult(progress, partial);
      addFailure(progress, { tenantId: input.tenantId, tenantName: input.tenantName, error: rootMessage(err) });
    }
    progress.tenantsDone += 1;
    publishDetails(progress);
  });
  return failed;
}

function partialResult(err: unknown): TenantEtlResult | undefined {
  if (err instanceof ChildWorkflowFailure && err.cause instanceof ApplicationFailure) {
    const d = err.cause.details?.[0] as TenantEtlResult | undefined;
    if (d && Array.isArray(d.loads)) return d;
  }
  return undefined;
}
