import {
  defineQuery,
  log,
  patched,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { KeywardenActivities } from '../activities';
import type { MemberRoleRef } from '../activities/aws/credentials';
import type { StagedKeyInput } from '../activities/key-activities';
import { effectiveSignatures } from '../domain/effective-signatures';
import { durationToMs } from '../domain/duration-ms';
import { leafHash, merkleRoot } from '../domain/plan-digest';
import type { RevokeRequest } from '../domain/revoke-request';
import type { RevokePhase, RevokeStatus } from '../domain/revoke-report';
import { renderSecretName } from '../domain/secret-name-template';
import { KeywardenPhase } from '../domain/search-attributes';
import { roleSessionName } from '../domain/session-name';
import { ApprovalGate, refuseApprovals } from './approval-gate';
import { creation, verification } from './rollout-activities';
import { failureMessage } from './failure-message';
import { ApproverNotices, decisionWithNotices, NOTIFICATIONS } from './notify';

export interface RevokeKeyInput {
  request: RevokeRequest;
  /** ISO-8601: when the revocation was asked for. */
  requestedAt: string;
}

/** Refused approvals noted in the timeline of a revocation that has no gate. */
const MAX_REFUSAL_NOTES = 20;

export const revokeStatusQuery = defineQuery<RevokeStatus>('status');

const { approverRegistry } = proxyActivities<KeywardenActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { maximumAttempts: 10 },
});

const aws = proxyActivities<KeywardenActivities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s', maximumAttempts: 8 },
});

// Containing a leaked key is the point: short timeouts, fast and persistent retries.
const containment = proxyActivities<KeywardenActivities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '500ms', backoffCoefficient: 2, maximumInterval: '30s', maximumAttempts: 20 },
});

/** What an approval of a revocation approves: deleting exactly this key of this user. */
export function revokePlanDigest(accountId: string, userName: string, accessKeyId: string): string {
  return merkleRoot([leafHash('revoke-delete', accountId, userName, accessKeyId)]);
}

/**
 * Revokes a leaked access key. Its workflow ID is `revoke-<accessKeyId>` (set by the starter),
 * so a second request finds this run.
 *
 * 1. Locate the key: its account (sts:GetAccessKeyInfo), which must be in the organization, then
 *    its user. Found nowhere, or outside the organization: nothing is changed.
 * 2. Deactivate it at once (reversible: no approval needed).
 * 3. Deny every session issued before now (aws:TokenIssueTime), so temporary credentials made
 *    with the key stop working too.
 * 4. With `replace`: create, stage, verify and promote a replacement exactly as a rotation does.
 * 5. Delete the key only after approval, and only if a re-check right before finds it still
 *    there and inactive (and the replacement active). A rejection or a timeout leaves it inactive.
 */
export async function revokeKey(input: RevokeKeyInput): Promise<RevokeStatus> {
  const { notifications, approval } = input.request;
  const notices = new ApproverNotices(
    notifications !== undefined && approval !== undefined && patched(NOTIFICATIONS)
      ? notifications
      : undefined,
    approval?.approvers ?? [],
  );
  const result = await revoke(input, notices);
  await notices.settled();
  return notices.tell === undefined ? result : { ...result, notifications: [...notices.records] };
}

