import type { ApprovalState } from '../../domain/approval-state';
import { CIS_VERSION } from '../../domain/controls';
import type { AccountRotationReport, CampaignStatus } from '../../domain/rotation-report';
import { countStatuses } from '../../domain/rotation-report';
import { approvalRecordItems } from './approval-record';
import type { CampaignReport } from './campaign-report';
import { AFTER_MEANS, controlTable } from './control-table';
import { formatCounts } from './key-facts';
import { AGE_DISTRIBUTION_MEANS, keyAgeDistribution } from './key-age-distribution';
import { notificationSection } from './notifications-section';
import {
  ACCOUNT_HEADER,
  KEY_HEADER,
  PRINCIPAL_FINDING_HEADER,
  accountRows,
  keyRows,
  principalFindingRows,
  summaryRows,
} from './report-tables';

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

/** The approval record as Markdown list items: who approved and when, refused attempts, the decisions. */
export function approvalLines(approval: ApprovalState): string[] {
  return approvalRecordItems(approval, (text) => `**${text}**`).map((item) => `- ${item}`);
}

function accountSection(account: AccountRotationReport, campaign: CampaignStatus, now: Date): string[] {
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
      ...table(PRINCIPAL_FINDING_HEADER, principalFindingRows(account)),
      '',
    );
  }
  if (account.users.length === 0) {
    lines.push('No IAM users reported.', '');
    return lines;
  }
  lines.push(...table(KEY_HEADER, keyRows(account, campaign, now)), '');
  return lines;
}

/** The per-control table and the key-age distribution, before and after the campaign. */
export function beforeAfterLines(report: CampaignReport): string[] {
  return [
    '## Controls',
    '',
    AFTER_MEANS,
    '',
    ...table(
      ['Controls', 'Finding', 'Title', 'Before', 'After'],
      controlTable(report).map((r) => [
        r.controls.join(', '),
        r.code,
        r.title,
        String(r.before),
        String(r.after),
      ]),
    ),
    '',
    '## Key ages',
    '',
    AGE_DISTRIBUTION_MEANS,
    '',
    ...table(
      ['Age (days)', 'Before', 'After'],
      keyAgeDistribution(report).map((b) => [b.label, String(b.before), String(b.after)]),
    ),
    '',
  ];
}

/** The campaign report for people: a summary, the approval record, the controls, then one section per account. */
export function renderMarkdown(report: CampaignReport): string {
  const c = report.campaign;
  const now = new Date(report.generatedAt);
  const lines = [
    `# keywarden campaign ${c.campaignId}: ${c.name}`,
    '',
    `Generated ${report.generatedAt}. Key ages and last use are counted to that time. ` +
      `Controls: CIS AWS Foundations Benchmark ${CIS_VERSION} and AWS Security Hub control IDs.`,
    '',
    ...table(['Field', 'Value'], summaryRows(report)),
    '',
    '## Approval',
    '',
    ...approvalLines(c.approval),
    '',
    ...beforeAfterLines(report),
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
    lines.push('## Accounts', '', ...table(ACCOUNT_HEADER, accountRows(report)), '');
  }
  lines.push(...notificationSection(report));
  for (const account of report.accounts) lines.push(...accountSection(account, c, now));
  return `${lines.join('\n').trimEnd()}\n`;
}
