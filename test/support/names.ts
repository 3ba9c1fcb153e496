export const TEMPLATE_DB = 'lakehouse_template';

/**
 * Schedule IDs are fixed (etl-hourly, etl-nightly) and namespace-wide, so each test file that
 * applies schedules gets a namespace of its own, created when the dev server starts.
 */
export const SCHEDULE_NAMESPACES = { workflows: 'lakehouse-schedules-wf', cli: 'lakehouse-schedules-cli' } as const;
export const EXTRA_NAMESPACES: string[] = Object.values(SCHEDULE_NAMESPACES);
