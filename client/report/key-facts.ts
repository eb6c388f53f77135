import { CONTROLS, controlLabels } from '../../domain/controls';
import type { AccountFinding, Finding } from '../../domain/findings';
import { keyAgeDays, wholeDaysBetween } from '../../domain/findings';
import type { AccessKeyFacts } from '../../domain/inventory';
import type { StatusCounts, UserRotationReport, UserRotationStatus } from '../../domain/rotation-report';

/** The order statuses are listed in, from the outcomes a campaign is for to the ones that need a person. */
export const USER_STATUS_ORDER: readonly UserRotationStatus[] = [
  'rotated',
  'inventoried',
  'skipped',
  'needs-attention',
  'rolled-back',
  'compensated',
  'failed',
];

export function formatCounts(counts: StatusCounts): string {
  const parts = USER_STATUS_ORDER.filter((s) => (counts[s] ?? 0) > 0).map((s) => `${counts[s]} ${s}`);
  return parts.length === 0 ? 'none' : parts.join(', ');
}

/**
 * A finding's controls as the table in domain/controls.ts maps its code today, so a report of an
 * older run shows the same mapping as a new one; a code the table does not know keeps its own.
 */
export function findingControls(finding: Finding): string[] {
  return Object.hasOwn(CONTROLS, finding.code) ? controlLabels(finding.code) : finding.controls;
}

export function formatFinding(finding: Finding): string {
  const controls = findingControls(finding);
  const labels = controls.length > 0 ? ` [${controls.join(', ')}]` : '';
  return `${finding.code}${labels}: ${finding.detail}`;
}

/** Who an account finding is about, as a report names them. */
export function principalLabel(finding: AccountFinding): string {
  return finding.userName ?? 'root user';
}

export function dateOnly(iso: string | undefined): string {
  return iso === undefined ? '' : iso.slice(0, 10);
}

export interface KeyView {
  accessKeyId: string;
  keyStatus: string;
  createDate: string;
  ageDays: number;
  lastUsedDate?: string;
  daysSinceLastUse?: number;
  lastUsedService?: string;
  lastUsedRegion?: string;
  findings: Finding[];
  /** What the campaign did to this key. */
  role: 'rotated-out' | 'deleted' | 'kept';
}

export function keyView(
  user: UserRotationReport,
  key: AccessKeyFacts & { findings: Finding[] },
  now: Date,
): KeyView {
  const deleted = user.deletedAccessKeyIds.includes(key.accessKeyId);
  return {
    accessKeyId: key.accessKeyId,
    keyStatus: key.status,
    createDate: key.createDate,
    ageDays: keyAgeDays(key, now),
    lastUsedDate: key.lastUsedDate,
    daysSinceLastUse: key.lastUsedDate === undefined ? undefined : wholeDaysBetween(key.lastUsedDate, now),
    lastUsedService: key.lastUsedService,
    lastUsedRegion: key.lastUsedRegion,
    findings: key.findings,
    role: deleted ? 'deleted' : key.accessKeyId === user.oldAccessKeyId ? 'rotated-out' : 'kept',
  };
}

export function lastUseText(view: KeyView): string {
  if (view.lastUsedDate === undefined) return 'never';
  const where = [view.lastUsedService, view.lastUsedRegion]
    .filter((s) => s !== undefined && s !== '')
    .join(' ');
  return `${dateOnly(view.lastUsedDate)} (${view.daysSinceLastUse} d ago${where ? `, ${where}` : ''})`;
}
