import { z } from 'zod';
import { eligibleApprovers } from './approval-settings';
import { normalizePrincipal, principalSchema } from './ids';

export const ApprovalSignalSchema = z.strictObject({
  approver: principalSchema,
  comment: z.string().max(2000).optional(),
});
export type ApprovalSignal = z.infer<typeof ApprovalSignalSchema>;

export interface ApprovalPolicy {
  approvers: string[];
  requiredApprovals: number;
  initiator: string;
}

export interface RecordedApproval {
  approver: string;
  comment?: string;
  at: string;
}

export interface RejectedAttempt {
  signal: 'approve' | 'reject' | 'cancel' | 'abort';
  approver?: string;
  reason: string;
  at: string;
}

export type Judgement =
  { valid: true; approver: string; comment?: string } | { valid: false; approver?: string; reason: string };

const MAX_RECORDED_APPROVER = 256;

// Names only what is wrong and where; never the submitted values or unknown key names, which are
// attacker-controlled and end up in queries and reports.
function malformedReason(error: z.ZodError): string {
  const issue = error.issues[0];
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
  const result = ApprovalSignalSchema.safeParse(payload);
  if (!result.success) {
    const approver = approverOf(payload);
    const reason = malformedReason(result.error);
    return approver === undefined ? { valid: false, reason } : { valid: false, approver, reason };
  }
  const approver = normalizePrincipal(result.data.approver);
  return result.data.comment === undefined
    ? { valid: true, approver }
    : { valid: true, approver, comment: result.data.comment };
}

function isListed(policy: ApprovalPolicy, approver: string): boolean {
  return policy.approvers.some((a) => normalizePrincipal(a) === approver);
}

export function judgeApprove(
  policy: ApprovalPolicy,
  alreadyApproved: readonly string[],
  payload: unknown,
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
  return parsed;
}

/** Any listed approver may reject, and so may the initiator (withdrawing their own request). */
export function judgeReject(policy: ApprovalPolicy, payload: unknown): Judgement {
  const parsed = parseSignal(payload);
  if (!parsed.valid) return parsed;
  const { approver } = parsed;
  if (approver === normalizePrincipal(policy.initiator) || isListed(policy, approver)) return parsed;
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
