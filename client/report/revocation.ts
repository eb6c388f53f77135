import { approverNotificationSection } from './notifications-section';
import type { RevokeStatus } from '../../domain/revoke-report';
import { safeJson } from './json';

const cell = (text: string | undefined): string => (text ?? '-').replace(/\|/g, '\\|').replace(/\n/g, ' ');

function lastUseText(status: RevokeStatus): string {
  const use = status.lastUse;
  if (use === undefined) return 'unknown (not read)';
  if (use.lastUsedDate === undefined) return 'never used';
  const where = [use.service, use.region].filter((p) => p !== undefined && p !== '' && p !== 'N/A');
  return `${use.lastUsedDate}${where.length > 0 ? ` (${where.join(', ')})` : ''}`;
}

/** A revocation as Markdown: who revoked what and when, why, the key's last use, and the outcome. */
export function revocationMarkdown(status: RevokeStatus): string {
  const decision = status.approval?.decision;
  const rows: Array<[string, string | undefined]> = [
    ['Key', status.accessKeyId],
    ['Revoked by', status.revokedBy],
    ['Requested at', status.requestedAt],
    ['Reason', status.reason],
    [
      'Account',
      status.accountId && `${status.accountId}${status.accountName ? ` (${status.accountName})` : ''}`,
    ],
    ['User', status.userName],
    ['Key created', status.keyCreatedAt],
    ['Last use', lastUseText(status)],
    ['Deactivated at', status.deactivatedAt],
    [
      'Earlier sessions denied',
      status.sessionsDeniedBefore &&
        `issued before ${status.sessionsDeniedBefore} (inline policy ${status.sessionsPolicyName ?? '?'})`,
    ],
    [
      'Replacement',
      status.replacement &&
        `${status.replacement.accessKeyId} in ${status.replacement.secretName}` +
          ` (${status.replacement.verified ? 'verified' : 'NOT verified'}, ${status.replacement.promoted ? 'AWSCURRENT' : 'not promoted'})`,
    ],
    [
      'Deletion decision',
      decision && `${decision.outcome} by ${decision.by.join(', ') || '-'} at ${decision.at}`,
    ],
    ['Deleted at', status.deletedAt],
    ['Finished at', status.finishedAt],
  ];
  const lines = [
    `# Revocation of ${status.accessKeyId}`,
    '',
    `**${status.phase}**: ${status.summary}`,
    '',
    '| | |',
    '| --- | --- |',
    ...rows.map(([label, value]) => `| ${label} | ${cell(value)} |`),
  ];
  if (status.error) lines.push('', `Error: ${status.error}`);
  lines.push('', '## Timeline', '', ...status.timeline.map((t) => `- ${t.at} ${t.event}`));
  const notices = approverNotificationSection(status.notifications);
  if (notices.length > 0) lines.push('', ...notices);
  return `${lines.join('\n')}\n`;
}

export function revocationJson(status: RevokeStatus): string {
  return safeJson(status);
}
