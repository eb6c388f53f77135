import { randomBytes } from 'node:crypto';
import { signedPayload, type ApprovalKey, type SigningTarget } from '../../client/approval-keys';
import { publicKeyOf } from '../../domain/approval-signature';

export const INITIATOR = 'hr@example.com';
export const APPROVERS = ['alice@example.com', 'bob@example.com', 'carol@example.com'] as const;

export function newApprovalKey(approver: string): ApprovalKey {
  const secretKey = new Uint8Array(randomBytes(32));
  return { approver, secretKey, publicKey: publicKeyOf(secretKey) };
}

/** The gate the cases are sent to: an offboarding awaiting 2 signed approvals, alice's given. */
export interface ApprovalContext {
  workflowId: string;
  round: number;
  planDigest: string;
  now: Date;
  keys: Record<'alice' | 'bob' | 'carol' | 'initiator', ApprovalKey>;
}

export type Channel = 'signal' | 'update';

export interface ApprovalCase {
  name: string;
  message: 'approve' | 'reject' | 'cancel';
  payload: (ctx: ApprovalContext) => unknown;
  /** The reason recorded (signal) or thrown by the validator (update). */
  refusal: string | RegExp;
  /** Default: both. */
  channels?: Channel[];
}

/** A payload sent as raw bytes, as the Web UI or another SDK could: signals only. */
export interface UndecodableCase {
  name: string;
  encoding: string;
  data: string;
  refusal: RegExp;
}

const HOUR = 3_600_000;

/** Signed by `key` for this gate, with `over` changing what the signature is for. */
function sign(
  ctx: ApprovalContext,
  key: ApprovalKey,
  over: Partial<SigningTarget> = {},
  opts: { comment?: string; validForMs?: number; now?: Date } = {},
) {
  const target: SigningTarget = {
    workflowId: ctx.workflowId,
    action: 'approve',
    round: ctx.round,
    planDigest: ctx.planDigest,
    ...over,
  };
  return signedPayload(key, target, opts.comment, opts.validForMs ?? HOUR, opts.now ?? ctx.now);
}

const NOT_AN_OBJECT =
  'malformed: expected a JSON object like {"approver": "alice@example.com", "comment": "..."}';

/**
 * Approvals, rejections and cancellations: wrong shapes, unknown approvers, the initiator,
 * duplicates, and bad or expired signatures. Each goes to the gate as a signal (refused and
 * recorded with its reason) and as an update (refused by its validator, nothing recorded).
 */
