import { denySessionsIssuedBefore } from './offboarding-policy';

/** The inline policy a revocation puts on the key's user. */
export const REVOKED_SESSIONS_POLICY_NAME = 'keywarden-revoked-sessions';
const SID = 'KeywardenDenySessionsIssuedBeforeRevocation';

/**
 * Denies every session the user's credentials obtained before `issuedBefore`, and nothing else:
 * the user's other (or replacement) long-term key keeps working. Unlike the offboarding's deny-all
 * policy, it does not mark the user as contained, so later rotations still take the user.
 */
export function revokedSessionsPolicyDocument(issuedBefore: string): string {
  return JSON.stringify({ Version: '2012-10-17', Statement: [denySessionsIssuedBefore(issuedBefore, SID)] });
}

/** The time in a revocation policy document, or undefined when the document is not one. */
export function revokedSessionsTime(document: string | undefined): string | undefined {
  if (document === undefined) return undefined;
  try {
    const parsed = JSON.parse(document) as { Statement?: Array<{ Sid?: unknown; Condition?: unknown }> };
    const statement = parsed.Statement?.[0];
    if (statement?.Sid !== SID) return undefined;
    const time = (statement.Condition as { DateLessThan?: Record<string, unknown> } | undefined)
      ?.DateLessThan?.['aws:TokenIssueTime'];
    return typeof time === 'string' && !Number.isNaN(Date.parse(time)) ? time : undefined;
  } catch {
    return undefined;
  }
}
