import type { ApprovalState } from '../../domain/approval-state';
import { CIS_VERSION } from '../../domain/controls';
import type { AccountRotationReport, CampaignStatus } from '../../domain/rotation-report';
import { countStatuses } from '../../domain/rotation-report';
import { ageChartSvg } from './age-chart-svg';
import { approvalRecordItems } from './approval-record';
import type { CampaignReport } from './campaign-report';
import { AFTER_MEANS, controlTable } from './control-table';
import type { SafeHtml } from './html-template';
import { notificationFacts, OWNERLESS_MEANS } from './notifications-section';
import { markup } from './html-template';
import { formatCounts } from './key-facts';
import { AGE_DISTRIBUTION_MEANS, keyAgeDistribution } from './key-age-distribution';
import {
  ACCOUNT_HEADER,
  KEY_HEADER,
  PRINCIPAL_FINDING_HEADER,
  accountRows,
  keyRows,
  principalFindingRows,
  summaryRows,
  type Rows,
} from './report-tables';

// Nothing is fetched when the file is opened: no scripts run, and styles are inline only.
const CSP = "default-src 'none'; style-src 'unsafe-inline'";

const STYLE = `
body { font-family: system-ui, sans-serif; margin: 2rem; color: #1f2937; }
table { border-collapse: collapse; margin: 0.5rem 0 1.5rem; font-size: 0.85rem; }
th, td { border: 1px solid #d1d5db; padding: 0.25rem 0.5rem; text-align: left; vertical-align: top; white-space: pre-line; }
th { background: #f3f4f6; }
td.num { text-align: right; }
p.means { max-width: 60rem; color: #4b5563; font-size: 0.85rem; }
`;

function tableHtml(header: readonly string[], rows: Rows, numeric: readonly number[] = []): SafeHtml {
  const cell = (text: string, i: number) =>
    numeric.includes(i) ? markup`<td class="num">${text}</td>` : markup`<td>${text}</td>`;
  const head = header.map((h) => markup`<th>${h}</th>`);
  const body = rows.map((row) => markup`<tr>${row.map(cell)}</tr>\n`);
  return markup`<table>\n<thead><tr>${head}</tr></thead>\n<tbody>\n${body}</tbody>\n</table>\n`;
}

function approvalList(approval: ApprovalState): SafeHtml {
  return markup`<ul>\n${approvalRecordItems(approval).map((item) => markup`<li>${item}</li>\n`)}</ul>\n`;
}

function accountSection(account: AccountRotationReport, campaign: CampaignStatus, now: Date): SafeHtml {
  const ou = account.ouName ? `, OU ${account.ouName}` : '';
  const withoutKeys = account.usersWithoutKeys
    ? ` ${account.usersWithoutKeys} more user(s) hold no access key (from the IAM credential report; not listed).`
    : '';
  const findings = principalFindingRows(account);
  const parts: SafeHtml[] = [
    markup`<h2>Account ${account.accountId} (${account.accountName}${ou})</h2>\n`,
    markup`<p>Status: <strong>${account.status}</strong>. Users: ${formatCounts(countStatuses(account.users))}.${withoutKeys}</p>\n`,
  ];
  if (account.error) parts.push(markup`<p>Error: ${account.error}</p>\n`);
  if (account.approval) {
    parts.push(markup`<h3>Approval (per account)</h3>\n`, approvalList(account.approval));
  }
  if (findings.length > 0) {
    parts.push(
      markup`<h3>Findings about users and the root user</h3>\n`,
      tableHtml(PRINCIPAL_FINDING_HEADER, findings),
    );
  }
  parts.push(
    account.users.length === 0
      ? markup`<p>No IAM users reported.</p>\n`
      : markup`<h3>Users and keys</h3>\n${tableHtml(KEY_HEADER, keyRows(account, campaign, now))}`,
  );
  return markup`<section>\n${parts}</section>\n`;
}

/**
 * The campaign report as one self-contained HTML file: summary, approval record, key-age chart
 * (inline SVG), per-control table, then every account, user and key. Every value is escaped.
 */
export function renderHtml(report: CampaignReport): string {
  const c = report.campaign;
  const now = new Date(report.generatedAt);
  const title = `keywarden campaign ${c.campaignId}: ${c.name}`;
  const ages = keyAgeDistribution(report);
  const controls = controlTable(report).map((r) => [
    r.controls.join(', '),
    r.code,
    r.title,
    String(r.before),
    String(r.after),
  ]);
  const failed =
    c.failedAccounts.length > 0
      ? markup`<h2>Failed accounts</h2>\n${tableHtml(
          ['Account', 'Error'],
          c.failedAccounts.map((f) => [f.accountId, f.error]),
        )}`
      : undefined;
  const notified = notificationFacts(report);
  const notifications =
    notified === undefined
      ? undefined
      : markup`<h2>Notifications</h2>
<p>${notified.sent} notification(s) recorded, ${notified.failed.length} with a failure.</p>
${
  notified.ownerless.length > 0
    ? markup`<p>${OWNERLESS_MEANS}</p>\n<ul>${notified.ownerless.map((u) => markup`<li>${u}</li>`)}</ul>\n`
    : undefined
}${
          notified.failed.length > 0
            ? markup`<p>Failed notifications:</p>\n<ul>${notified.failed.map((f) => markup`<li>${f}</li>`)}</ul>\n`
            : undefined
        }`;
  const page = markup`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${CSP}">
<title>${title}</title>
<style>${STYLE}</style>
</head>
<body>
<h1>${title}</h1>
<p>Generated ${report.generatedAt}. Key ages and last use are counted to that time. Controls: CIS AWS Foundations Benchmark ${CIS_VERSION} and AWS Security Hub control IDs.</p>
<h2>Summary</h2>
${tableHtml(['Field', 'Value'], summaryRows(report))}<h2>Approval</h2>
${approvalList(c.approval)}<h2>Key ages</h2>
<p class="means">${AGE_DISTRIBUTION_MEANS}</p>
${ageChartSvg(ages)}
${tableHtml(
  ['Age (days)', 'Before', 'After'],
  ages.map((b) => [b.label, String(b.before), String(b.after)]),
  [1, 2],
)}<h2>Controls</h2>
<p class="means">${AFTER_MEANS}</p>
${tableHtml(['Controls', 'Finding', 'Title', 'Before', 'After'], controls, [3, 4])}${failed}${notifications}<h2>Accounts</h2>
${tableHtml(ACCOUNT_HEADER, accountRows(report))}${report.accounts.map((account) => accountSection(account, c, now))}</body>
</html>
`;
  return page.markup;
}
