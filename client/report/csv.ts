import type { CampaignReport } from './campaign-report';
import { findingControls, formatFinding, keyView, principalLabel } from './key-facts';

export const CSV_COLUMNS = [
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
  'key_status',
  'key_role',
  'key_created',
  'key_age_days',
  'last_used',
  'days_since_last_use',
  'last_used_service',
  'last_used_region',
  'finding_codes',
  'controls',
  'findings',
  'new_access_key_id',
  'deleted_access_key_ids',
  'secret_arn',
  'error',
] as const;

type CsvRow = Record<(typeof CSV_COLUMNS)[number], string>;

/** RFC 4180: a field with a comma, quote or line break is quoted, and its quotes doubled. */
export function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** A header line and one line per row, every field quoted as needed, CRLF after every line. */
export function csvDocument<C extends string>(
  columns: readonly C[],
  rows: ReadonlyArray<Record<C, string>>,
): string {
  const lines = [columns.join(','), ...rows.map((r) => columns.map((c) => csvField(r[c])).join(','))];
  return `${lines.join('\r\n')}\r\n`;
}

const unique = (values: readonly string[]) => [...new Set(values)];

/** One row per access key; a user with no keys still gets one row, with the key columns empty. */
export function renderCsv(report: CampaignReport): string {
  const now = new Date(report.generatedAt);
  const rows: CsvRow[] = [];
  for (const account of report.accounts) {
    for (const user of account.users) {
      const base = {
        campaign_id: account.campaignId || report.campaign.campaignId,
        account_id: account.accountId,
        account_name: account.accountName,
        ou: account.ouName ?? '',
        account_status: account.status,
        user_name: user.userName,
        action: user.action,
        reason: user.reason,
        user_status: user.status,
        new_access_key_id: user.newAccessKeyId ?? '',
        deleted_access_key_ids: user.deletedAccessKeyIds.join(' '),
        secret_arn: user.secretArn ?? '',
        error: user.error ?? '',
      };
      const noKey = {
        access_key_id: '',
        key_status: '',
        key_role: '',
        key_created: '',
        key_age_days: '',
        last_used: '',
        days_since_last_use: '',
        last_used_service: '',
        last_used_region: '',
        finding_codes: '',
        controls: '',
        findings: '',
      };
      if (user.keys.length === 0) rows.push({ ...base, ...noKey });
      for (const key of user.keys) {
        const view = keyView(user, key, now);
        rows.push({
          ...base,
          access_key_id: view.accessKeyId,
          key_status: view.keyStatus,
          key_role: view.role,
          key_created: view.createDate,
          key_age_days: String(view.ageDays),
          last_used: view.lastUsedDate ?? 'never',
          days_since_last_use: view.daysSinceLastUse === undefined ? '' : String(view.daysSinceLastUse),
          last_used_service: view.lastUsedService ?? '',
          last_used_region: view.lastUsedRegion ?? '',
          finding_codes: view.findings.map((f) => f.code).join(' '),
          controls: unique(view.findings.flatMap(findingControls)).join('; '),
          findings: view.findings.map(formatFinding).join('; '),
        });
      }
    }
    rows.push(...accountFindingRows(report, account));
  }
  return csvDocument(CSV_COLUMNS, rows);
}

/** One row per finding about a principal (console user, root user): the key and action columns stay empty. */
function accountFindingRows(report: CampaignReport, account: CampaignReport['accounts'][number]): CsvRow[] {
  const empty = Object.fromEntries(CSV_COLUMNS.map((c) => [c, ''])) as CsvRow;
  return (account.findings ?? []).map((finding) => ({
    ...empty,
    campaign_id: account.campaignId || report.campaign.campaignId,
    account_id: account.accountId,
    account_name: account.accountName,
    ou: account.ouName ?? '',
    account_status: account.status,
    user_name: principalLabel(finding),
    finding_codes: finding.code,
    controls: findingControls(finding).join('; '),
    findings: formatFinding(finding),
  }));
}
