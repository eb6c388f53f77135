import type { CampaignReport } from './campaign-report';
import { controlTable } from './control-table';
import { csvDocument } from './csv-document';
import { findingControls, formatFinding, gateFor, principalLabel, userKeyViews } from './key-facts';

export { csvDocument } from './csv-document';

export const CSV_COLUMNS = [
  'row_type',
  'campaign_id',
  'account_id',
  'account_name',
  'ou',
  'account_status',
  'user_name',
  'action',
  'reason',
  'user_status',
  'access_key_id',
  'key_status_before',
  'key_status',
  'key_role',
  'key_action',
  'approved_by',
  'approved_at',
  'key_created',
  'key_age_days',
  'last_used',
  'days_since_last_use',
  'last_used_service',
  'last_used_region',
  'finding_codes',
  'controls',
  'findings',
  'findings_before',
  'findings_after',
  'new_access_key_id',
  'deleted_access_key_ids',
  'secret_arn',
  'error',
] as const;

type CsvRow = Record<(typeof CSV_COLUMNS)[number], string>;

const EMPTY = Object.fromEntries(CSV_COLUMNS.map((c) => [c, ''])) as CsvRow;

const unique = (values: readonly string[]) => [...new Set(values)];

/**
 * row_type `key`: one row per access key, the rotation's new key included, with its status after
 * the campaign (key_status) and who approved what was done to it; a user with no keys still gets
 * one row. row_type `principal-finding`: findings about console and root users. row_type
 * `control`: the per-control table, findings before and after the campaign.
 */
export function renderCsv(report: CampaignReport): string {
  const now = new Date(report.generatedAt);
  const rows: CsvRow[] = [];
  for (const account of report.accounts) {
    const gate = gateFor(account, report.campaign);
    const accountCells = {
      campaign_id: account.campaignId || report.campaign.campaignId,
      account_id: account.accountId,
      account_name: account.accountName,
      ou: account.ouName ?? '',
      account_status: account.status,
    };
    for (const user of account.users) {
      const base: CsvRow = {
        ...EMPTY,
        ...accountCells,
        row_type: 'key',
        user_name: user.userName,
        action: user.action,
        reason: user.reason,
        user_status: user.status,
        new_access_key_id: user.newAccessKeyId ?? '',
        deleted_access_key_ids: user.deletedAccessKeyIds.join(' '),
        secret_arn: user.secretArn ?? '',
        error: user.error ?? '',
      };
      const views = userKeyViews(user, gate, now);
      if (views.length === 0) rows.push(base);
      for (const view of views) {
        rows.push({
          ...base,
          access_key_id: view.accessKeyId,
          key_status_before: view.statusBefore ?? '',
          key_status: view.statusAfter,
          key_role: view.role,
          key_action: view.action,
          approved_by: view.approval?.approvers.map((a) => `${a.approver} at ${a.at}`).join('; ') ?? '',
          approved_at: view.approval?.decidedAt ?? '',
          key_created: view.createDate,
          key_age_days: view.ageDays === undefined ? '' : String(view.ageDays),
          last_used: view.statusBefore === undefined ? '' : (view.lastUsedDate ?? 'never'),
          days_since_last_use: view.daysSinceLastUse === undefined ? '' : String(view.daysSinceLastUse),
          last_used_service: view.lastUsedService ?? '',
          last_used_region: view.lastUsedRegion ?? '',
          finding_codes: view.findings.map((f) => f.code).join(' '),
          controls: unique(view.findings.flatMap(findingControls)).join('; '),
          findings: view.findings.map(formatFinding).join('; '),
        });
      }
    }
    for (const finding of account.findings ?? []) {
      rows.push({
        ...EMPTY,
        ...accountCells,
        row_type: 'principal-finding',
        user_name: principalLabel(finding),
        finding_codes: finding.code,
        controls: findingControls(finding).join('; '),
        findings: formatFinding(finding),
      });
    }
  }
  for (const control of controlTable(report)) {
    rows.push({
      ...EMPTY,
      row_type: 'control',
      campaign_id: report.campaign.campaignId,
      finding_codes: control.code,
      controls: control.controls.join('; '),
      findings: control.title,
      findings_before: String(control.before),
      findings_after: String(control.after),
    });
  }
  return csvDocument(CSV_COLUMNS, rows);
}
