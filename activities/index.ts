import type { ActivityDeps } from './deps';
import { createOrganizationActivities } from './organization-activities';

export type { ActivityDeps } from './deps';

/** Every activity of keywarden, bound to its dependencies. Workflows import only this type. */
export function createActivities(deps: ActivityDeps) {
  return {
    ...createOrganizationActivities(deps),
  };
}

export type KeywardenActivities = ReturnType<typeof createActivities>;
