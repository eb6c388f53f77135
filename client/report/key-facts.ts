import { CONTROLS, controlLabels } from '../../domain/controls';
import type { AccountFinding, Finding } from '../../domain/findings';
import { wholeDaysBetween } from '../../domain/findings';
import type { ApprovalState } from '../../domain/approval-state';
import type {
  AccountRotationReport,
  CampaignStatus,
  StatusCounts,
  UserRotationReport,
  UserRotationStatus,
} from '../../domain/rotation-report';
import type { ActionApproval } from './action-approvals';
import { approversText, deletionApproval } from './action-approvals';
import type { KeyOutcome, KeyRole } from './key-outcomes';
import { keyOutcomes, newKeyCreatedAt } from './key-outcomes';

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

/** One key as a report shows it: as the inventory found it, and what the campaign left. */
export interface KeyView extends KeyOutcome {
  /** Empty for a new key whose creation the timeline does not show. */
  createDate: string;
  ageDays?: number;
  lastUsedDate?: string;
  daysSinceLastUse?: number;
  lastUsedService?: string;
  lastUsedRegion?: string;
  /** The inventory's findings; none for the new key. */
  findings: Finding[];
  /** What keywarden did to the key, in words. */
  action: string;
  /** Who approved the action, for the actions that need an approval (deletions). */
  approval?: ActionApproval;
  needsApproval: boolean;
}

const ACTIONS: Record<KeyRole, string> = {
  deleted: 'deleted',
  'rotated-out': 'deactivated, replaced by the new key',
  reactivated: 'deactivated, then reactivated by the rollback',
  new: 'created by the rotation',
  discarded: 'created, then discarded before it went live',
  gone: 'deleted outside keywarden during the campaign',
  kept: 'none',
};

function actionText(user: UserRotationReport, outcome: KeyOutcome): string {
  if (outcome.role !== 'deleted') return ACTIONS[outcome.role];
  return outcome.accessKeyId === user.oldAccessKeyId ? 'deleted old key' : 'deleted inactive key';
}

/**
 * Every key of a user, the rotation's new key included, each with its status after the campaign
 * and, for a deletion, who approved it and when (from `gate`, the approval record that applies).
 */
export function userKeyViews(
  user: UserRotationReport,
  gate: ApprovalState | undefined,
  now: Date,
): KeyView[] {
  const facts = new Map(user.keys.map((k) => [k.accessKeyId, k]));
  return keyOutcomes(user).map((outcome) => {
    const key = facts.get(outcome.accessKeyId);
    const createDate = key?.createDate ?? newKeyCreatedAt(user) ?? '';
    const needsApproval = outcome.role === 'deleted';
    return {
      ...outcome,
      createDate,
      ageDays: createDate === '' ? undefined : wholeDaysBetween(createDate, now),
      lastUsedDate: key?.lastUsedDate,
      daysSinceLastUse: key?.lastUsedDate === undefined ? undefined : wholeDaysBetween(key.lastUsedDate, now),
      lastUsedService: key?.lastUsedService,
      lastUsedRegion: key?.lastUsedRegion,
      findings: key?.findings ?? [],
      action: actionText(user, outcome),
      needsApproval,
      ...(needsApproval ? { approval: deletionApproval(user, outcome.accessKeyId, gate) } : {}),
    };
  });
}

/** Who approved a key's action, as one cell: blank when nothing was done. */
export function approvalCell(view: KeyView): string {
  if (view.needsApproval) {
    return view.approval === undefined
      ? 'no approval record found'
      : `${approversText(view.approval)} (decided ${view.approval.decidedAt})`;
  }
  return view.touched ? 'not needed: keywarden asks approval only to delete a key' : '';
}

/** The approval record a user's deletions rest on: the account's gate, else the campaign's. */
export function gateFor(account: AccountRotationReport, campaign: CampaignStatus): ApprovalState {
  return account.approval ?? campaign.approval;
}

export function lastUseText(view: KeyView): string {
  if (view.statusBefore === undefined) return ''; // made by the campaign: the inventory never saw it
  if (view.lastUsedDate === undefined) return 'never';
  const where = [view.lastUsedService, view.lastUsedRegion]
    .filter((s) => s !== undefined && s !== '')
    .join(' ');
  return `${dateOnly(view.lastUsedDate)} (${view.daysSinceLastUse} d ago${where ? `, ${where}` : ''})`;
}
