// Each module registers one command group on the program. Order is the order of `lakehouse --help`.
export { registerMigrateCommand } from './migrate';
export { registerSeedCommand } from './seed';
export { registerWorkerCommand } from './worker';
export { registerDevCommand } from './dev';
export { registerDemoCommand } from './demo';
export { registerLakeCommands } from './lake';
export { registerApiCommands } from './api';
export { registerDbtCommand } from './dbt';
export { registerSchedulesCommands } from './schedules';
export { registerRunCommand } from './run';
export { registerBackfillCommand } from './backfill';
export { registerStatusCommand } from './status';
export { registerRunsCommand } from './runs';
export { registerWatermarksCommand } from './watermarks';
