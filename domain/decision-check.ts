import { signatureProblem, type ApprovalPolicy, type RecordedApproval, type SignedPart } from './approval';
import { eligibleApprovers } from './approver-checks';
import { normalizePrincipal } from './principal';
import { NO_PLAN, accountPlanLeaf, campaignPlanLeaf, rootFromProof, type ProofStep } from './plan-digest';

/**
 * What a workflow that receives a decision from another knows from its own input, so that it
 * checks the decision itself instead of trusting whoever sent it.
 */
export interface DecisionAuthority extends ApprovalPolicy {
  /** The workflow whose gate decides: signatures are bound to it. */
  gateWorkflowId: string;
  /** The gate's approval timeout: a timeout decision cannot come sooner. */
  timeoutMs?: number;
}

/**
 * Why a rejection or cancellation passed on may not be acted on (it reactivates old keys or
 * restores users), or undefined when it may: it must rest on a listed approver or the initiator,
 * signed for this gate, round and plan when signatures are required.
 */
export function rejectionProblem(
  authority: DecisionAuthority,
  decision: PassedDecision,
  nowMs: number,
): string | undefined {
  if (decision.outcome !== 'rejected' && decision.outcome !== 'cancelled') return undefined;
  const action = decision.outcome === 'rejected' ? 'reject' : 'cancel';
  const allowed = new Set([...authority.approvers, authority.initiator].map(normalizePrincipal));
  const problems: string[] = [];
  for (const record of decision.approvals ?? []) {
    const who = normalizePrincipal(record.approver);
    if (!allowed.has(who)) continue;
    const problem = signatureProblem(
      authority,
      {
        workflowId: authority.gateWorkflowId,
        action,
        round: decision.round,
        nowMs,
        ...(decision.planDigest === undefined ? {} : { planDigest: decision.planDigest }),
      },
      who,
      record.comment,
      record.signed,
      PASSED_DECISION_GRACE_MS,
    );
    if (problem === undefined) return undefined;
    problems.push(`${who}: ${problem}`);
  }
  return `the ${decision.outcome} decision rests on no valid ${action} by a listed approver or the initiator${problems.length > 0 ? ` (${problems.join('; ')})` : ''}`;
}

/** Why an abort passed on may not be acted on, or undefined when it may. */
export function abortProblem(
  authority: DecisionAuthority,
  campaignWorkflowId: string,
  abort: { by: string; comment?: string; signed?: SignedPart },
  nowMs: number,
): string | undefined {
  const who = normalizePrincipal(abort.by);
  const allowed = new Set([...authority.approvers, authority.initiator].map(normalizePrincipal));
  if (!allowed.has(who)) return `${who} is neither a listed approver nor the initiator`;
  const problem = signatureProblem(
    authority,
    { workflowId: campaignWorkflowId, action: 'abort', round: 0, planDigest: NO_PLAN, nowMs },
    who,
    abort.comment,
    abort.signed,
    PASSED_DECISION_GRACE_MS,
  );
  return problem === undefined ? undefined : `abort by ${who}: ${problem}`;
}

/** What a saga knows: which gate decides, and whether its account's plan sits in a campaign plan. */
export interface KeyDecisionAuthority extends DecisionAuthority {
  scope: 'campaign' | 'account';
}

/** A decision as passed on, with what it rests on. */
export interface PassedDecision {
  outcome: string;
  round: number;
  approvals?: RecordedApproval[];
  planDigest?: string;
}

/** Approvals may be checked a little after the gate decided, e.g. after a worker restart. */
export const PASSED_DECISION_GRACE_MS = 6 * 3_600_000;

/**
 * Why an approval passed on does not authorize a deletion, or undefined when it does: enough
 * distinct listed approvers other than the initiator, each (with signatures required) signed for
 * this gate, this round and this plan.
 */
export function approvalProblem(
  authority: DecisionAuthority,
  decision: PassedDecision,
  nowMs: number,
): string | undefined {
  if (decision.outcome !== 'approved') return undefined;
  const eligible = new Set(eligibleApprovers(authority.approvers, authority.initiator));
  const counted = new Set<string>();
  const problems: string[] = [];
  for (const approval of decision.approvals ?? []) {
    const approver = normalizePrincipal(approval.approver);
    if (!eligible.has(approver) || counted.has(approver)) continue;
    const problem = signatureProblem(
      authority,
      {
        workflowId: authority.gateWorkflowId,
        action: 'approve',
        round: decision.round,
        nowMs,
        ...(decision.planDigest === undefined ? {} : { planDigest: decision.planDigest }),
      },
      approver,
      approval.comment,
      approval.signed,
      PASSED_DECISION_GRACE_MS,
    );
    if (problem === undefined) counted.add(approver);
    else problems.push(`${approver}: ${problem}`);
  }
  if (counted.size >= authority.requiredApprovals) return undefined;
  const detail = problems.length > 0 ? ` (${problems.join('; ')})` : '';
  return `the decision carries ${counted.size} valid approval(s) of ${authority.requiredApprovals} required${detail}`;
}

/** Whether this saga's key is in the account plan whose digest it was given. */
export function keyInAccountPlan(
  userName: string,
  accessKeyId: string,
  proof: readonly ProofStep[],
  accountDigest: string,
): boolean {
  return rootFromProof(accountPlanLeaf(userName, accessKeyId), proof) === accountDigest;
}

/** Whether an account's plan is in the campaign plan the approvers signed. */
export function accountInCampaignPlan(
  accountId: string,
  accountDigest: string,
  proof: readonly ProofStep[],
  planDigest: string,
): boolean {
  return rootFromProof(campaignPlanLeaf(accountId, accountDigest), proof) === planDigest;
}

/** Why a saga may not delete `accessKeyId` on this decision, or undefined when it may. */
export function keyDecisionProblem(
  authority: KeyDecisionAuthority,
  where: { accountId: string; userName: string; accessKeyId: string },
  decision: PassedDecision & { accountDigest?: string; keyProof?: ProofStep[]; accountProof?: ProofStep[] },
  nowMs: number,
  awaitingSinceMs?: number,
): string | undefined {
  if (decision.outcome === 'timed-out') {
    // The gate opens only after every saga asks, so a true timeout comes a full timeout later.
    const waited = awaitingSinceMs === undefined ? undefined : nowMs - awaitingSinceMs;
    return authority.timeoutMs !== undefined && waited !== undefined && waited < authority.timeoutMs
      ? `a timeout after ${Math.round(waited / 60_000)} minute(s) of waiting is sooner than the approval timeout`
      : undefined;
  }
  if (decision.outcome !== 'approved') return rejectionProblem(authority, decision, nowMs);
  const problem = approvalProblem(authority, decision, nowMs);
  if (problem) return problem;
  const { planDigest, accountDigest, keyProof, accountProof } = decision;
  if (planDigest === undefined || accountDigest === undefined || keyProof === undefined) {
    return 'the decision does not say which plan was approved';
  }
  if (!keyInAccountPlan(where.userName, where.accessKeyId, keyProof, accountDigest)) {
    return `key ${where.accessKeyId} is not in the plan that was approved`;
  }
  const inPlan =
    authority.scope === 'account'
      ? accountDigest === planDigest
      : accountProof !== undefined &&
        accountInCampaignPlan(where.accountId, accountDigest, accountProof, planDigest);
  return inPlan ? undefined : `account ${where.accountId}'s plan is not the plan that was approved`;
}