async function revoke(input: RevokeKeyInput, notices: ApproverNotices): Promise<RevokeStatus> {
  const { request, requestedAt } = input;
  const { accessKeyId } = request;
  const workflowId = workflowInfo().workflowId;
  const status: RevokeStatus = {
    workflowId,
    accessKeyId,
    reason: request.reason,
    revokedBy: request.initiator,
    requestedAt,
    phase: 'locating',
    summary: 'locating the key',
    timeline: [],
    ...(notices.tell === undefined ? {} : { notifications: notices.records }),
  };
  const approval = request.approval;
  const gate =
    approval === undefined
      ? undefined
      : new ApprovalGate({
          approvers: approval.approvers,
          requiredApprovals: approval.requiredApprovals,
          initiator: request.initiator,
          timeoutMs: durationToMs(approval.timeout),
          // Silence never deletes the key, and never turns it back on.
          onTimeout: 'reject',
          signatures: approval.signatures,
          publicKeys: approval.publicKeys,
          acceptsCancel: false,
          refuseBeforeOpen: true,
        }).listen();
  const note = (event: string): void => {
    status.timeline.push({ at: new Date().toISOString(), event });
    setCurrentDetails(`Phase ${status.phase}. ${event}`);
  };
  if (gate === undefined) {
    // Noted a bounded number of times: a flood of messages must not grow the status.
    let refusals = 0;
    refuseApprovals(
      workflowId,
      (signal, reason) => {
        if (++refusals <= MAX_REFUSAL_NOTES) note(`refused ${signal}: ${reason}`);
      },
      'no approver was named for this revocation: the key stays inactive and nothing is deleted',
    );
  }
  const snapshot = (): RevokeStatus =>
    gate === undefined ? { ...status } : { ...status, approval: gate.snapshot() };
  setHandler(revokeStatusQuery, snapshot);

  const enter = (phase: RevokePhase, summary: string): void => {
    status.summary = summary;
    if (status.phase === phase) return;
    status.phase = phase;
    upsertSearchAttributes([{ key: KeywardenPhase, value: phase }]);
    log.info('revocation phase', { phase });
  };
  const finish = (phase: RevokePhase, summary: string): RevokeStatus => {
    enter(phase, summary);
    note(summary);
    status.finishedAt = new Date().toISOString();
    return snapshot();
  };
  const failed = (error: unknown): void => {
    status.error = `${status.error ? `${status.error}; ` : ''}${failureMessage(error)}`;
  };

  if (gate !== undefined && approval !== undefined) {
    // Unreadable registry: fail closed, signatures required and no key known, so nothing can approve.
    const registry = await approverRegistry().catch(() => ({
      configured: true,
      requireSignatures: true,
      publicKeys: {},
    }));
    if (gate.useSignatures(effectiveSignatures(approval, registry)).length > 0) {
      log.warn('approval.signatures is required but some approvers have no public key');
    }
  }

  // 1. Locate.
  let located;
  try {
    located = await aws.locateAccessKey({
      accessKeyId,
      access: request.access,
      sessionName: roleSessionName(workflowId),
    });
  } catch (error) {
    failed(error);
    return finish('failed', `could not locate key ${accessKeyId}; nothing was changed`);
  }
  if (!located.found) {
    status.accountId = located.accountId;
    return finish(located.reason, located.message);
  }
  const { accountId, userName } = located;
  Object.assign(status, {
    accountId,
    accountName: located.accountName,
    userName,
    keyCreatedAt: located.createDate,
  });
  note(`found key ${accessKeyId} of user ${userName} in account ${accountId} (${located.status})`);
  const target: MemberRoleRef = {
    accountId,
    roleName: request.access.roleName,
    sessionName: roleSessionName(workflowId),
    ...(request.access.externalId === undefined ? {} : { externalId: request.access.externalId }),
  };

  // 2 and 3. Contain: each step runs whatever happened to the other.
  enter('containing', `deactivating key ${accessKeyId} and denying its earlier sessions`);
  let deactivated = false;
  try {
    await containment.setAccessKeyStatus({ target, userName, accessKeyId, status: 'Inactive' });
    status.deactivatedAt = new Date().toISOString();
    deactivated = true;
    note(`deactivated key ${accessKeyId}`);
  } catch (error) {
    failed(error);
    note(`could not deactivate key ${accessKeyId}`);
  }
  let denied = false;
  try {
    const policy = await containment.denyEarlierSessions({
      target,
      userName,
      issuedBefore: new Date().toISOString(),
    });
    status.sessionsPolicyName = policy.policyName;
    status.sessionsDeniedBefore = policy.sessionsDeniedBefore;
    denied = true;
    note(`inline policy ${policy.policyName} denies sessions issued before ${policy.sessionsDeniedBefore}`);
  } catch (error) {
    failed(error);
    note('could not put the policy that denies earlier sessions');
  }
  try {
    status.lastUse = await aws.getKeyLastUsed({ target, accessKeyId });
  } catch (error) {
    note(`could not read the key's last use: ${failureMessage(error)}`);
  }
  if (!deactivated || !denied) {
    return finish(
      'needs-attention',
      `containment incomplete: key ${deactivated ? 'deactivated' : 'NOT deactivated'}, earlier sessions ${
        denied ? 'denied' : 'NOT denied'
      }; nothing else was done`,
    );
  }

  // 4. Replace.
  if (request.replace) {
    enter('replacing', `creating a replacement for key ${accessKeyId}`);
    const problem = await replace(target, userName, request.secretNameTemplate, status, note, failed);
    if (problem !== undefined) {
      return finish('needs-attention', `${problem}; key ${accessKeyId} stays inactive, nothing deleted`);
    }
  }

  // 5. Delete after approval.
  if (gate === undefined) {
    return finish(
      'kept-inactive',
      `key ${accessKeyId} stays inactive: no approver was named, so its deletion was not asked for`,
    );
  }
  gate.offer(
    revokePlanDigest(accountId, userName, accessKeyId),
    `delete leaked key ${accessKeyId} of user ${userName} in account ${accountId}`,
  );
  enter('awaiting-approval', `waiting for approval to delete key ${accessKeyId}: ${gate.describe()}`);
  // Without notifications this waits exactly as gate.waitForDecision does: the same commands.
  const decision = await decisionWithNotices(
    gate,
    workflowId,
    notices.tell,
    () => undefined,
    () => false,
  );
  if (decision === undefined || decision.outcome !== 'approved') {
    return finish(
      'kept-inactive',
      `deletion ${decision?.outcome ?? 'not decided'}${decision ? ` (${decision.reason})` : ''}; key ${accessKeyId} stays inactive`,
    );
  }
  note(`deletion approved (${decision.reason})`);

  enter('deleting', `re-checking key ${accessKeyId} before deleting it`);
  const refusal = await recheck(target, userName, status, request.replace);
  if (refusal !== undefined) return finish('needs-attention', `${refusal}; nothing deleted`);
  try {
    await aws.deleteAccessKey({ target, userName, accessKeyId });
  } catch (error) {
    failed(error);
    return finish('needs-attention', `could not delete key ${accessKeyId}; it stays inactive`);
  }
  status.deletedAt = new Date().toISOString();
  return finish('deleted', `deleted key ${accessKeyId} of user ${userName} in account ${accountId}`);
}

