import { proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { KeywardenActivities } from '../activities';
import { revokeWorkflowId } from '../domain/revoke-workflow-id';
import { planRollback, type RollbackResult } from '../domain/rollback-plan';
import type { RollbackRequest } from '../domain/rollback-request';
import { keyWorkflowId } from './key-rotation';

const { lookUpKey, runningWorkflows, restorePreviousStoredKey } = proxyActivities<KeywardenActivities>({
  startToCloseTimeout: '2 minutes',
  retry: { maximumAttempts: 5, initialInterval: '1s', backoffCoefficient: 2 },
});

/**
 * Points a user's stored key back at the previous version (`keywarden rollback`), for consumers
 * that cannot use the new key. Its workflow ID is `rollback-<account>-<user>` (set by the starter).
 *
 * It refuses, changing nothing, when the previous version's key is no longer Active in IAM (the
 * consumers would get a key that does not work), when there is no previous version, and while a
 * rotation or revocation of the user's keys runs: that workflow would go on to deactivate or
 * delete the key the consumers were just handed back (`keywarden abort` rolls back a campaign's
 * sagas instead). The restore re-reads the key and the labels right before it moves anything.
 * Deletes nothing: the newer key stays Active in IAM, and a later rotation replaces it.
 */
export async function rollbackStoredKey(request: RollbackRequest): Promise<RollbackResult> {
  const { workflowId } = workflowInfo();
  const result: RollbackResult = {
    workflowId,
    accountId: request.accountId,
    userName: request.userName,
    reason: request.reason,
    requestedBy: request.initiator,
    outcome: 'refused',
    detail: '',
  };
  const lookup = await lookUpKey({
    accountId: request.accountId,
    userName: request.userName,
    roleName: request.access.roleName,
    ...(request.access.externalId === undefined ? {} : { externalId: request.access.externalId }),
  });
  const decided = planRollback(lookup, request);
  if ('refused' in decided) return { ...result, detail: decided.refused };
  const { plan } = decided;
  result.plan = plan;

  const running = await runningWorkflows({
    workflowIds: [
      keyWorkflowId(request.accountId, request.userName),
      ...lookup.userKeys.map((k) => revokeWorkflowId(k.accessKeyId)),
    ],
  });
  if (running.length > 0) {
    return {
      ...result,
      detail:
        `${running.join(', ')} ${running.length === 1 ? 'is' : 'are'} working on this user's keys: it would go on ` +
        'to deactivate or delete the key a rollback hands back. Abort it (keywarden abort <campaign-id>) ' +
        'or let it finish, then roll back',
    };
  }

  const restored = await restorePreviousStoredKey({
    accountId: request.accountId,
    userName: request.userName,
    access: request.access,
    workflowId,
    plan,
  });
  if (!restored.restored) return { ...result, detail: restored.reason };
  return {
    ...result,
    outcome: 'restored',
    detail:
      `${plan.location.kind} ${plan.location.name} is back at version ${plan.previous.versionId} ` +
      `(${plan.previous.accessKeyId}); version ${plan.current.versionId} (${plan.current.accessKeyId}) is no ` +
      'longer current and that key stays Active in IAM',
  };
}
