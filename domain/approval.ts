import type { z } from 'zod';
import type * as ApprovalSignalModule from './approval-signal-schema';
import { verifyStatement, type ApprovalStatement } from './approval-signature';
import { eligibleApprovers, publicKeyFor } from './approver-checks';
import { lazily } from './lazily';
import { normalizePrincipal } from './principal';
import { isUndecodable } from './undecodable';

export type { ApprovalSignal } from './approval-signal-schema';

// Gates run this in workflows: the schema loads on the first signal (see lazily).
const approvalSignalSchema = lazily(
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded on first use, see lazily
  () => (require('./approval-signal-schema') as typeof ApprovalSignalModule).ApprovalSignalSchema,
);

export interface ApprovalPolicy {
  approvers: string[];
  requiredApprovals: number;
  initiator: string;
  signatures?: 'off' | 'required';
  publicKeys?: Record<string, string>;
}

/** Where and when a message is judged: a signature must be for exactly this. */
export interface GateContext {
  workflowId: string;
  action: ApprovalStatement['action'];
  round: number;
  /** The digest of what awaits the decision; undefined while nothing does. */
  planDigest?: string;
  nowMs: number;
}

/** The signed part of an approval: what the approver's signature covers besides who and why. */
export interface SignedPart {
  round: number;
  planDigest: string;
  expiresAt: string;
  signature: string;
}

export interface RecordedApproval {
  approver: string;
  comment?: string;
  at: string;
  signed?: SignedPart;
}

/** Longest validity a signer may give an approval. */
export const MAX_SIGNATURE_VALIDITY_MS = 30 * 86_400_000;

export interface RejectedAttempt {
  signal: 'approve' | 'reject' | 'cancel' | 'abort';
  approver?: string;
  reason: string;
  at: string;
}

export type Judgement =
  | { valid: true; approver: string; comment?: string; signed?: SignedPart }
  | { valid: false; approver?: string; reason: string };

const MAX_RECORDED_APPROVER = 256;

// Names only what is wrong and where; never the submitted values or unknown key names, which are
// attacker-controlled and end up in queries and reports.
function malformedReason(error: z.ZodError): string {
  const issue = error.issues[0];
  if (issue?.code === 'custom') return `malformed: ${issue.message}`;
  if (issue === undefined) return 'malformed: invalid payload';
  if (issue.code === 'unrecognized_keys') {
    return 'malformed: unexpected field(s); only "approver" and "comment" are allowed';
  }
  if (issue.path.length === 0 && issue.code === 'invalid_type') {
    return 'malformed: expected a JSON object like {"approver": "alice@example.com", "comment": "..."}';
  }
  const field = issue.path.map(String).join('.');
  const message = issue.message.length > 120 ? `${issue.message.slice(0, 120)}…` : issue.message;
  return `malformed: ${field}: ${message}`;
}

function approverOf(payload: unknown): string | undefined {
  if (typeof payload !== 'object' || payload === null || !('approver' in payload)) return undefined;
  const approver: unknown = payload.approver;
  if (typeof approver !== 'string') return undefined;
  const normalized = normalizePrincipal(approver).slice(0, MAX_RECORDED_APPROVER);
  return normalized === '' ? undefined : normalized;
}

function parseSignal(payload: unknown): Judgement {
  if (isUndecodable(payload)) return { valid: false, reason: `undecodable: ${payload.keywardenUndecodable}` };
  const result = approvalSignalSchema().safeParse(payload);
  if (!result.success) {
    const approver = approverOf(payload);
    const reason = malformedReason(result.error);
    return approver === undefined ? { valid: false, reason } : { valid: false, approver, reason };
  }
  const { round, planDigest, expiresAt, signature, comment } = result.data;
  const approver = normalizePrincipal(result.data.approver);
  const signed =
    round !== undefined && planDigest !== undefined && expiresAt !== undefined && signature !== undefined
      ? { round, planDigest, expiresAt, signature }
      : undefined;
  return {
    valid: true,
    approver,
    ...(comment === undefined ? {} : { comment }),
    ...(signed === undefined ? {} : { signed }),
  };
}

/** The statement a signature over this approval must verify against. */
export function statementFor(
  context: Pick<GateContext, 'workflowId' | 'action'>,
  approver: string,
  comment: string | undefined,
  signed: SignedPart,
): ApprovalStatement {
  return {
    workflowId: context.workflowId,
    action: context.action,
    round: signed.round,
    planDigest: signed.planDigest,
    approver: normalizePrincipal(approver),
    comment: comment ?? '',
    expiresAt: signed.expiresAt,
  };
}

