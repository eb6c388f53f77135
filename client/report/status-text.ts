import type { ApprovalState } from '../../domain/approval-state';
import { eligibleApprovers } from '../../domain/approval-settings';
import { normalizePrincipal } from '../../domain/ids';
import type { OffboardingPhase, OffboardingStatus } from '../../domain/offboarding-report';
import type { CampaignStatus } from '../../domain/rotation-report';
import { formatCounts } from './key-facts';
import {
  accountGroups,
  accountTitle,
  containmentCompleteText,
  formatTimeToContainment,
  formatUserStates,
  offboardedUserState,
  accountsText,
  attentionText,
} from './offboarding';

/** Approvers still able to approve, and how many more approvals the gate needs. */
export function pendingApprovals(approval: ApprovalState): { needed: number; from: string[] } {
  if (approval.decision) return { needed: 0, from: [] };
  const approved = new Set(approval.approvals.map((a) => normalizePrincipal(a.approver)));
  const eligible = eligibleApprovers(approval.approvers, approval.initiator);
  const counted = eligible.filter((a) => approved.has(a)).length;
  return {
    needed: Math.max(0, approval.requiredApprovals - counted),
    from: eligible.filter((a) => !approved.has(a)),
  };
}

export function approvalText(approval: ApprovalState, closed = false, opensWhenReady = false): string[] {
  const lines: string[] = [];
  lines.push(
    `approval:   ${approval.approvals.length} of ${approval.requiredApprovals} required ` +
      `(approvers: ${approval.approvers.join(', ')}; the initiator may not approve)`,
  );
  lines.push(
    approval.signatures === 'required'
      ? 'signatures: required: each approval is an Ed25519 signature the workflow verifies'
      : 'signatures: off: approvals are NOT authenticated; anyone who may signal this workflow can type an approver name',
  );
  if (approval.plan)
    lines.push(
      `plan:       ${approval.plan.summary} (digest ${approval.plan.digest}, round ${approval.round})`,
    );
  for (const a of approval.approvals) {
    lines.push(`  approved by ${a.approver} at ${a.at}${a.comment ? ` ("${a.comment}")` : ''}`);
  }
  for (const r of approval.rejectedAttempts) {
    lines.push(`  rejected ${r.signal} from ${r.approver ?? '(unknown)'} at ${r.at}: ${r.reason}`);
  }
  for (const e of approval.escalations) lines.push(`  escalated: ${e}`);
  (approval.pastRounds ?? []).forEach((past, i) => {
    lines.push(
      `round ${i + 1}:    ${past.outcome}${past.by.length > 0 ? ` by ${past.by.join(', ')}` : ''} at ${past.at}: ${past.reason}`,
    );
  });
  const d = approval.decision;
  if (d) {
    lines.push(
      `decision:   ${d.outcome}${d.by.length > 0 ? ` by ${d.by.join(', ')}` : ''} at ${d.at}: ${d.reason}`,
    );
  } else if (closed) {
    lines.push('decision:   none (the run ended without one)');
  } else {
    const pending = pendingApprovals(approval);
    if (opensWhenReady && !approval.openedAt && approval.approvals.length === 0) {
      lines.push(
        (approval.pastRounds ?? []).length > 0
          ? `next round: ${approval.round ?? 1}, opens when the keys it covers are ready for deletion`
          : 'gate:       not open yet: it opens when every key to delete is ready (approvals sent before are refused)',
      );
      return lines;
    }
    lines.push(
      `pending:    ${pending.needed} more approval(s) needed` +
        (pending.from.length > 0 ? ` from any of ${pending.from.join(', ')}` : ''),
    );
    if (approval.openedAt) lines.push(`gate open:  since ${approval.openedAt}`);
    if (approval.deadline) lines.push(`deadline:   ${approval.deadline} (then ${approval.onTimeout})`);
  }
  return lines;
}

/** What `keywarden status` prints for a campaign. */
export function campaignStatusText(status: CampaignStatus, link?: string): string[] {
  const a = status.accounts;
  const lines = [
    `campaign:   ${status.campaignId} (${status.name})${status.dryRun ? ' [dry run]' : ''}`,
    `phase:      ${status.phase}`,
    `initiator:  ${status.initiator}, started ${status.startedAt}`,
    `accounts:   ${a.inScope} in scope, ${a.started} started (${a.working ?? 0} working, ${a.waiting ?? 0} waiting out a window), ` +
      `${a.readyForApproval} ready for approval, ${a.finished} finished, ${a.failed} failed` +
      (a.notStarted ? `, ${a.notStarted} not started (aborted)` : ''),
    ...(status.shards
      ? [
          `shards:     ${status.shards.started} of ${status.shards.total} started, up to ${status.shards.accountsPerShard} accounts each; ` +
            'working and waiting above count shards (each answers `keywarden status <campaign-id>/shard-<n>`)',
        ]
      : []),
    ...(status.shard
      ? [`shard:      ${status.shard.index} of campaign ${status.shard.parentWorkflowId}`]
      : []),
    `users:      ${formatCounts(status.users)}${status.usersAwaitingDecision > 0 ? `; ${status.usersAwaitingDecision} awaiting the deletion decision` : ''}`,
    ...approvalText(
      status.approval,
      status.phase === 'completed' || status.phase === 'aborted' || status.phase === 'failed',
      true,
    ),
  ];
  if (status.failedAccounts.length > 0) {
    lines.push('failed accounts:');
    for (const f of status.failedAccounts) lines.push(`  ${f.accountId}: ${f.error}`);
  }
  if (status.error) lines.push(`error:      ${status.error}`);
  if (link) lines.push(`workflow:   ${link}`);
  return lines;
}

