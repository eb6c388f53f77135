import { createAccountContainmentActivities } from './account-containment';
import { createApproverRegistryActivities } from './approver-registry-activities';
import type { ActivityDeps } from './deps';
import { createInventoryActivities } from './inventory-activities';
import { createKeyActivities } from './key-activities';
import { createMonitorActivities } from './monitor-activities';
import { createNotificationActivities } from './notification-activities';
import { createOffboardingActivities } from './offboarding-activities';
import { createOrganizationActivities } from './organization-activities';
import { createRevokeActivities } from './revoke-activities';
import { createRollbackActivities } from './rollback-activities';
import { createTroubleshootActivities } from './troubleshoot-activities';
import { createScpActivities } from './scp-activities';
import { createWorkflowActivities } from './workflow-activities';

export type { ActivityDeps } from './deps';

/** Every activity of keywarden, bound to its dependencies. Workflows import only this type. */
export function createActivities(deps: ActivityDeps) {
  return {
    ...createOrganizationActivities(deps),
    ...createInventoryActivities(deps),
    ...createKeyActivities(deps),
    ...createOffboardingActivities(deps),
    ...createAccountContainmentActivities(deps),
    ...createWorkflowActivities(deps),
    ...createApproverRegistryActivities(deps),
    ...createRevokeActivities(deps),
    ...createRollbackActivities(deps),
    ...createTroubleshootActivities(deps),
    ...createMonitorActivities(deps),
    ...createScpActivities(deps),
    ...createNotificationActivities(deps),
  };
}

export type KeywardenActivities = ReturnType<typeof createActivities>;