export const APPROVAL_CASES: ApprovalCase[] = [
  { name: 'a bare string', message: 'approve', payload: () => 'alice@example.com', refusal: NOT_AN_OBJECT },
  {
    name: 'a list',
    message: 'approve',
    payload: () => [{ approver: 'bob@example.com' }],
    refusal: NOT_AN_OBJECT,
  },
  { name: 'null', message: 'approve', payload: () => null, refusal: NOT_AN_OBJECT },
  {
    name: 'no approver',
    message: 'approve',
    payload: () => ({ comment: 'lgtm' }),
    refusal: 'malformed: approver: a principal is a string',
  },
  {
    name: 'a blank approver',
    message: 'approve',
    payload: () => ({ approver: '   ' }),
    refusal: 'malformed: approver: a principal must not be empty',
  },
  {
    name: 'an extra field',
    message: 'approve',
    payload: () => ({ approver: 'bob@example.com', approved: true }),
    refusal: 'malformed: unexpected field(s); only "approver" and "comment" are allowed',
  },
  {
    name: 'a comment past 2,000 characters',
    message: 'approve',
    payload: () => ({ approver: 'bob@example.com', comment: 'x'.repeat(2001) }),
    refusal: /^malformed: comment: .*2000/,
  },
  {
    name: 'half of a signature (round only)',
    message: 'approve',
    payload: (ctx) => ({ approver: 'bob@example.com', round: ctx.round }),
    refusal: 'malformed: a signed approval carries round, planDigest, expiresAt and signature together',
  },
  {
    name: 'a plan digest that is not hex',
    message: 'approve',
    payload: (ctx) => ({ ...sign(ctx, ctx.keys.bob), planDigest: 'the-plan' }),
    refusal: 'malformed: planDigest: planDigest is 64 hex characters',
  },
  {
    name: 'an expiry that is not a time',
    message: 'approve',
    payload: (ctx) => ({ ...sign(ctx, ctx.keys.bob), expiresAt: 'tomorrow' }),
    refusal: 'malformed: expiresAt: expiresAt is an ISO-8601 UTC time',
  },
  {
    name: 'an approver not listed',
    message: 'approve',
    payload: (ctx) => ({ approver: 'mallory@example.com', ...signedFields(sign(ctx, ctx.keys.bob)) }),
    refusal: 'unknown approver: mallory@example.com is not in approval.approvers',
  },
  {
    name: 'the initiator approving their own request',
    message: 'approve',
    payload: (ctx) => sign(ctx, ctx.keys.initiator),
    refusal: 'self-approval: the initiator may not approve (four eyes)',
  },
  {
    name: 'the initiator in capitals and spaces',
    message: 'approve',
    payload: () => ({ approver: `  ${INITIATOR.toUpperCase()} ` }),
    refusal: 'self-approval: the initiator may not approve (four eyes)',
  },
  {
    name: 'a second approval by the same approver (validly signed)',
    message: 'approve',
    payload: (ctx) => sign(ctx, ctx.keys.alice, {}, { comment: 'again' }),
    refusal: 'duplicate: alice@example.com has already approved',
  },
  {
    name: 'unsigned where signatures are required',
    message: 'approve',
    payload: () => ({ approver: 'bob@example.com', comment: 'lgtm' }),
    refusal:
      /^unsigned: approval\.signatures is required; sign it with `keywarden approve\|reject <id> --key <file>`/,
  },
  {
    name: "bob's name signed with someone else's key",
    message: 'approve',
    payload: (ctx) => sign(ctx, { ...ctx.keys.carol, approver: 'bob@example.com' }),
    refusal: /^bad signature: it does not verify with bob@example\.com's public key/,
  },
  {
    name: "a signature of bob's, the approver changed to carol",
    message: 'approve',
    payload: (ctx) => ({ ...sign(ctx, ctx.keys.bob), approver: 'carol@example.com' }),
    refusal: /^bad signature: it does not verify with carol@example\.com's public key/,
  },
  {
    name: 'a comment changed after signing',
    message: 'approve',
    payload: (ctx) => ({ ...sign(ctx, ctx.keys.bob, {}, { comment: 'reviewed' }), comment: 'not reviewed' }),
    refusal: /^bad signature/,
  },
  {
    name: 'signed for another workflow',
    message: 'approve',
    payload: (ctx) => sign(ctx, ctx.keys.bob, { workflowId: 'offboard-someone-else' }),
    refusal: /^bad signature/,
  },
  {
    name: 'a signed rejection sent as an approval',
    message: 'approve',
    payload: (ctx) => sign(ctx, ctx.keys.bob, { action: 'reject' }),
    refusal: /^bad signature/,
  },
  {
    name: 'signed for another plan',
    message: 'approve',
    payload: (ctx) => sign(ctx, ctx.keys.bob, { planDigest: 'a'.repeat(64) }),
    refusal:
      /^signed for another plan \(aaaaaaaaaaaa…\); the plan awaiting decision is [0-9a-f]{12}…: review it and sign again/,
  },
  {
    name: 'signed for another round',
    message: 'approve',
    payload: (ctx) => sign(ctx, ctx.keys.bob, { round: ctx.round + 1 }),
    refusal: /^signed for round 2, but this gate is deciding round 1: sign again/,
  },
  {
    name: 'an expired signature',
    message: 'approve',
    payload: (ctx) => sign(ctx, ctx.keys.bob, {}, { now: new Date(ctx.now.getTime() - 2 * HOUR) }),
    refusal: /^expired at \d{4}-\d\d-\d\dT[\d:]+Z: sign again/,
  },
  {
    name: 'a signature valid for 31 days',
    message: 'approve',
    payload: (ctx) => sign(ctx, ctx.keys.bob, {}, { validForMs: 31 * 24 * HOUR }),
    refusal: 'expiresAt is more than 30 days ahead: sign with a shorter validity',
  },
  {
    name: 'a rejection by someone not listed',
    message: 'reject',
    payload: () => ({ approver: 'mallory@example.com', comment: 'restore me' }),
    refusal: 'unknown approver: mallory@example.com is not in approval.approvers',
  },
  {
    name: 'an unsigned rejection',
    message: 'reject',
    payload: () => ({ approver: 'bob@example.com' }),
    refusal: /^unsigned/,
  },
  {
    name: "a cancellation in the initiator's name, signed with another key",
    message: 'cancel',
    payload: (ctx) => sign(ctx, { ...ctx.keys.bob, approver: INITIATOR }, { action: 'cancel' }),
    refusal: /^bad signature: it does not verify with hr@example\.com's public key/,
  },
  {
    name: 'a cancellation by someone not listed',
    message: 'cancel',
    payload: () => ({ approver: 'mallory@example.com' }),
    refusal: 'unknown approver: mallory@example.com is not in approval.approvers',
  },
];

function signedFields(payload: ReturnType<typeof signedPayload>) {
  const { approver: _approver, ...rest } = payload;
  return rest;
}

export const UNDECODABLE_CASES: UndecodableCase[] = [
  {
    name: 'bytes that are not JSON',
    encoding: 'json/plain',
    data: '{"approver": "bob@exa',
    refusal: /^undecodable: /,
  },
  {
    name: 'an encoding the worker does not speak',
    encoding: 'binary/x-pickle',
    data: '\x80\x04K\x01.',
    refusal: /^undecodable: /,
  },
];
