import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import {
  approverMessage,
  ownerMessage,
  type ApproverNotice,
  type NotificationMessage,
  type NotifyResult,
  type OwnerNotice,
} from '../domain/notification-messages';
import { isEmailAddress, type OwnerNotifySettings } from '../domain/notification-settings';
import { sendEmail } from './aws/ses-gateway';
import type { ActivityDeps } from './deps';
import { postToWebhook } from './notification-channels';

export interface NotifyKeyOwnerInput {
  settings: OwnerNotifySettings;
  notice: OwnerNotice;
}

/** What the campaign knows; the activity adds the link to the workflow in the Web UI. */
export type ApproverNoticeInput =
  | Omit<Extract<ApproverNotice, { kind: 'decision-awaited' }>, 'link'>
  | Omit<Extract<ApproverNotice, { kind: 'escalated' }>, 'link'>
  | Omit<Extract<ApproverNotice, { kind: 'decided' }>, 'link'>;

export interface NotifyApproversInput {
  webhook: boolean;
  email?: { from?: string };
  approvers: string[];
  notice: ApproverNoticeInput;
}

interface Route {
  webhook: boolean;
  email?: { from?: string };
  recipients: string[];
  /** Why nobody can be e-mailed, when `recipients` is empty. */
  noRecipient: string;
}

/**
 * Notifications: text built by the pure builders in domain/ from identifiers only, sent to the
 * worker's webhook and through SES. Channels that cannot be used (not configured, nobody to
 * e-mail) are reported, not retried. An activity fails, and Temporal retries it, only when every
 * channel it tried failed; otherwise a retry would repeat what was already delivered.
 */
export function createNotificationActivities(deps: ActivityDeps) {
  const deliver = async (message: NotificationMessage, route: Route): Promise<NotifyResult> => {
    const sent: string[] = [];
    const failed: string[] = [];
    const errors: string[] = [];
    const attempt = async (channel: string, send: () => Promise<unknown>) => {
      try {
        await send();
        sent.push(channel);
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        errors.push(`${channel}: ${reason}`);
      }
    };
    if (route.webhook) {
      const url = deps.notify?.webhookUrl;
      if (url === undefined)
        failed.push('webhook: not configured on the worker (KEYWARDEN_NOTIFY_WEBHOOK_URL)');
      else await attempt('webhook', () => postToWebhook(url, `${message.subject}\n${message.text}`));
    }
    if (route.email !== undefined) {
      const from = route.email.from ?? deps.notify?.emailFrom;
      if (from === undefined) {
        failed.push(
          "email: no sender (set notifications.email.from or the worker's KEYWARDEN_NOTIFY_EMAIL_FROM)",
        );
      } else if (route.recipients.length === 0) failed.push(`email: ${route.noRecipient}`);
      else {
        await attempt(`email:${route.recipients.join(',')}`, () =>
          sendEmail(deps.aws.managementSes(), { from, to: route.recipients, ...message }),
        );
      }
    }
    if (errors.length > 0 && sent.length === 0) {
      throw ApplicationFailure.retryable(
        `notification not delivered: ${errors.join('; ')}`,
        'NotificationFailed',
      );
    }
    return { sent, failed: [...failed, ...errors] };
  };

  return {
    /** Tells a key's owner about a step of its rotation. */
    async notifyKeyOwner(input: NotifyKeyOwnerInput): Promise<NotifyResult> {
      const { settings } = input;
      return deliver(ownerMessage(input.notice), {
        webhook: settings.webhook,
        ...(settings.email === undefined ? {} : { email: settings.email }),
        recipients: settings.ownerEmail === undefined ? [] : [settings.ownerEmail],
        noRecipient:
          settings.owner === undefined
            ? `the user has none of the owner tags ${settings.ownerTags.join(', ')}`
            : `no owner tag (${settings.ownerTags.join(', ')}) holds an e-mail address`,
      });
    },

    /** Tells the approvers that a decision is awaited, escalated or made, with the workflow's link. */
    async notifyApprovers(input: NotifyApproversInput): Promise<NotifyResult> {
      const link = workflowLink(deps.notify?.uiUrl, input.notice.workflowId);
      const notice = { ...input.notice, ...(link === undefined ? {} : { link }) };
      const recipients = input.approvers.filter(isEmailAddress);
      return deliver(approverMessage(notice), {
        webhook: input.webhook,
        ...(input.email === undefined ? {} : { email: input.email }),
        recipients,
        noRecipient: 'no approver is an e-mail address',
      });
    },
  };
}

function workflowLink(uiUrl: string | undefined, workflowId: string): string | undefined {
  if (uiUrl === undefined) return undefined;
  const namespace = Context.current().info.workflowNamespace ?? 'default';
  return `${uiUrl}/namespaces/${encodeURIComponent(namespace)}/workflows/${encodeURIComponent(workflowId)}`;
}
