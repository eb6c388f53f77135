import {
  condition,
  getExternalWorkflowHandle,
  proxyActivities,
  setHandler,
  sleep,
} from '@temporalio/workflow';
import type { KeywardenActivities } from '../activities';
import type { MemberRoleRef } from '../activities/aws/credentials';
import type { ApprovalDecision } from '../domain/approval-state';
import type { UserRotationReport, UserRotationStatus } from '../domain/rotation-report';
import { failureMessage } from './failure-message';
import { deletionDecisionSignal, keyProgressSignal, keyStatusQuery } from './messages';

export interface KeyRotationInput {
  accountWorkflowId: string;
  target: MemberRoleRef;
  secretName: string;
  adoptionMs: number;
  graceMs: number;
  oldAccessKeyId: string;
  inactiveKeyToDelete?: string;
  /** Every key the user held at inventory: any other key found later was made by this saga. */
  knownAccessKeyIds: string[];
  /** The report as selection left it (action, reason, keys and findings). */
  report: UserRotationReport;
}

const aws = proxyActivities<KeywardenActivities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s', maximumAttempts: 8 },
});

// A brand-new key is refused until IAM has propagated it: retry longer.
const verification = proxyActivities<KeywardenActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '2s', backoffCoefficient: 1.5, maximumInterval: '20s', maximumAttempts: 12 },
});

/**
 * The rotation saga of one IAM user: create and store a new key, verify it, wait out the
 * adoption window, deactivate the old key, wait out the grace window, then delete the old key
 * only after an approval. A failure before deactivation discards the new key and puts the
 * secret back; a rejection reactivates the old key and keeps the new one.
 */
export async function keyRotation(input: KeyRotationInput): Promise<UserRotationReport> {
  const report: UserRotationReport = {
    ...input.report,
    status: 'in-progress',
    timeline: [...input.report.timeline],
  };
  const { target } = input;
  const userName = report.userName;
  let decision: ApprovalDecision | undefined;
  setHandler(keyStatusQuery, () => report);
  setHandler(deletionDecisionSignal, (d) => {
    decision ??= d;
  });
  const note = (event: string) => report.timeline.push({ at: new Date().toISOString(), event });
  const finish = (status: UserRotationStatus, event: string) => {
    report.status = status;
    note(event);
    return report;
  };

  const awaitDecision = async (): Promise<ApprovalDecision> => {
    if (!decision) {
      note('waiting for the deletion approval');
      await getExternalWorkflowHandle(input.accountWorkflowId).signal(keyProgressSignal, {
        userName,
        stage: 'awaiting-decision',
      });
      await condition(() => decision !== undefined);
    }
    const d = decision as ApprovalDecision;
    note(`deletion decision: ${d.outcome} (${d.reason})`);
    return d;
  };

  let knownAccessKeyIds = input.knownAccessKeyIds;
  if (input.inactiveKeyToDelete) {
    // The inactive key holds the second slot: the new key needs it, and deleting needs approval.
    const early = await awaitDecision();
    if (early.outcome !== 'approved') {
      return finish('skipped', 'the inactive key was not approved for deletion, so no new key could be made');
    }
    await aws.deleteAccessKey({ target, userName, accessKeyId: input.inactiveKeyToDelete });
    report.deletedAccessKeyIds.push(input.inactiveKeyToDelete);
    knownAccessKeyIds = knownAccessKeyIds.filter((id) => id !== input.inactiveKeyToDelete);
    note(`deleted inactive key ${input.inactiveKeyToDelete}`);
  }

  let created: Awaited<ReturnType<KeywardenActivities['createAndStoreKey']>> | undefined;
  try {
    created = await aws.createAndStoreKey({
      target,
      userName,
      knownAccessKeyIds,
      secretName: input.secretName,
    });
    report.newAccessKeyId = created.accessKeyId;
    report.secretArn = created.secretArn;
    report.secretVersionId = created.versionId;
    note(`created key ${created.accessKeyId}, stored as version ${created.versionId} of ${input.secretName}`);

    await verification.verifyAccessKey({
      target,
      userName,
      accessKeyId: created.accessKeyId,
      secretName: input.secretName,
    });
    note('verified the new key with sts:GetCallerIdentity');

    const adoptionStarted = Date.now();
    await sleep(input.adoptionMs);
    const lastUsed = await aws.getKeyLastUsed({ target, accessKeyId: input.oldAccessKeyId });
    report.oldKeyLastUsed = lastUsed.lastUsedDate;
    report.oldKeyUsedDuringAdoption =
      lastUsed.lastUsedDate !== undefined && Date.parse(lastUsed.lastUsedDate) >= adoptionStarted;
    note(
      `adoption window over; old key last used ${lastUsed.lastUsedDate ?? 'never'}` +
        (report.oldKeyUsedDuringAdoption ? ' (still in use during the window)' : ''),
    );

    await aws.setAccessKeyStatus({ target, userName, accessKeyId: input.oldAccessKeyId, status: 'Inactive' });
    note(`deactivated old key ${input.oldAccessKeyId}`);
  } catch (error) {
    report.error = failureMessage(error);
    if (created) {
      const undo = created;
      await aws.discardNewKey({
        target,
        userName,
        accessKeyId: undo.accessKeyId,
        secretName: input.secretName,
        versionId: undo.versionId,
        previousVersionId: undo.previousVersionId,
        secretCreated: undo.secretCreated,
      });
      return finish(
        'compensated',
        `failed before deactivation; discarded new key ${undo.accessKeyId} and restored the secret`,
      );
    }
    return finish('failed', 'failed before a new key was made; nothing changed');
  }

  try {
    await sleep(input.graceMs);
    const final = await awaitDecision();
    if (final.outcome === 'approved') {
      await aws.deleteAccessKey({ target, userName, accessKeyId: input.oldAccessKeyId });
      report.deletedAccessKeyIds.push(input.oldAccessKeyId);
      return finish('rotated', `deleted old key ${input.oldAccessKeyId}`);
    }
    await aws.setAccessKeyStatus({ target, userName, accessKeyId: input.oldAccessKeyId, status: 'Active' });
    return finish('rolled-back', `reactivated old key ${input.oldAccessKeyId}; the new key stays stored`);
  } catch (error) {
    report.error = failureMessage(error);
    return finish('failed', 'failed after the old key was deactivated; the new key is live');
  }
}
