import type { NotificationRecord } from '../../domain/notification-messages';
import type { CampaignReport } from './campaign-report';

/** Line items for the notifications that did not (fully) reach anyone, with why. */
function failedLines(who: string, records: readonly NotificationRecord[] | undefined): string[] {
  return (records ?? [])
    .filter((r) => r.failed.length > 0)
    .map(
      (r) =>
        `- ${who}: ${r.event} at ${r.at}: notification failed (${r.failed.join('; ')})` +
        (r.sent.length > 0 ? `; sent through ${r.sent.join(', ')}` : ''),
    );
}

/**
 * The Markdown section on notifications: the users no owner could be found for (never skipped
 * silently) and every notification that failed. Empty when the campaign sent none.
 */
export function notificationSection(report: CampaignReport): string[] {
  const users = report.accounts.flatMap((a) => a.users);
  const ownerless = users.filter((u) => u.noOwnerTag === true);
  const failed = [
    ...failedLines('approvers', report.campaign.notifications),
    ...users.flatMap((u) => failedLines(`${u.userName} (${u.accountId})`, u.notifications)),
  ];
  const sent =
    (report.campaign.notifications?.length ?? 0) +
    users.reduce((n, u) => n + (u.notifications?.length ?? 0), 0);
  if (sent === 0 && ownerless.length === 0) return [];
  const lines = [
    '## Notifications',
    '',
    `${sent} notification(s) recorded, ${failed.length} with a failure.`,
    '',
  ];
  if (ownerless.length > 0) {
    lines.push(
      'Users with no owner tag (their owners were not told; tag them with one of notifications.ownerTags):',
      '',
      ...ownerless.map((u) => `- ${u.userName} in ${u.accountId}`),
      '',
    );
  }
  if (failed.length > 0) lines.push('Failed notifications:', '', ...failed, '');
  return lines;
}
