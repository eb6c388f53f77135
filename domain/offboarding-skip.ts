import { signatureProblem, type ApprovalPolicy } from './approval';
import { leafHash, merkleRoot } from './plan-digest';
import { lazily } from './lazily';
import { normalizePrincipal } from './principal';
import type * as SkipSignalModule from './skip-account-signal';
import type { SkipAccountSignal } from './skip-account-signal';

// The offboarding workflow runs this: the schema loads on the first skip signal (see lazily).
const skipAccountSignalSchema = lazily(
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded on first use, see lazily
  () => (require('./skip-account-signal') as typeof SkipSignalModule).SkipAccountSignalSchema,
);

export type SkipJudgement =
  { valid: true; skip: SkipAccountSignal } | { valid: false; reason: string; by?: string };

/** What a signed skip covers: the one account it gives up on. */
export function skipDigest(accountId: string): string {
  return merkleRoot([leafHash('skip', accountId)]);
}

export interface SkipContext {
  initiator: string;
  approvers: readonly string[];
  /** With signatures required: the policy, this workflow, and now. */
  signing?: { policy: ApprovalPolicy; workflowId: string; nowMs: number };
  /** Accounts whose search is being retried: only they can be skipped. */
  retrying: readonly string[];
}

/**
 * Judges a `skip-account` signal. The reasons name what is wrong, never the submitted values
 * (they end up in the status), except a sender who is allowed to act.
 */
export function judgeSkip(payload: unknown, context: SkipContext): SkipJudgement {
  const parsed = skipAccountSignalSchema().safeParse(payload);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue && issue.path.length > 0 ? `${issue.path.join('.')}: ` : '';
    const what =
      issue === undefined || issue.code === 'unrecognized_keys' || issue.code === 'invalid_type'
        ? 'send {"by": "<initiator or approver>", "accountId": "<12 digits>", "reason": "<why>"}'
        : issue.message;
    return { valid: false, reason: `malformed: ${where}${what}` };
  }
  const skip = { ...parsed.data, by: normalizePrincipal(parsed.data.by) };
  const allowed = [context.initiator, ...context.approvers].map(normalizePrincipal);
  if (!allowed.includes(skip.by)) {
    return { valid: false, reason: 'only the initiator or a listed approver may skip an account' };
  }
  if (context.signing) {
    const { expiresAt, signature } = skip;
    const problem = signatureProblem(
      context.signing.policy,
      {
        workflowId: context.signing.workflowId,
        action: 'skip',
        round: 0,
        planDigest: skipDigest(skip.accountId),
        nowMs: context.signing.nowMs,
      },
      skip.by,
      skip.reason,
      expiresAt === undefined || signature === undefined
        ? undefined
        : { round: 0, planDigest: skipDigest(skip.accountId), expiresAt, signature },
    );
    if (problem !== undefined) return { valid: false, by: skip.by, reason: problem };
  }
  if (!context.retrying.includes(skip.accountId)) {
    return {
      valid: false,
      by: skip.by,
      reason: `account ${skip.accountId} is not waiting for a retry: only an account whose search failed can be skipped`,
    };
  }
  return { valid: true, skip };
}
