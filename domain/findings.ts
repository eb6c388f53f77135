import type { CampaignSpec } from './campaign-spec';
import { controlLabels } from './controls';
import type { AccessKeyFacts, UserFacts } from './inventory';

export type SelectionPolicy = CampaignSpec['policy'];

export type FindingCode =
  | 'KEY_AGE_OVER_MAX'
  | 'KEY_UNUSED_45_DAYS'
  | 'KEY_UNUSED_90_DAYS'
  | 'TWO_ACTIVE_KEYS'
  | 'KEY_CREATED_WITH_USER_UNUSED'
  | 'CONSOLE_USER_WITHOUT_MFA'
  | 'ROOT_ACCESS_KEYS_PRESENT'
  | 'PASSWORD_AND_ACCESS_KEYS'
  | 'EXEMPT';

export interface Finding {
  code: FindingCode;
  /** The control labels of domain/controls.ts when the finding was made; reports show the table's current ones. */
  controls: string[];
  detail: string;
}

/**
 * A finding about a principal of an account rather than one key: a console user, a user's
 * combination of credentials, the root user. Comes from the IAM credential report and
 * GetAccountSummary, so users without access keys (who are counted, not listed) are covered too.
 */
export interface AccountFinding extends Finding {
  accountId: string;
  /** The IAM user's ARN, or `arn:aws:iam::<account>:root` for the root user. */
  principalArn: string;
  /** Absent for the root user. */
  userName?: string;
}

/** What the credential report says about one IAM user's sign-in credentials. */
export interface UserCredentialFacts {
  userName: string;
  arn: string;
  /** `password_enabled`; undefined when the report has no such column. */
  passwordEnabled?: boolean;
  /** `mfa_active`; undefined when the report has no such column. */
  mfaActive?: boolean;
  /** At least one active access key. */
  activeAccessKey: boolean;
}

/** Console users without MFA (CIS 1.10, IAM.5) and users with both a password and active keys. */
export function userCredentialFindings(accountId: string, user: UserCredentialFacts): AccountFinding[] {
  const subject = { accountId, principalArn: user.arn, userName: user.userName };
  const findings: AccountFinding[] = [];
  if (user.passwordEnabled === true && user.mfaActive === false) {
    findings.push({
      ...subject,
      code: 'CONSOLE_USER_WITHOUT_MFA',
      controls: controlLabels('CONSOLE_USER_WITHOUT_MFA'),
      detail: 'user has a console password and no MFA device',
    });
  }
  if (user.passwordEnabled === true && user.activeAccessKey) {
    findings.push({
      ...subject,
      code: 'PASSWORD_AND_ACCESS_KEYS',
      controls: controlLabels('PASSWORD_AND_ACCESS_KEYS'),
      detail: 'user has a console password and an active access key',
    });
  }
  return findings;
}

/** The root user's access keys, as GetAccountSummary's AccountAccessKeysPresent reports them (CIS 1.4, IAM.4). */
export function rootKeyFindings(accountId: string, accountAccessKeysPresent: boolean): AccountFinding[] {
  if (!accountAccessKeysPresent) return [];
  return [
    {
      accountId,
      principalArn: `arn:aws:iam::${accountId}:root`,
      code: 'ROOT_ACCESS_KEYS_PRESENT',
      controls: controlLabels('ROOT_ACCESS_KEYS_PRESENT'),
      detail: 'the root user has access keys (GetAccountSummary AccountAccessKeysPresent = 1): delete them',
    },
  ];
}

/** One entry per code and principal: a finding seen by two runs of an account workflow counts once. */
export function distinctAccountFindings(findings: readonly AccountFinding[]): AccountFinding[] {
  const seen = new Map<string, AccountFinding>();
  for (const finding of findings) seen.set(`${finding.code}\0${finding.principalArn}`, finding);
  return [...seen.values()];
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
      controls: controlLabels('KEY_AGE_OVER_MAX'),
      detail: `key is ${age} days old (max ${policy.maxKeyAgeDays})`,
    });
  }

  const idle = unusedDays(key, now);
  if (idle !== undefined && idle > 45) {
    findings.push({
      code: 'KEY_UNUSED_45_DAYS',
      controls: controlLabels('KEY_UNUSED_45_DAYS'),
      detail: unusedDetail(key, idle),
    });
  }
  if (idle !== undefined && idle > 90) {
    findings.push({
      code: 'KEY_UNUSED_90_DAYS',
      controls: controlLabels('KEY_UNUSED_90_DAYS'),
      detail: unusedDetail(key, idle),
    });
  }

  const activeKeys = user.keys.filter((k) => k.status === 'Active').length;
  if (active && activeKeys >= 2) {
    findings.push({
      code: 'TWO_ACTIVE_KEYS',
      controls: controlLabels('TWO_ACTIVE_KEYS'),
      detail: `user has ${activeKeys} active keys`,
    });
  }

  const sinceUser = Date.parse(key.createDate) - Date.parse(user.createDate);
  if (key.lastUsedDate === undefined && Math.abs(sinceUser) <= CREATED_WITH_USER_MS) {
    findings.push({
      code: 'KEY_CREATED_WITH_USER_UNUSED',
      controls: controlLabels('KEY_CREATED_WITH_USER_UNUSED'),
      detail: 'key was created within 10 minutes of the user and has never been used',
    });
  }
  return findings;
}
