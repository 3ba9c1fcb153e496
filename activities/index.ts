/**
 * Every activity the worker registers, built from one set of dependencies. Workflows import only
 * the *type* `Activities` from here (never the implementations: they would drag pg into the bundle).
 */
import type { EtlActivities } from '../lib/etl-types';
import type { ActivityDeps } from './deps';
import { createLakeActivities } from './lake';
import { createLoaderActivities } from './loaders';
import { createTenantActivities } from './tenants';

export type { ActivityDeps } from './deps';

export function createActivities(deps: ActivityDeps) {
  return {
    ...createTenantActivities(deps),
    ...createLoaderActivities(deps),
    ...createLakeActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;

// Compile-time proof that what the worker registers is what the workflows call (lib/etl-types.ts).
type Satisfies<T extends U, U> = T;
export type _ActivitiesMatchWorkflowContract = Satisfies<Activities, EtlActivities>;
