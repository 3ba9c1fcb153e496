// Placeholder until the lake export activities land (issue 6).
import type { ActivityDeps } from '../deps';

export function createLakeActivities(_deps: ActivityDeps) {
  return {};
}
