/**
 * Deterministic synthetic data for the source contract (`lakehouse seed`), and helpers tests use
 * to create deltas, late commits and status changes. Generation is set-based SQL inside Postgres;
 * Node only sequences the statements.
 */
export { seedDatabase, validateSeedOptions, SEED_LIMITS } from './generate';
export type { SeedOptions, SeedSummary } from './generate';
export { appendActivity } from './append';
export type { AppendOptions, AppendSummary } from './append';
export { injectLateRow, injectStatusChange } from './inject';
export type { LateRowOptions, InjectedRow, StatusChangeOptions, StatusTable } from './inject';
export { datasetChecksum, SOURCE_TABLES } from './checksum';
export { startOfUtcDay } from './session';

/** `lakehouse seed` defaults (the demo). */
export const SEED_DEFAULTS = { tenants: 3, loans: 500, days: 90, seed: 42 } as const;
