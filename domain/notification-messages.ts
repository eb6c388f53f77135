/**
 * The text of every notification keywarden sends. Pure, and fed only identifiers and times: no
 * builder takes a secret, so no message can hold one. Access key IDs are not secrets.
 */

export type OwnerNotice =
  | {
      kind: 'new-key-stored';
      accountId: string;
      userName: string;
      owner?: string;
      newAccessKeyId: string;
      /** Where the new key is stored, e.g. "secret keywarden/alice" or a secret ARN. */
      storedIn: string;
      /** When the old key is deactivated at the earliest: switch before then. */
      switchBy: string;
      oldAccessKeyId: string;
    }
  | {
      kind: 'old-key-deactivating';
      accountId: string;
      userName: string;
      owner?: string;
      oldAccessKeyId: string;
      newAccessKeyId: string;
    }
  | {
      kind: 'old-key-deleted';
      accountId: string;
      userName: string;
      owner?: string;
      oldAccessKeyId: string;
      newAccessKeyId: string;
    };

export type ApproverNotice =
  | {
      kind: 'decision-awaited';
      workflowId: string;
      /** The workflow in the Temporal Web UI; absent when the worker knows no UI address. */
      link?: string;
      round: number;
      summary: string;
      planDigest?: string;
      deadline?: string;
      /** The payload of an approve or reject message. */
      payload: string;
      signed: boolean;
    }
  | {
      kind: 'escalated';
      workflowId: string;
      link?: string;
      round: number;
      escalations: number;
      deadline?: string;
      payload: string;
      signed: boolean;
    }
  | {
      kind: 'decided';
      workflowId: string;
      link?: string;
      round: number;
      outcome: string;
      by: string[];
      reason: string;
    };

export interface NotificationMessage {
  subject: string;
  text: string;
}

function ownerLine(owner: string | undefined): string {
  return owner === undefined ? 'Owner: unknown (the user has no owner tag).' : `Owner: ${owner}.`;
}

export function ownerMessage(notice: OwnerNotice): NotificationMessage {
  const who = `IAM user ${notice.userName} in account ${notice.accountId}`;
  switch (notice.kind) {
    case 'new-key-stored':
      return {
        subject: `keywarden: new access key for ${notice.userName} (${notice.accountId}): switch by ${notice.switchBy}`,
        text: [
          `A new access key ${notice.newAccessKeyId} for ${who} is stored in ${notice.storedIn}.`,
          `Switch every consumer to it before ${notice.switchBy}: from then on the old key ${notice.oldAccessKeyId} may be deactivated.`,
          ownerLine(notice.owner),
        ].join('\n'),
      };
    case 'old-key-deactivating':
      return {
        subject: `keywarden: old access key of ${notice.userName} (${notice.accountId}) is being deactivated`,
        text: [
          `The old access key ${notice.oldAccessKeyId} of ${who} is about to be deactivated.`,
          `Its replacement ${notice.newAccessKeyId} is live. Anything still using the old key will fail from now on.`,
          ownerLine(notice.owner),
        ].join('\n'),
      };
    case 'old-key-deleted':
      return {
        subject: `keywarden: old access key of ${notice.userName} (${notice.accountId}) deleted`,
        text: [
          `The old access key ${notice.oldAccessKeyId} of ${who} was deleted after approval.`,
          `The current key is ${notice.newAccessKeyId}.`,
          ownerLine(notice.owner),
        ].join('\n'),
      };
  }
}

function where(notice: { workflowId: string; link?: string }): string {
  return notice.link === undefined
    ? `Workflow ${notice.workflowId}.`
    : `Workflow ${notice.workflowId}: ${notice.link}`;
}

function howToSend(notice: { workflowId: string; payload: string; signed: boolean }): string[] {
  return [
    `Send an approve or reject Signal (or Update) to workflow ${notice.workflowId} with the payload ${notice.payload}`,
    notice.signed
      ? `Signatures are required: print the signed payload with keywarden approve ${notice.workflowId} --key <file> --print-payload.`
      : `Or run: keywarden approve ${notice.workflowId} --approver <you> (keywarden reject likewise).`,
  ];
}

export function approverMessage(notice: ApproverNotice): NotificationMessage {
  switch (notice.kind) {
    case 'decision-awaited':
      return {
        subject: `keywarden: decision awaited on ${notice.workflowId} (round ${notice.round})`,
        text: [
          `A decision is awaited: ${notice.summary}.`,
          where(notice),
          ...(notice.planDigest === undefined ? [] : [`Plan digest: ${notice.planDigest}.`]),
          ...(notice.deadline === undefined ? [] : [`Deadline: ${notice.deadline}.`]),
          ...howToSend(notice),
        ].join('\n'),
      };
    case 'escalated':
      return {
        subject: `keywarden: ESCALATION ${notice.escalations}: still no decision on ${notice.workflowId}`,
        text: [
          `No decision on round ${notice.round} within the approval timeout (escalation ${notice.escalations}).`,
          where(notice),
          ...(notice.deadline === undefined ? [] : [`Next deadline: ${notice.deadline}.`]),
          ...howToSend(notice),
        ].join('\n'),
      };
    case 'decided':
      return {
        subject: `keywarden: ${notice.workflowId} round ${notice.round} decided: ${notice.outcome}`,
        text: [
          `The decision on round ${notice.round} is ${notice.outcome}${notice.by.length > 0 ? ` by ${notice.by.join(', ')}` : ''}: ${notice.reason}.`,
          where(notice),
        ].join('\n'),
      };
  }
}

/** What a notification came to, as the report records it. */
export interface NotificationRecord {
  at: string;
  /** The notice, e.g. 'new-key-stored' or 'decision-awaited'. */
  event: string;
  /** The channels that took it, e.g. ['webhook', 'email:alice@example.com']. */
  sent: string[];
  /** Channels that failed or could not be used, with why. */
  failed: string[];
}

/** The outcome of one notification activity. */
export interface NotifyResult {
  sent: string[];
  failed: string[];
}