/** Reads an approval record out of any status object that carries one (offboarding, too). */
export function approvalOf(status: unknown): ApprovalState | undefined {
  if (typeof status !== 'object' || status === null || !('approval' in status)) return undefined;
  const approval = status.approval;
  if (typeof approval !== 'object' || approval === null) return undefined;
  const a = approval as Partial<ApprovalState>;
  return Array.isArray(a.approvals) && Array.isArray(a.rejectedAttempts)
    ? (approval as ApprovalState)
    : undefined;
}

const OFFBOARDING_CLOSED: readonly OffboardingPhase[] = [
  'completed',
  'restored',
  'not-found',
  'incomplete',
  'failed',
];

/** What `keywarden status` prints for an offboarding: the headline figures, then every user by account. */
export function offboardingStatusText(id: string, status: OffboardingStatus, link?: string): string[] {
  const lines = [
    `offboarding: ${id} (employee ${status.employeeId})`,
    `phase:      ${status.phase}`,
    `requested:  ${status.requestedAt}`,
    `contained:  ${status.containedAt ?? 'not yet'}`,
    `time to containment: ${formatTimeToContainment(status.timeToContainmentMs)}`,
    `complete:   ${containmentCompleteText(status)}`,
    `purge mode: ${status.purgeMode}`,
    `accounts:   ${accountsText(status)}`,
    `users:      ${status.users.length === 0 ? 'none matched' : `${status.users.length} matched: ${formatUserStates(status.users)}`}`,
  ];
  const attention = attentionText(status);
  if (attention) lines.splice(2, 0, `attention:  ${attention}`);
  for (const group of accountGroups(status)) {
    if (group.users.length === 0) continue;
    lines.push(`  ${accountTitle(group)}`);
    for (const user of group.users) {
      const state = offboardedUserState(user);
      const when =
        state === 'restored' && user.restore
          ? `restored at ${user.restore.at}`
          : user.containedAt
            ? `contained at ${user.containedAt}`
            : '';
      const details = [when, user.error ? `error: ${user.error}` : ''].filter(Boolean).join('; ');
      lines.push(`    ${user.userName}: ${state}${details ? ` (${details})` : ''}`);
    }
  }
  lines.push(...approvalText(status.approval, OFFBOARDING_CLOSED.includes(status.phase)));
  if (status.accountsFailed.length > 0) {
    lines.push('failed accounts:');
    for (const f of status.accountsFailed) lines.push(`  ${f.accountId}: ${f.error}`);
  }
  const skipped = accountGroups(status).filter((g) => g.result === 'skipped');
  if (skipped.length > 0) {
    lines.push('skipped accounts:');
    for (const g of skipped) lines.push(`  ${g.accountId}: ${g.error ?? ''}`);
  }
  if (status.finishedAt) lines.push(`finished:   ${status.finishedAt}`);
  if (status.error) lines.push(`error:      ${status.error}`);
  if (link) lines.push(`workflow:   ${link}`);
  return lines;
}

export type VerdictKind = 'accepted' | 'refused' | 'decided' | 'no-answer';

export interface Verdict {
  kind: VerdictKind;
  lines: string[];
}

/**
 * What the gate made of one signal, from its approval record before and after: a new rejected
 * attempt from this approver means it was refused (with the reason); a new approval or a decision
 * means it counted.
 */
export function approvalVerdict(
  signal: 'approve' | 'reject' | 'cancel' | 'abort',
  approver: string,
  before: ApprovalState | undefined,
  after: ApprovalState | undefined,
): Verdict {
  if (!after) return { kind: 'no-answer', lines: [`${signal} sent; the gate has not reported on it yet`] };
  const who = normalizePrincipal(approver);
  const refused = after.rejectedAttempts
    .slice(before?.rejectedAttempts.length ?? 0)
    .find((r) => r.signal === signal && (r.approver === undefined || normalizePrincipal(r.approver) === who));
  if (refused) {
    return { kind: 'refused', lines: [`the gate refused the ${signal} from ${approver}: ${refused.reason}`] };
  }
  const lines: string[] = [];
  const accepted = after.approvals
    .slice(before?.approvals.length ?? 0)
    .some((a) => normalizePrincipal(a.approver) === who);
  if (accepted) {
    lines.push(
      `approval recorded from ${approver} (${after.approvals.length} of ${after.requiredApprovals} required)`,
    );
  }
  const newRound = (after.pastRounds ?? []).length > (before?.pastRounds ?? []).length;
  const decision = after.decision ?? (newRound ? after.pastRounds.at(-1) : undefined);
  if (decision && (newRound || !before?.decision)) {
    lines.push(
      `decision: ${decision.outcome}${decision.by.length > 0 ? ` by ${decision.by.join(', ')}` : ''}: ${decision.reason}`,
    );
    return { kind: 'decided', lines };
  }
  if (accepted) {
    const pending = pendingApprovals(after);
    if (pending.needed > 0)
      lines.push(`${pending.needed} more approval(s) needed from any of ${pending.from.join(', ')}`);
    return { kind: 'accepted', lines };
  }
  return { kind: 'no-answer', lines: [`${signal} sent; the gate has not reported on it yet`] };
}
