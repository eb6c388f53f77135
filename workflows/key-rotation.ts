import {
  CancellationScope,
  condition,
  getExternalWorkflowHandle,
  isCancellation,
  log,
  patched,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { KeywardenActivities } from '../activities';
import type { MemberRoleRef } from '../activities/aws/credentials';
import type { CreateAndStageKeyResult, UserKeysNow } from '../activities/key-activities';
import type { AbortRequest, KeyDecision } from '../domain/approval-state';
import { describeDestination, type KeyDestination } from '../domain/saga-destination';
import { abortProblem, keyDecisionProblem, type KeyDecisionAuthority } from '../domain/decision-check';
import type { UserRotationReport, UserRotationStatus } from '../domain/rotation-report';
import { creation, verification } from './rollout-activities';
import { failureMessage } from './failure-message';
import {
  abortRotationSignal,
  keyDecisionSignal,
  keyProgressQuery,
  keyProgressSignal,
  keyStatusQuery,
  type KeyProgress,
} from './messages';
import { judged } from './judged';
import { refuseApprovals } from './approval-gate';
import type { OwnerNotice } from '../domain/notification-messages';
import type { OwnerNotifySettings } from '../domain/notification-settings';
import { NOTIFICATIONS, notifications, notify } from './notify';
import { adoptionSpreadMs } from '../domain/wake-spread';

/** Adoption windows lengthened a little per user, so the sagas of a campaign do not all wake at once. */
export const SPREAD_WAKEUPS = 'spread-adoption-wakeups';

export interface KeyRotationInput {
  /** The account workflow that counts this saga's slot and passes the decision down. */
  accountWorkflowId: string;
  campaignId: string;
  target: MemberRoleRef;
  /** The secret's name (Secrets Manager); kept for runs started before `destination`. */
  secretName: string;
  /** Where the new key is stored; a Secrets Manager secret named `secretName` when absent. */
  destination?: KeyDestination;
  adoptionMs: number;
  graceMs: number;
  oldAccessKeyId: string;
  inactiveKeyToDelete?: string;
  /** What to do when the old key was still used during the adoption window. */
  onOldKeyStillUsed: 'hold' | 'proceed';
  /** Who may approve the deletion: the saga checks every decision against it before deleting. */
  approval?: KeyDecisionAuthority;
  /** The report as selection left it (action, reason, keys and findings). */
  report: UserRotationReport;
  /** With spec.notifications: how to tell the key's owner, and who that is. Absent: nobody is told. */
  notify?: OwnerNotifySettings;
}

/** Refused messages noted in the timeline, and times a saga asks again after refusing a decision. */
const MAX_REFUSAL_NOTES = 20;
const MAX_ASKS = 10;

/** One rotation per user at a time, whichever campaign starts it. */
export function keyWorkflowId(accountId: string, userName: string): string {
  return `rotation/${accountId}/${userName}`;
}

const aws = proxyActivities<KeywardenActivities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s', maximumAttempts: 8 },
});

/** Where the saga stands, which decides what an abort or a cancellation undoes. */
type Stage = 'preflight' | 'created' | 'live' | 'deactivated';

/**
 * The rotation saga of one IAM user, following the Secrets Manager rotation protocol:
 * preflight, create the new key and stage it (AWSPENDING), verify it, promote it (AWSCURRENT),
 * wait out the adoption window, deactivate the old key, wait out the grace window, then delete
 * the old key only with an approval for that key.
 *
 * Point of no return: verification. Before it, a failure deletes the new key and its pending
 * version (consumers still read the old key). After it, nothing deletes the new key: a failure
 * leaves it live and stored, and the user is reported needs-attention with the reason.
 *
 * Every deactivation and deletion is preceded by a fresh read of the keys; anything unexpected
 * (the old key reactivated or used after deactivation, the new key no longer active) stops the
 * saga with needs-attention. AWS steps are not interrupted by cancellation; an abort or a
 * cancellation during a wait unwinds the saga in a non-cancellable scope.
 */
