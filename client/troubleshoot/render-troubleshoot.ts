import { keyAgeDays, type KeyCause, type WorkflowRef } from '../../domain/key-diagnosis';
import type { KeyLookup, LookedUpKey, StoredKeyLocation } from '../../domain/key-lookup';
import type { KeywardenTouches } from './keywarden-touches';

export interface WhoisReport {
  accessKeyId: string;
  account: KeyLookup['account'];
  userName: string;
  userArn?: string;
  key: LookedUpKey & { ageDays: number };
  /** Where keywarden stored the key: the versions that hold this key ID. */
  stored: StoredKeyLocation[];
  lastTouched?: WorkflowRef;
}

export interface DoctorReport {
  subject: { accessKeyId?: string; accountId: string; userName?: string };
  causes: KeyCause[];
}

/** The whois report of a key that IAM still has (`lookup.key` set). */
export function whoisReport(lookup: KeyLookup, touches: KeywardenTouches, now: Date): WhoisReport {
  const key = lookup.key as LookedUpKey;
  const stored = lookup.stored
    .map((s) => ({ ...s, versions: s.versions.filter((v) => v.accessKeyId === key.accessKeyId) }))
    .filter((s) => s.versions.length > 0);
  const report: WhoisReport = {
    accessKeyId: key.accessKeyId,
    account: lookup.account,
    userName: lookup.userName ?? '',
    key: { ...key, ageDays: keyAgeDays(key.createDate, now) },
    stored,
  };
  if (lookup.userArn !== undefined) report.userArn = lookup.userArn;
  if (touches.lastTouched !== undefined) report.lastTouched = touches.lastTouched;
  return report;
}

function accountText(account: KeyLookup['account']): string {
  const name = account.name === undefined ? '' : ` (${account.name})`;
  const path = account.ouPath === undefined ? '' : `, OU ${account.ouPath}`;
  const state = account.state === undefined || account.state === 'ACTIVE' ? '' : `, ${account.state}`;
  return `${account.accountId}${name}${path}${state}`;
}

function workflowText(ref: WorkflowRef): string {
  const when = ref.closeTime === undefined ? `started ${ref.startTime}` : `closed ${ref.closeTime}`;
  return `${ref.workflowId} (${ref.kind}, ${ref.status.toLowerCase()}, ${when})`;
}

export function whoisLines(report: WhoisReport): string[] {
  const { key } = report;
  const lastUse =
    key.lastUsedDate === undefined
      ? 'never'
      : `${key.lastUsedDate} (${key.lastUsedService ?? 'unknown service'} in ${key.lastUsedRegion ?? 'unknown region'})`;
  const lines = [
    `key:          ${report.accessKeyId}`,
    `account:      ${accountText(report.account)}`,
    `user:         ${report.userName}${report.userArn === undefined ? '' : ` (${report.userArn})`}`,
    `status:       ${key.status}, ${key.ageDays} days old (created ${key.createDate})`,
    `last used:    ${lastUse}`,
    `description:  ${key.description ?? '(no description tag)'}`,
  ];
  if (report.stored.length === 0)
    lines.push('stored in:    (no keywarden secret or parameter holds this key)');
  for (const location of report.stored) {
    for (const version of location.versions) {
      const stages = version.stages.length === 0 ? 'no staging label' : version.stages.join(', ');
      lines.push(`stored in:    ${location.kind} ${location.name}, version ${version.versionId} (${stages})`);
    }
  }
  if (report.lastTouched === undefined)
    lines.push('last touched: (no keywarden workflow found for this user)');
  else {
    lines.push(`last touched: ${workflowText(report.lastTouched)}`);
    if (report.lastTouched.link !== undefined) lines.push(`              ${report.lastTouched.link}`);
  }
  return lines;
}

export function doctorLines(report: DoctorReport): string[] {
  const { subject } = report;
  const who =
    subject.accessKeyId ?? `${subject.userName ?? '(unknown user)'} in account ${subject.accountId}`;
  if (report.causes.length === 0) {
    return [
      `${who}: no cause found. The key is active, the user exists and has permissions, and it is the key keywarden stores.`,
      'Look next at service control policies, permission boundaries, resource policies, and the region and credentials the application really uses.',
    ];
  }
  return report.causes.map((c) => `${c.code}: ${c.problem}. Fix: ${c.fix}`);
}
