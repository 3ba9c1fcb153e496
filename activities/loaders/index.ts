// Placeholder until the loader activities land (issue 4).
import type { ActivityDeps } from '../deps';

export function createLoaderActivities(_deps: ActivityDeps) {
  return {};
}
