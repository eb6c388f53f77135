import { CancellationScope, proxyActivities } from '@temporalio/workflow';
import type { KeywardenActivities } from '../activities';
import type { ApproverNoticeInput } from '../activities/notification-activities';
import type { ApprovalDecision } from '../domain/approval-state';
import type { NotificationRecord, NotifyResult } from '../domain/notification-messages';
import type { ApproverNotificationSettings } from '../domain/notification-settings';
import { exampleApproval, type ApprovalGate } from './approval-gate';
import { failureMessage } from './failure-message';

/** Runs started before notifications existed never schedule one (their specs cannot ask for any). */
export const NOTIFICATIONS = 'notifications';

/** The campaign keeps this many of the approvers' notification records. */
export const MAX_NOTIFICATION_RECORDS = 50;

/** Bounded: a notification that cannot be delivered costs a rotation about a minute, never more. */
export const notifications = proxyActivities<KeywardenActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '15s', maximumAttempts: 4 },
});

/**
 * Sends one notification and says what came of it. Never throws, and is not interrupted by a
 * cancellation: a notification must never fail or stall the work it reports on.
 */
export async function notify(event: string, send: () => Promise<NotifyResult>): Promise<NotificationRecord> {
  const at = new Date().toISOString();
  try {
    const result = await CancellationScope.nonCancellable(send);
    return { at, event, ...result };
  } catch (error) {
    return { at, event, sent: [], failed: [`notification failed: ${failureMessage(error)}`] };
  }
}

/**
 * Waits for a gate's decision as `gate.waitForDecision` does, telling the approvers (through
 * `tell`) when the decision is first awaited, on every escalation, and when it is made.
 * `tell` schedules the send in the background; the caller awaits those sends before it ends.
 */
export async function decisionWithNotices(
  gate: ApprovalGate,
  workflowId: string,
  tell: ((notice: ApproverNoticeInput) => void) | undefined,
  onEscalate: () => void,
  interrupted: () => boolean,
): Promise<ApprovalDecision | undefined> {
  const before = tell === undefined ? undefined : gate.snapshot();
  const opening = before !== undefined && before.openedAt === undefined;
  const signed = before?.signatures === 'required';
  const payload = exampleApproval(before?.signatures);
  const waiting = gate.waitForDecision(() => {
    onEscalate();
    const state = gate.snapshot();
    tell?.({
      kind: 'escalated',
      workflowId,
      round: state.round,
      escalations: state.escalations.length,
      ...(state.deadline === undefined ? {} : { deadline: state.deadline }),
      payload,
      signed,
    });
    return Promise.resolve();
  }, interrupted);
  if (opening) {
    // waitForDecision opened the gate (and set its deadline) before its first wait.
    const state = gate.snapshot();
    tell?.({
      kind: 'decision-awaited',
      workflowId,
      round: state.round,
      summary: state.plan?.summary ?? 'delete the old keys awaiting the decision',
      ...(state.plan === undefined ? {} : { planDigest: state.plan.digest }),
      ...(state.deadline === undefined ? {} : { deadline: state.deadline }),
      payload,
      signed,
    });
  }
  const decision = await waiting;
  if (decision) {
    tell?.({
      kind: 'decided',
      workflowId,
      round: gate.round,
      outcome: decision.outcome,
      by: decision.by,
      reason: decision.reason,
    });
  }
  return decision;
}

/**
 * Tells a spec's approvers, when the spec asks for notifications: each send joins `sends` (to be
 * awaited before the workflow ends or continues as new) and its record goes to `record`.
 */
export function approverTeller(
  settings: ApproverNotificationSettings | undefined,
  approvers: string[],
  sends: Array<Promise<void>>,
  record: (record: NotificationRecord) => void,
): ((notice: ApproverNoticeInput) => void) | undefined {
  if (settings === undefined) return undefined;
  const { webhook, email } = settings;
  return (notice) => {
    const input = { webhook, ...(email === undefined ? {} : { email }), approvers, notice };
    sends.push(notify(notice.kind, () => notifications.notifyApprovers(input)).then(record));
  };
}

/**
 * The approvers' notifications of a run that never continues as new (an offboarding, a
 * revocation): `tell` is undefined when the request asks for none; `settled` waits for every send
 * before the run ends, and `records` is what each came to (the latest MAX_NOTIFICATION_RECORDS).
 */
export class ApproverNotices {
  readonly records: NotificationRecord[] = [];
  readonly tell: ((notice: ApproverNoticeInput) => void) | undefined;
  private readonly sends: Array<Promise<void>> = [];

  constructor(settings: ApproverNotificationSettings | undefined, approvers: string[]) {
    this.tell = approverTeller(settings, approvers, this.sends, (record) => {
      this.records.push(record);
      if (this.records.length > MAX_NOTIFICATION_RECORDS) this.records.shift();
    });
  }

  async settled(): Promise<void> {
    await Promise.all(this.sends);
  }
}