/**
 * Why a signature does not authorize this message here and now, or undefined when it does.
 * `graceMs` lets a workflow that receives a decision passed on accept approvals that expired
 * just after the gate decided.
 */
export function signatureProblem(
  policy: ApprovalPolicy,
  context: GateContext,
  approver: string,
  comment: string | undefined,
  signed: SignedPart | undefined,
  graceMs = 0,
): string | undefined {
  if (policy.signatures !== 'required') return undefined;
  if (signed === undefined) {
    return 'unsigned: approval.signatures is required; sign it with `keywarden approve|reject <id> --key <file>`';
  }
  if (signed.round !== context.round) {
    return `signed for round ${signed.round}, but this gate is deciding round ${context.round}: sign again`;
  }
  if (context.planDigest === undefined) return 'too early: no plan awaits a decision yet';
  if (signed.planDigest !== context.planDigest) {
    return `signed for another plan (${signed.planDigest.slice(0, 12)}…); the plan awaiting decision is ${context.planDigest.slice(0, 12)}…: review it and sign again`;
  }
  const expires = Date.parse(signed.expiresAt);
  if (!Number.isFinite(expires)) return 'expiresAt is not a time: sign again';
  if (context.nowMs > expires + graceMs) return `expired at ${signed.expiresAt}: sign again`;
  if (expires - context.nowMs > MAX_SIGNATURE_VALIDITY_MS) {
    return 'expiresAt is more than 30 days ahead: sign with a shorter validity';
  }
  const publicKey = publicKeyFor(policy.publicKeys ?? {}, approver);
  if (publicKey === undefined) return `no public key for ${approver} in approval.publicKeys`;
  const statement = statementFor(context, approver, comment, signed);
  if (!verifyStatement(statement, signed.signature, publicKey)) {
    return `bad signature: it does not verify with ${approver}'s public key for this workflow, action and plan (forged, altered, or signed for something else)`;
  }
  return undefined;
}

function isListed(policy: ApprovalPolicy, approver: string): boolean {
  return policy.approvers.some((a) => normalizePrincipal(a) === approver);
}

export function judgeApprove(
  policy: ApprovalPolicy,
  alreadyApproved: readonly string[],
  payload: unknown,
  context?: GateContext,
): Judgement {
  const parsed = parseSignal(payload);
  if (!parsed.valid) return parsed;
  const { approver } = parsed;
  if (approver === normalizePrincipal(policy.initiator)) {
    return { valid: false, approver, reason: 'self-approval: the initiator may not approve (four eyes)' };
  }
  if (!isListed(policy, approver)) {
    return { valid: false, approver, reason: `unknown approver: ${approver} is not in approval.approvers` };
  }
  if (alreadyApproved.some((a) => normalizePrincipal(a) === approver)) {
    return { valid: false, approver, reason: `duplicate: ${approver} has already approved` };
  }
  return withSignature(policy, context, parsed);
}

function withSignature(
  policy: ApprovalPolicy,
  context: GateContext | undefined,
  parsed: Extract<Judgement, { valid: true }>,
): Judgement {
  if (policy.signatures !== 'required') return parsed;
  const problem =
    context === undefined
      ? 'no gate context to check the signature against'
      : signatureProblem(policy, context, parsed.approver, parsed.comment, parsed.signed);
  return problem === undefined ? parsed : { valid: false, approver: parsed.approver, reason: problem };
}

/** Any listed approver may reject, and so may the initiator (withdrawing their own request). */
export function judgeReject(policy: ApprovalPolicy, payload: unknown, context?: GateContext): Judgement {
  const parsed = parseSignal(payload);
  if (!parsed.valid) return parsed;
  const { approver } = parsed;
  if (approver === normalizePrincipal(policy.initiator) || isListed(policy, approver)) {
    return withSignature(policy, context, parsed);
  }
  return { valid: false, approver, reason: `unknown approver: ${approver} is not in approval.approvers` };
}

/** Counts distinct listed approvers other than the initiator, so a corrupted record cannot over-count. */
export function isSatisfied(policy: ApprovalPolicy, approvals: readonly RecordedApproval[]): boolean {
  const eligible = new Set(eligibleApprovers(policy.approvers, policy.initiator));
  const counted = new Set(
    approvals.map((a) => normalizePrincipal(a.approver)).filter((a) => eligible.has(a)),
  );
  return counted.size >= policy.requiredApprovals;
}
