import type { AccountRotationReport, CampaignStatus, UserRotationReport } from '../../domain/rotation-report';
import { countStatuses } from '../../domain/rotation-report';
import type { CampaignReport } from './campaign-report';
import {
  approvalCell,
  dateOnly,
  findingControls,
  formatCounts,
  formatFinding,
  gateFor,
  lastUseText,
  principalLabel,
  userKeyViews,
} from './key-facts';

/** The table rows Markdown and HTML share, as plain text; each format escapes its own way. */
export type Rows = string[][];

/** The latest decision of the campaign's gate: the open round's, else the last closed round's. */
function decisionText(c: CampaignStatus): string {
  const d = c.approval.decision ?? c.approval.pastRounds?.at(-1);
  return d ? `${d.outcome}: ${d.reason}` : 'pending';
}

export function summaryRows(report: CampaignReport): Rows {
  const c = report.campaign;
  const users = report.accounts.flatMap((a) => a.users);
  const keys = users.reduce((n, u) => n + u.keys.length, 0);
  return [
    ['Campaign ID', c.campaignId],
    ['Name', c.name],
    ['Initiator', c.initiator],
    ['Started', c.startedAt],
    ['Phase', c.phase],
    ['Dry run', c.dryRun ? 'yes (inventory only, nothing changed)' : 'no'],
    [
      'Accounts',
      `${c.accounts.inScope} in scope, ${c.accounts.finished} finished, ${c.accounts.failed} failed, ` +
        `${report.accounts.length} reported`,
    ],
    ['Users', `${users.length} reported: ${formatCounts(countStatuses(users))}`],
    ['Access keys', String(keys)],
    ['Decision', decisionText(c)],
    ...(c.aborted ? [['Aborted', `by ${c.aborted.by} at ${c.aborted.at}: ${c.aborted.reason}`]] : []),
    ...(c.error ? [['Error', c.error]] : []),
  ];
}

export const ACCOUNT_HEADER = ['Account', 'Name', 'OU', 'Status', 'Users'];

export function accountRows(report: CampaignReport): Rows {
  return report.accounts.map((a) => [
    a.accountId,
    a.accountName,
    a.ouName ?? '',
    a.status,
    `${a.users.length}: ${formatCounts(countStatuses(a.users))}`,
  ]);
}

export const PRINCIPAL_FINDING_HEADER = ['Principal', 'Finding', 'Controls', 'Detail'];

export function principalFindingRows(account: AccountRotationReport): Rows {
  return (account.findings ?? []).map((f) => [
    principalLabel(f),
    f.code,
    findingControls(f).join(', '),
    f.detail,
  ]);
}

/** What the saga reports about a user, in one cell. */
export function outcomeText(user: UserRotationReport): string {
  const parts: string[] = [];
  if (user.newAccessKeyId) parts.push(`new key ${user.newAccessKeyId}`);
  if (user.secretArn) parts.push(`stored in ${user.secretArn}`);
  if (user.newKeyDescription) parts.push(`tagged "${user.newKeyDescription}"`);
  if (user.deletedAccessKeyIds.length > 0) parts.push(`deleted ${user.deletedAccessKeyIds.join(', ')}`);
  if (user.oldKeyUsedDuringAdoption && user.oldKeyLastUsed) {
    parts.push(`old key still used during the adoption window (last ${user.oldKeyLastUsed})`);
  }
  if (user.error) parts.push(`error: ${user.error}`);
  return parts.join('; ');
}

export const KEY_HEADER = [
  'User',
  'Action',
  'Status',
  'Reason',
  'Outcome',
  'Access key',
  'Key role',
  'Status before',
  'Status after',
  'Age (days)',
  'Last used',
  'Findings',
  'What keywarden did',
  'Approved by',
];

/** One row per key of every user (the rotation's new key included); a user without keys gets one row. */
export function keyRows(account: AccountRotationReport, campaign: CampaignStatus, now: Date): Rows {
  const gate = gateFor(account, campaign);
  const rows: Rows = [];
  for (const user of [...account.users].sort((a, b) => a.userName.localeCompare(b.userName))) {
    const userCells = [user.userName, user.action, user.status, user.reason, outcomeText(user)];
    const views = userKeyViews(user, gate, now);
    if (views.length === 0) rows.push([...userCells, '(no keys)', '', '', '', '', '', '', '', '']);
    for (const view of views) {
      rows.push([
        ...userCells,
        view.accessKeyId,
        view.role,
        view.statusBefore ?? '(none: made by the campaign)',
        view.statusAfter,
        view.ageDays === undefined ? '' : `${view.ageDays} (created ${dateOnly(view.createDate)})`,
        lastUseText(view),
        view.findings.map(formatFinding).join('\n'),
        view.action,
        approvalCell(view),
      ]);
    }
  }
  return rows;
}