export async function keyRotation(input: KeyRotationInput): Promise<UserRotationReport> {
  const report: UserRotationReport = {
    ...input.report,
    status: 'in-progress',
    timeline: [...input.report.timeline],
  };
  const { target } = input;
  const userName = report.userName;
  const oldKey = input.oldAccessKeyId;
  const destination = input.destination ?? { type: 'secretsmanager', name: input.secretName };
  // Activity inputs made by runs started before `destination` stay as they were.
  const storedIn = input.destination === undefined ? {} : { destination };
  const ssm = destination.type === 'ssm-parameter';
  let stage = 'preflight' as Stage;
  let created: CreateAndStageKeyResult | undefined;
  let awaitingKey: string | undefined;
  let decision: KeyDecision | undefined;
  let abort: AbortRequest | undefined;
  let refusedDecisions = 0;
  let awaitingSinceMs: number | undefined;

  const received = (): KeyDecision | undefined => decision;
  const note = (event: string) => {
    report.timeline.push({ at: new Date().toISOString(), event });
    setCurrentDetails(`${userName} in ${target.accountId}: ${event}`);
  };
  const finish = (status: UserRotationStatus, event: string) => {
    report.status = status;
    note(event);
    return report;
  };
  setHandler(keyStatusQuery, () => report);
  // Refusals are noted a bounded number of times: a flood of messages must not grow the report.
  let refusals = 0;
  const noteRefusal = (what: string) => {
    refusals++;
    if (refusals <= MAX_REFUSAL_NOTES) note(what);
    else if (refusals === MAX_REFUSAL_NOTES + 1) note('further refused messages are not noted');
  };
  refuseApprovals(input.approval?.gateWorkflowId ?? input.campaignId, (signal, reason) =>
    noteRefusal(`refused ${signal}: ${reason}`),
  );
  setHandler(
    abortRotationSignal,
    judged('keywarden.abort', 'AbortRequestSchema', (request) => {
      if (abort) return;
      const problem =
        input.approval === undefined
          ? undefined
          : abortProblem(input.approval, input.campaignId, request, Date.now());
      if (problem !== undefined) return noteRefusal(`refused an abort: ${problem}`);
      abort = request;
    }),
  );
  setHandler(
    keyDecisionSignal,
    judged('keywarden.keyDecision', 'KeyDecisionSchema', (d) => {
      if (decision || awaitingKey === undefined) return;
      if (!d.accessKeyIds.includes(awaitingKey)) {
        noteRefusal(
          `refused the ${d.outcome} decision that does not cover key ${awaitingKey}, which this saga awaits`,
        );
        refusedDecisions++;
        return;
      }
      // Checked here, by the saga that deletes, whoever passed the decision on.
      const problem =
        input.approval === undefined
          ? undefined
          : keyDecisionProblem(
              input.approval,
              { accountId: target.accountId, userName, accessKeyId: awaitingKey },
              d,
              Date.now(),
              awaitingSinceMs,
            );
      if (problem !== undefined) {
        noteRefusal(`refused the ${d.outcome} decision for key ${awaitingKey}: ${problem}`);
        refusedDecisions++;
        return;
      }
      decision = d;
    }),
  );

  // AWS steps and messages run to completion even when the workflow is being cancelled.
  const step = <T>(fn: () => Promise<T>): Promise<T> => CancellationScope.nonCancellable(fn);
  let seq = 0;
  let told: KeyProgress | null = null;
  setHandler(keyProgressQuery, () => told);
  /** Tells the account workflow; false when it cannot be reached (gone: terminated or finished). */
  const tell = async (progress: Omit<KeyProgress, 'userName' | 'seq'>): Promise<boolean> => {
    seq++;
    told = { userName, seq, ...progress };
    const message = told;
    try {
      await step(() => getExternalWorkflowHandle(input.accountWorkflowId).signal(keyProgressSignal, message));
    } catch (error) {
      log.warn('could not report progress to the account workflow', { error: failureMessage(error) });
      return false;
    }
    return true;
  };
  const inspect = (): Promise<UserKeysNow> => step(() => aws.inspectUserKeys({ target, userName }));
  /** Waits `ms`; false when an abort came first. */
  const waitOut = async (ms: number): Promise<boolean> => {
    await condition(() => abort !== undefined, ms);
    return abort === undefined;
  };
  const awaitDecision = async (accessKeyId: string): Promise<KeyDecision | undefined> => {
    awaitingKey = accessKeyId;
    awaitingSinceMs = Date.now();
    decision = undefined;
    note(`waiting for an approval to delete key ${accessKeyId}`);
    if (!(await tell({ stage: 'awaiting-decision', accessKeyId }))) {
      // No decision can reach this saga any more: undo as an abort would, never wait forever.
      abort ??= { by: 'keywarden', reason: 'the account workflow is gone', at: new Date().toISOString() };
      return undefined;
    }
    let asked = 1;
    for (;;) {
      const refusedSoFar = refusedDecisions;
      await condition(() => decision !== undefined || abort !== undefined || refusedDecisions > refusedSoFar);
      if (decision !== undefined || abort !== undefined) break;
      // A refused decision: ask again (a bounded number of times), so the next round's plan holds this key.
      if (asked >= MAX_ASKS) continue;
      asked++;
      if (!(await tell({ stage: 'awaiting-decision', accessKeyId }))) {
        abort ??= { by: 'keywarden', reason: 'the account workflow is gone', at: new Date().toISOString() };
      }
    }
    awaitingKey = undefined;
    const d = received();
    if (abort || !d) return undefined;
    note(`decision on key ${accessKeyId}: ${d.outcome} (${d.reason})`);
    return d;
  };

  const discard = async (why: string): Promise<UserRotationReport> => {
    const made = created as CreateAndStageKeyResult;
    try {
      await step(() =>
        aws.discardNewKey({
          target,
          userName,
          accessKeyId: made.accessKeyId,
          secretName: input.secretName,
          ...storedIn,
          versionId: made.versionId,
          secretCreated: made.secretCreated,
        }),
      );
    } catch (error) {
      report.error = `${report.error ? `${report.error}; ` : ''}compensation failed: ${failureMessage(error)}`;
      return finish('failed', `${why}; could not discard the unverified key ${made.accessKeyId}`);
    }
    return finish(
      'compensated',
      `${why}; discarded the unverified key ${made.accessKeyId} and its pending version (${ssm ? 'label current' : 'AWSCURRENT'} untouched)`,
    );
  };

  const reactivateOldKey = async (why: string): Promise<UserRotationReport> => {
    const now = await inspect();
    const old = now.keys.find((k) => k.accessKeyId === oldKey);
    if (!old)
      return finish('rolled-back', `${why}; the old key ${oldKey} no longer exists, the new key stays live`);
    if (now.containmentPolicy !== undefined) {
      return finish(
        'needs-attention',
        `${why}; the user is contained by keywarden (inline policy ${now.containmentPolicy}), so the old key ${oldKey} stays inactive`,
      );
    }
    if (old.status !== 'Active') {
      await step(() => aws.setAccessKeyStatus({ target, userName, accessKeyId: oldKey, status: 'Active' }));
    }
    return finish('rolled-back', `${why}; reactivated old key ${oldKey}, the new key stays live and stored`);
  };

  /** What an abort or a cancellation undoes, by stage. Never deletes a verified key. */
  const unwind = async (why: string): Promise<UserRotationReport> => {
    switch (stage) {
      case 'preflight':
        return finish('skipped', `${why} before a new key was made; nothing changed`);
      case 'created':
        return discard(why);
      case 'live':
        return finish('rolled-back', `${why}; the old key ${oldKey} stays active and the new key stays live`);
      case 'deactivated':
        return reactivateOldKey(why);
    }
  };
  const notifySettings = input.notify !== undefined && patched(NOTIFICATIONS) ? input.notify : undefined;
  /** Tells the key's owner; a failure is recorded in the report and the rotation goes on. */
  const tellOwner = async (notice: OwnerNotice): Promise<void> => {
    if (notifySettings === undefined) return;
    const settings = notifySettings;
    const record = await notify(notice.kind, () => notifications.notifyKeyOwner({ settings, notice }));
    report.notifications = [...(report.notifications ?? []), record];
    if (record.failed.length > 0) {
      note(
        `notification ${notice.kind} ${record.sent.length > 0 ? 'partly failed' : 'failed'}: ${record.failed.join('; ')}`,
      );
    }
  };
  const who = {
    accountId: target.accountId,
    userName,
    ...(input.notify?.owner === undefined ? {} : { owner: input.notify.owner }),
  };

  const abortReason = () =>
    `aborted by ${abort?.by ?? 'unknown'}${abort?.reason ? ` (${abort.reason})` : ''}`;

  const rotate = async (): Promise<UserRotationReport> => {
    if (input.inactiveKeyToDelete) {
      // The inactive key holds the second slot: the new key needs it, and deleting needs approval.
      const inactiveKey = input.inactiveKeyToDelete;
      const d = await awaitDecision(inactiveKey);
      if (!d) return unwind(abortReason());
      if (d.outcome !== 'approved') {
        return finish(
          'skipped',
          `deletion of inactive key ${inactiveKey} was not approved (${d.outcome}); no new key made`,
        );
      }
      const now = await inspect();
      const inactive = now.keys.find((k) => k.accessKeyId === inactiveKey);
      const seen = input.report.keys.find((k) => k.accessKeyId === inactiveKey);
      if (inactive?.status === 'Active') {
        return finish(
          'needs-attention',
          `inactive key ${inactiveKey} was reactivated since the inventory; nothing deleted`,
        );
      }
      if (inactive?.lastUsedDate !== undefined && inactive.lastUsedDate !== seen?.lastUsedDate) {
        return finish(
          'needs-attention',
          `inactive key ${inactiveKey} was used since the inventory; nothing deleted`,
        );
      }
      if (inactive) {
        await step(() => aws.deleteAccessKey({ target, userName, accessKeyId: inactiveKey }));
        report.deletedAccessKeyIds.push(inactiveKey);
        note(`deleted inactive key ${inactiveKey}`);
      } else note(`inactive key ${inactiveKey} was already gone`);
    }

    const before = await inspect();
    if (!before.userExists) return finish('skipped', 'the user no longer exists');
    if (before.containmentPolicy !== undefined) {
      return finish(
        'skipped',
        `the user is contained by keywarden (inline policy ${before.containmentPolicy}): an offboarding or revocation owns it`,
      );
    }
    const old = before.keys.find((k) => k.accessKeyId === oldKey);
    if (!old) return finish('skipped', `the old key ${oldKey} no longer exists; nothing to rotate`);
    if (old.status !== 'Active') return finish('skipped', `the old key ${oldKey} is no longer active`);
    if (before.keys.length >= 2) {
      return finish(
        'needs-attention',
        `the user holds ${before.keys.length} keys now (${before.keys.map((k) => k.accessKeyId).join(', ')}); rotation needs a free slot`,
      );
    }
    if (abort) return unwind(abortReason());

    try {
      created = await step(() =>
        creation.createAndStageKey({
          target,
          userName,
          knownAccessKeyIds: before.keys.map((k) => k.accessKeyId),
          secretName: input.secretName,
          ...storedIn,
          origin: { kind: 'campaign', workflowId: input.campaignId },
        }),
      );
    } catch (error) {
      report.error = failureMessage(error);
      const after = await inspect();
      const stray = after.keys.filter((k) => !before.keys.some((b) => b.accessKeyId === k.accessKeyId));
      if (stray.length > 0) {
        return finish(
          'needs-attention',
          `could not create and stage a new key, and key ${stray.map((k) => k.accessKeyId).join(', ')} appeared meanwhile; not deleted (it may be someone else's)`,
        );
      }
      return finish('failed', 'could not create and stage a new key; nothing changed');
    }
    stage = 'created';
    const made = created;
    report.newAccessKeyId = made.accessKeyId;
    report.secretArn = made.secretArn;
    report.secretVersionId = made.versionId;
    if (made.description !== undefined) report.newKeyDescription = made.description;
    note(
      `created key ${made.accessKeyId}, staged as version ${made.versionId} (${ssm ? 'label pending' : 'AWSPENDING'}) of ${input.destination === undefined ? input.secretName : describeDestination(destination)}`,
    );

    const staged = {
      target,
      userName,
      accessKeyId: made.accessKeyId,
      secretName: input.secretName,
      ...storedIn,
      versionId: made.versionId,
    };
    try {
      await step(() => verification.verifyStagedKey(staged));
    } catch (error) {
      report.error = failureMessage(error);
      return discard('verification failed');
    }
    stage = 'live';
    note(
      'verified the new key with sts:GetCallerIdentity: point of no return, it is never deleted from here on',
    );
    if (abort) return unwind(abortReason());
    return afterPointOfNoReturn(staged);
  };

  const afterPointOfNoReturn = async (staged: Parameters<KeywardenActivities['promoteStagedKey']>[0]) => {
    const newKey = staged.accessKeyId;
    try {
      const promoted = await step(() => aws.promoteStagedKey(staged));
      note(
        `promoted version ${staged.versionId} to ${ssm ? 'label current' : 'AWSCURRENT'}` +
          (promoted.previousVersionId
            ? `; version ${promoted.previousVersionId} is ${ssm ? 'labelled previous' : 'AWSPREVIOUS'}`
            : ''),
      );
    } catch (error) {
      report.error = failureMessage(error);
      return finish(
        'needs-attention',
        `the verified key ${newKey} could not be promoted; it stays stored as ${ssm ? 'label pending' : 'AWSPENDING'}, the old key is untouched`,
      );
    }

    const adoptionMs =
      input.adoptionMs +
      (patched(SPREAD_WAKEUPS) ? adoptionSpreadMs(input.adoptionMs, target.accountId, userName) : 0);
    await tellOwner({
      kind: 'new-key-stored',
      ...who,
      newAccessKeyId: newKey,
      oldAccessKeyId: oldKey,
      storedIn: `${describeDestination(destination)} in account ${target.accountId}`,
      // The adoption window starts after this message: the old key is deactivated no earlier.
      switchBy: new Date(Date.now() + adoptionMs).toISOString(),
    });
    await tell({ stage: 'waiting' });
    const adoptionStarted = Date.now();
    if (!(await waitOut(adoptionMs))) return unwind(abortReason());

    const afterAdoption = await inspect();
    const old = afterAdoption.keys.find((k) => k.accessKeyId === oldKey);
    const fresh = afterAdoption.keys.find((k) => k.accessKeyId === newKey);
    report.oldKeyLastUsed = old?.lastUsedDate;
    report.oldKeyUsedDuringAdoption =
      old?.lastUsedDate !== undefined && Date.parse(old.lastUsedDate) >= adoptionStarted;
    note(
      `adoption window over; old key last used ${old?.lastUsedDate ?? 'never'}` +
        (report.oldKeyUsedDuringAdoption ? ' (still in use during the window)' : ''),
    );
    if (fresh?.status !== 'Active') {
      return finish(
        'needs-attention',
        `the new key ${newKey} is no longer active; the old key was left as it is`,
      );
    }
    if (!old)
      return finish('rotated', `the old key ${oldKey} was already deleted during adoption: counted as done`);
    if (report.oldKeyUsedDuringAdoption && input.onOldKeyStillUsed === 'hold') {
      return finish(
        'needs-attention',
        `the old key ${oldKey} was still used during adoption (policy.onOldKeyStillUsed: hold); not deactivated`,
      );
    }
    if (old.status !== 'Active') {
      // Someone else deactivated it (an incident responder, an offboarding): a rollback must never
      // turn it back on, so this saga does not take it over.
      return finish(
        'needs-attention',
        `the old key ${oldKey} was deactivated by someone else during adoption; left inactive, the new key stays live`,
      );
    }
    await tellOwner({ kind: 'old-key-deactivating', ...who, oldAccessKeyId: oldKey, newAccessKeyId: newKey });
    try {
      await step(() => aws.setAccessKeyStatus({ target, userName, accessKeyId: oldKey, status: 'Inactive' }));
    } catch (error) {
      report.error = failureMessage(error);
      return finish('needs-attention', `could not deactivate the old key ${oldKey}; the new key stays live`);
    }
    stage = 'deactivated';
    const deactivatedAt = Date.now();
    note(`deactivated old key ${oldKey}`);

    if (!(await waitOut(input.graceMs))) return unwind(abortReason());
    const d = await awaitDecision(oldKey);
    if (!d) return unwind(abortReason());
    if (d.outcome !== 'approved') return reactivateOldKey(`deletion ${d.outcome}`);

    const last = await inspect();
    const oldNow = last.keys.find((k) => k.accessKeyId === oldKey);
    const newNow = last.keys.find((k) => k.accessKeyId === newKey);
    if (!oldNow) return finish('rotated', `the old key ${oldKey} was already gone: counted as done`);
    if (oldNow.status === 'Active') {
      return finish(
        'needs-attention',
        `the old key ${oldKey} was reactivated during the grace window; not deleted`,
      );
    }
    if (oldNow.lastUsedDate !== undefined && Date.parse(oldNow.lastUsedDate) > deactivatedAt) {
      return finish(
        'needs-attention',
        `the old key ${oldKey} was used after it was deactivated; not deleted`,
      );
    }
    if (newNow?.status !== 'Active') {
      return finish(
        'needs-attention',
        `the new key ${newKey} is no longer active; the old key was not deleted`,
      );
    }
    await step(() => aws.deleteAccessKey({ target, userName, accessKeyId: oldKey }));
    report.deletedAccessKeyIds.push(oldKey);
    await tellOwner({ kind: 'old-key-deleted', ...who, oldAccessKeyId: oldKey, newAccessKeyId: newKey });
    return finish('rotated', `deleted old key ${oldKey}`);
  };

  let result: UserRotationReport;
  try {
    result = await rotate();
  } catch (error) {
    try {
      if (isCancellation(error)) {
        result = await CancellationScope.nonCancellable(() => unwind('the rotation was cancelled'));
      } else {
        report.error = failureMessage(error);
        result =
          stage === 'live' || stage === 'deactivated'
            ? finish(
                'needs-attention',
                'failed after the point of no return; the new key stays live and stored',
              )
            : stage === 'created'
              ? await CancellationScope.nonCancellable(() => discard('failed before verification'))
              : finish('failed', 'failed before a new key was made; nothing changed');
      }
    } catch (undoError) {
      // Undoing failed too (e.g. the old key could not be reactivated): say so, never hide it.
      report.error = `${report.error ? `${report.error}; ` : ''}${failureMessage(undoError)}`;
      result = finish(
        stage === 'preflight' ? 'failed' : 'needs-attention',
        `could not finish undoing the rotation at stage ${stage}; the new key (if any) stays live: resolve by hand`,
      );
    }
  }
  await tell({ stage: 'finished' });
  log.info('key rotation finished', { workflowId: workflowInfo().workflowId, status: result.status });
  return result;
}
