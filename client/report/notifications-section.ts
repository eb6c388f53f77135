import type { NotificationRecord } from '../../domain/notification-messages';
import type { CampaignReport } from './campaign-report';

/** Line items for the notifications that did not (fully) reach anyone, with why. */
function failedLines(who: string, records: readonly NotificationRecord[] | undefined): string[] {
  return (records ?? [])
    .filter((r) => r.failed.length > 0)
    .map(
      (r) =>
        `${who}: ${r.event} at ${r.at}: notification failed (${r.failed.join('; ')})` +
        (r.sent.length > 0 ? `; sent through ${r.sent.join(', ')}` : ''),
    );
}

export interface NotificationFacts {
  /** Notifications recorded, to approvers and owners. */
  sent: number;
  /** `<user> in <account>` for each user no owner could be found for. */
  ownerless: string[];
  /** One line per notification that failed, with why. */
  failed: string[];
}

/** What the report says about notifications, whatever its format; undefined when the campaign sent none. */
export function notificationFacts(report: CampaignReport): NotificationFacts | undefined {
  const users = report.accounts.flatMap((a) => a.users);
  const ownerless = users.filter((u) => u.noOwnerTag === true).map((u) => `${u.userName} in ${u.accountId}`);
  const failed = [
    ...failedLines('approvers', report.campaign.notifications),
    ...users.flatMap((u) => failedLines(`${u.userName} (${u.accountId})`, u.notifications)),
  ];
  const sent =
    (report.campaign.notifications?.length ?? 0) +
    users.reduce((n, u) => n + (u.notifications?.length ?? 0), 0);
  if (sent === 0 && ownerless.length === 0) return undefined;
  return { sent, ownerless, failed };
}

export const OWNERLESS_MEANS =
  'Users with no owner tag (their owners were not told; tag them with one of notifications.ownerTags):';

/**
 * The Markdown section on notifications: the users no owner could be found for (never skipped
 * silently) and every notification that failed. Empty when the campaign sent none.
 */
export function notificationSection(report: CampaignReport): string[] {
  const facts = notificationFacts(report);
  if (facts === undefined) return [];
  const lines = [
    '## Notifications',
    '',
    `${facts.sent} notification(s) recorded, ${facts.failed.length} with a failure.`,
    '',
  ];
  if (facts.ownerless.length > 0) {
    lines.push(OWNERLESS_MEANS, '', ...facts.ownerless.map((u) => `- ${u}`), '');
  }
  if (facts.failed.length > 0)
    lines.push('Failed notifications:', '', ...facts.failed.map((f) => `- ${f}`), '');
  return lines;
}

/**
 * The Markdown section listing what each notification to the approvers of an offboarding or a
 * revocation came to. Empty when the run was asked to send none.
 */
export function approverNotificationSection(records: readonly NotificationRecord[] | undefined): string[] {
  if (records === undefined) return [];
  const lines = ['## Notifications to approvers', ''];
  if (records.length === 0) return [...lines, 'None sent yet.', ''];
  for (const r of records) {
    const sent = r.sent.length > 0 ? `sent through ${r.sent.join(', ')}` : 'sent through no channel';
    const failed = r.failed.length > 0 ? `; failed: ${r.failed.join('; ')}` : '';
    lines.push(`- ${r.at} ${r.event}: ${sent}${failed}`);
  }
  return [...lines, ''];
}
