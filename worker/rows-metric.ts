/**
 * Counts rows loaded and exported per stream for the Prometheus endpoint, in one place rather than
 * in every activity: any activity result carrying `stream`/`table` and `rowsInserted`/`rows` is counted.
 */
import type { Context } from '@temporalio/activity';
import type { ActivityInterceptors } from '@temporalio/worker';

export function rowsMetricInterceptor(ctx: Context): ActivityInterceptors {
  const loaded = ctx.metricMeter.createCounter('lakehouse_rows_loaded', 'rows', 'Rows inserted into reporting tables, by stream');
  const exported = ctx.metricMeter.createCounter('lakehouse_rows_exported', 'rows', 'Rows written to the lake, by table');
  return {
    inbound: {
      async execute(input, next) {
        const result = (await next(input)) as Record<string, unknown> | undefined;
        if (result && typeof result === 'object') {
          if (typeof result.stream === 'string' && typeof result.rowsInserted === 'number') {
            loaded.add(result.rowsInserted, { stream: result.stream });
          } else if (typeof result.table === 'string' && typeof result.rows === 'number' && Array.isArray(result.objects)) {
            exported.add(result.rows, { table: result.table });
          }
        }
        return result;
      },
    },
  };
}
