/**
 * The nightly's last step (and `backfill --export`): every lake table for every tenant that loaded
 * cleanly, each export followed by its reconciliation. A mismatch or a failed export counts against
 * the tenant, so the run fails loudly and names it.
 */
import { LAKE_TABLES } from '../lib/etl-types';
import type { RunProgress } from '../lib/workflow-types';
import { lakeActivities } from './activity-proxies';
import { settleBounded } from './bounded';
import { addFailure, publishDetails } from './progress';
import { rootMessage } from './tenant-etl';

export async function exportLakeStep(tenants: Array<{ id: string; name: string }>, progress: RunProgress, runId: string, concurrency: number): Promise<void> {
  progress.phase = 'exporting';
  progress.lake = { tablesExported: 0, rowsExported: 0, reconciled: 0, mismatches: 0 };
  const lake = progress.lake;
  publishDetails(progress);
  await settleBounded(tenants, concurrency, async (tenant) => {
    for (const table of LAKE_TABLES) {
      const input = { tenantId: tenant.id, table, workflowId: runId };
      try {
        const exported = await lakeActivities.exportLakeTable.executeWithOptions({ summary: `export ${table} · ${tenant.name}`, startToCloseTimeout: '4 hours', heartbeatTimeout: '1 minute' }, [input]);
        lake.tablesExported += 1;
        lake.rowsExported += exported.rows;
        const rec = await lakeActivities.reconcileLakeTable.executeWithOptions({ summary: `reconcile ${table} · ${tenant.name}`, startToCloseTimeout: '1 hour', heartbeatTimeout: '1 minute' }, [input]);
        lake.reconciled += 1;
        if (!rec.ok) throw new Error(`lake ${table} does not reconcile: ${rec.lakeRows} rows vs ${rec.pgRows} in Postgres`);
      } catch (err) {
        lake.mismatches += 1;
        addFailure(progress, { tenantId: tenant.id, tenantName: tenant.name, error: `lake ${table}: ${rootMessage(err)}` });
        publishDetails(progress);
        return;
      }
      publishDetails(progress);
    }
  });
}
