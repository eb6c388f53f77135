import type { ApprovalState } from '../../domain/approval-state';
import { CIS_VERSION } from '../../domain/controls';
import type { AccountRotationReport, UserRotationReport } from '../../domain/rotation-report';
import { countStatuses } from '../../domain/rotation-report';
import type { CampaignReport } from './campaign-report';
import { notificationSection } from './notifications-section';
import {
  dateOnly,
  findingControls,
  formatCounts,
  formatFinding,
  keyView,
  lastUseText,
  principalLabel,
} from './key-facts';

/** Escapes text for one Markdown table cell: pipes, backslashes and line breaks would break the row. */
export function mdCell(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\r?\n/g, '<br>');
}

function row(cells: readonly string[]): string {
  return `| ${cells.map(mdCell).join(' | ')} |`;
}

export function table(header: readonly string[], rows: readonly (readonly string[])[]): string[] {
  return [row(header), `|${header.map(() => '---').join('|')}|`, ...rows.map(row)];
}

/** The approval record as Markdown list items: who approved and when, refused attempts, the decision. */
export function approvalLines(approval: ApprovalState): string[] {
  const lines = [
    `- Required approvals: ${approval.requiredApprovals} from ${approval.approvers.join(', ')} ` +
      `(initiator ${approval.initiator} may not approve)`,
  ];
  if (approval.deadline) lines.push(`- Deadline: ${approval.deadline} (on timeout: ${approval.onTimeout})`);
  for (const a of approval.approvals) {
    lines.push(`- Approved by ${a.approver} at ${a.at}${a.comment ? `: ${a.comment}` : ''}`);
  }
  for (const r of approval.rejectedAttempts) {
    lines.push(`- Rejected attempt (${r.signal}) by ${r.approver ?? 'unknown'} at ${r.at}: ${r.reason}`);
  }
  for (const e of approval.escalations) lines.push(`- Escalation: ${e}`);
  const d = approval.decision;
  lines.push(
    d
      ? `- Decision: **${d.outcome}**${d.by.length > 0 ? ` by ${d.by.join(', ')}` : ''} at ${d.at}: ${d.reason}`
      : '- Decision: pending',
  );
  return lines;
}

function outcome(user: UserRotationReport): string {
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

function accountSection(account: AccountRotationReport, now: Date): string[] {
  const heading = `## Account ${account.accountId} (${account.accountName}${account.ouName ? `, OU ${account.ouName}` : ''})`;
  const lines = [
    heading,
    '',
    `Status: **${account.status}**. Users: ${formatCounts(countStatuses(account.users))}.` +
      (account.usersWithoutKeys
        ? ` ${account.usersWithoutKeys} more user(s) hold no access key (from the IAM credential report; not listed).`
        : ''),
  ];
  if (account.error) lines.push('', `Error: ${account.error}`);
  if (account.approval) lines.push('', 'Approval (per account):', '', ...approvalLines(account.approval));
  lines.push('');
  if (account.findings !== undefined && account.findings.length > 0) {
    lines.push(
      'Findings about users and the root user (from the IAM credential report and the account summary):',
      '',
      ...table(
        ['Principal', 'Finding', 'Controls', 'Detail'],
        account.findings.map((f) => [principalLabel(f), f.code, findingControls(f).join(', '), f.detail]),
      ),
      '',
    );
  }
  if (account.users.length === 0) {
    lines.push('No IAM users reported.', '');
    return lines;
  }
  const rows: string[][] = [];
  for (const user of [...account.users].sort((a, b) => a.userName.localeCompare(b.userName))) {
    const userCells = [user.userName, user.action, user.status, user.reason, outcome(user)];
    if (user.keys.length === 0) {
      rows.push([...userCells, '(no keys)', '', '', '', '']);
      continue;
    }
    for (const key of user.keys) {
      const view = keyView(user, key, now);
      rows.push([
        ...userCells,
        `${view.accessKeyId}${view.role === 'kept' ? '' : ` (${view.role})`}`,
        view.keyStatus,
        `${view.ageDays} (created ${dateOnly(view.createDate)})`,
        lastUseText(view),
        view.findings.map(formatFinding).join('\n'),
      ]);
    }
  }
  lines.push(
    ...table(
      [
        'User',
        'Action',
        'Status',
        'Reason',
        'Outcome',
        'Access key',
        'Key status',
        'Age (days)',
        'Last used',
        'Findings',
      ],
      rows,
    ),
    '',
  );
  return lines;
}

/** The campaign report for people: a summary, the approval record, then one section per account. */
export function renderMarkdown(report: CampaignReport): string {
  const c = report.campaign;
  const now = new Date(report.generatedAt);
  const users = report.accounts.flatMap((a) => a.users);
  const keys = users.reduce((n, u) => n + u.keys.length, 0);
  const lines = [
    `# keywarden campaign ${c.campaignId}: ${c.name}`,
    '',
    `Generated ${report.generatedAt}. Key ages and last use are counted to that time. ` +
      `Controls: CIS AWS Foundations Benchmark ${CIS_VERSION} and AWS Security Hub control IDs.`,
    '',
    ...table(
      ['Field', 'Value'],
      [
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
        [
          'Decision',
          c.approval.decision ? `${c.approval.decision.outcome}: ${c.approval.decision.reason}` : 'pending',
        ],
        ...(c.error ? [['Error', c.error]] : []),
      ],
    ),
    '',
    '## Approval',
    '',
    ...approvalLines(c.approval),
    '',
  ];
  if (c.failedAccounts.length > 0) {
    lines.push(
      '## Failed accounts',
      '',
      ...table(
        ['Account', 'Error'],
        c.failedAccounts.map((f) => [f.accountId, f.error]),
      ),
      '',
    );
  }
  if (report.accounts.length > 0) {
    lines.push(
      '## Accounts',
      '',
      ...table(
        ['Account', 'Name', 'OU', 'Status', 'Users'],
        report.accounts.map((a) => [
          a.accountId,
          a.accountName,
          a.ouName ?? '',
          a.status,
          `${a.users.length}: ${formatCounts(countStatuses(a.users))}`,
        ]),
      ),
      '',
    );
  }
  lines.push(...notificationSection(report));
  for (const account of report.accounts) lines.push(...accountSection(account, now));
  return `${lines.join('\n').trimEnd()}\n`;
}