/** Creates, stages, verifies and promotes a replacement; returns what went wrong, if anything. */
async function replace(
  target: MemberRoleRef,
  userName: string,
  secretNameTemplate: string,
  status: RevokeStatus,
  note: (event: string) => void,
  failed: (error: unknown) => void,
): Promise<string | undefined> {
  const before = await aws.inspectUserKeys({ target, userName });
  if (!before.userExists) return `user ${userName} no longer exists, so no replacement was made`;
  if (before.keys.length >= 2) {
    return (
      `user ${userName} holds ${before.keys.length} keys (${before.keys.map((k) => k.accessKeyId).join(', ')}): ` +
      'no free slot for a replacement'
    );
  }
  const secretName = renderSecretName(secretNameTemplate, { userName, accountId: target.accountId });
  let created;
  try {
    created = await creation.createAndStageKey({
      target,
      userName,
      knownAccessKeyIds: before.keys.map((k) => k.accessKeyId),
      secretName,
      origin: { kind: 'revocation', workflowId: workflowInfo().workflowId },
    });
  } catch (error) {
    failed(error);
    return 'could not create and stage a replacement';
  }
  status.replacement = {
    accessKeyId: created.accessKeyId,
    secretName,
    secretArn: created.secretArn,
    versionId: created.versionId,
    verified: false,
    promoted: false,
  };
  note(
    `created replacement ${created.accessKeyId}, staged as version ${created.versionId} (AWSPENDING) of ${secretName}`,
  );
  const staged: StagedKeyInput = {
    target,
    userName,
    accessKeyId: created.accessKeyId,
    secretName,
    versionId: created.versionId,
  };
  try {
    await verification.verifyStagedKey(staged);
  } catch (error) {
    failed(error);
    try {
      await aws.discardNewKey({ ...staged, secretCreated: created.secretCreated });
      note(`discarded the unverified replacement ${created.accessKeyId}`);
    } catch (discardError) {
      failed(discardError);
    }
    return `the replacement ${created.accessKeyId} did not verify`;
  }
  status.replacement.verified = true;
  note(`verified the replacement ${created.accessKeyId} with sts:GetCallerIdentity`);
  try {
    await aws.promoteStagedKey(staged);
  } catch (error) {
    failed(error);
    return `the verified replacement ${created.accessKeyId} could not be promoted; it stays stored as AWSPENDING`;
  }
  status.replacement.promoted = true;
  note(`promoted the replacement to AWSCURRENT of ${secretName}`);
  return undefined;
}

/** Right before deleting: the key still there and inactive, unused since, the replacement active. */
async function recheck(
  target: MemberRoleRef,
  userName: string,
  status: RevokeStatus,
  replaced: boolean,
): Promise<string | undefined> {
  const now = await aws.inspectUserKeys({ target, userName });
  const key = now.keys.find((k) => k.accessKeyId === status.accessKeyId);
  if (key === undefined) return `key ${status.accessKeyId} no longer exists (removed by someone else)`;
  if (key.status !== 'Inactive') return `key ${status.accessKeyId} was reactivated since the revocation`;
  const since = Date.parse(status.deactivatedAt ?? status.requestedAt);
  if (key.lastUsedDate !== undefined && Date.parse(key.lastUsedDate) > since) {
    return `key ${status.accessKeyId} was used after it was deactivated`;
  }
  if (replaced) {
    const replacement = now.keys.find((k) => k.accessKeyId === status.replacement?.accessKeyId);
    if (replacement?.status !== 'Active') {
      return `the replacement ${status.replacement?.accessKeyId ?? '?'} is no longer active`;
    }
  }
  return undefined;
}
