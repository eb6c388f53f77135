import type { CampaignSpec } from './campaign-spec';
import type { AccessKeyFacts, UserFacts } from './inventory';

export type SelectionPolicy = CampaignSpec['policy'];

export type FindingCode =
  | 'KEY_AGE_OVER_MAX'
  | 'KEY_UNUSED_45_DAYS'
  | 'KEY_UNUSED_90_DAYS'
  | 'TWO_ACTIVE_KEYS'
  | 'KEY_CREATED_WITH_USER_UNUSED'
  | 'EXEMPT';

export interface Finding {
  code: FindingCode;
  controls: string[];
  detail: string;
}

const DAY_MS = 86_400_000;
const CREATED_WITH_USER_MS = 10 * 60_000;

export function wholeDaysBetween(fromIso: string, now: Date): number {
  return Math.floor((now.getTime() - Date.parse(fromIso)) / DAY_MS);
}

export function keyAgeDays(key: AccessKeyFacts, now: Date): number {
  return wholeDaysBetween(key.createDate, now);
}

/**
 * Whole days an Active key has gone unused: since its last use, or since creation if never used.
 * Inactive keys cannot be used, so they return undefined and never count as "unused".
 */
export function unusedDays(key: AccessKeyFacts, now: Date): number | undefined {
  if (key.status !== 'Active') return undefined;
  return wholeDaysBetween(key.lastUsedDate ?? key.createDate, now);
}

export function isUnusedFor(key: AccessKeyFacts, days: number, now: Date): boolean {
  const idle = unusedDays(key, now);
  return idle !== undefined && idle > days;
}

export function exemptionReason(
  user: UserFacts,
  accountId: string,
  policy: SelectionPolicy,
): string | undefined {
  const { tags, groups, accounts } = policy.exemptions;
  for (const [tagKey, tagValue] of Object.entries(tags)) {
    if (Object.hasOwn(user.tags, tagKey) && user.tags[tagKey] === tagValue)
      return `exempt: tag ${tagKey}=${tagValue}`;
  }
  const group = groups.find((g) => user.groups.includes(g));
  if (group !== undefined) return `exempt: member of group ${group}`;
  if (accounts.includes(accountId)) return `exempt: account ${accountId} is in policy.exemptions.accounts`;
  return undefined;
}

function unusedDetail(key: AccessKeyFacts, idle: number): string {
  return key.lastUsedDate === undefined
    ? `never used in ${idle} days since creation`
    : `last used ${idle} days ago`;
}

/**
 * Compliance findings for one key. An exempt user's keys carry EXEMPT first, followed by the findings
 * they would otherwise have: the exemption is an annotation for the auditor, not a blindfold.
 */
export function keyFindings(
  user: UserFacts,
  key: AccessKeyFacts,
  policy: SelectionPolicy,
  now: Date,
): Finding[] {
  const findings: Finding[] = [];
  const exempt = exemptionReason(user, user.accountId, policy);
  if (exempt !== undefined) findings.push({ code: 'EXEMPT', controls: [], detail: exempt });

  const active = key.status === 'Active';
  const age = keyAgeDays(key, now);
  if (active && age > policy.maxKeyAgeDays) {
    findings.push({
      code: 'KEY_AGE_OVER_MAX',
      controls: ['CIS 2.13', 'SecurityHub IAM.3'],
      detail: `key is ${age} days old (max ${policy.maxKeyAgeDays})`,
    });
  }

  const idle = unusedDays(key, now);
  if (idle !== undefined && idle > 45) {
    findings.push({
      code: 'KEY_UNUSED_45_DAYS',
      controls: ['CIS 2.11', 'SecurityHub IAM.22'],
      detail: unusedDetail(key, idle),
    });
  }
  if (idle !== undefined && idle > 90) {
    findings.push({
      code: 'KEY_UNUSED_90_DAYS',
      controls: ['SecurityHub IAM.8'],
      detail: unusedDetail(key, idle),
    });
  }

  const activeKeys = user.keys.filter((k) => k.status === 'Active').length;
  if (active && activeKeys >= 2) {
    findings.push({
      code: 'TWO_ACTIVE_KEYS',
      controls: ['CIS 2.12'],
      detail: `user has ${activeKeys} active keys`,
    });
  }

  const sinceUser = Date.parse(key.createDate) - Date.parse(user.createDate);
  if (key.lastUsedDate === undefined && Math.abs(sinceUser) <= CREATED_WITH_USER_MS) {
    findings.push({
      code: 'KEY_CREATED_WITH_USER_UNUSED',
      controls: ['CIS 2.10'],
      detail: 'key was created within 10 minutes of the user and has never been used',
    });
  }
  return findings;
}
