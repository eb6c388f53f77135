const VERSION = '2012-10-17';
const DENY_ALL = { Sid: 'KeywardenDenyAll', Effect: 'Deny', Action: '*', Resource: '*' };
const SESSIONS_SID = 'KeywardenDenySessionsIssuedBeforeContainment';

/**
 * The deny-all document alone, as containment wrote it before the policy also denied older
 * sessions. Still recognised as a containment policy: users contained by an earlier version.
 */
export const CONTAINMENT_POLICY_DOCUMENT = JSON.stringify({
  Version: VERSION,
  Statement: [{ Effect: 'Deny', Action: '*', Resource: '*' }],
});

/**
 * The inline policy that contains a leaver: it denies every action on every resource, and says
 * in a statement of its own that every session issued before `containedAt` is denied, in the
 * form AWS documents for revoking active sessions (`aws:TokenIssueTime`). The first statement
 * already covers the user's own temporary credentials; the second keeps holding if someone
 * narrows the first, and records the containment time in the policy itself.
 */
export function containmentPolicyDocument(containedAt: string): string {
  return JSON.stringify({
    Version: VERSION,
    Statement: [DENY_ALL, denySessionsIssuedBefore(containedAt, SESSIONS_SID)],
  });
}

/**
 * Denies every action to temporary credentials issued before `time` (`aws:TokenIssueTime`, the
 * form AWS documents for revoking active sessions). Long-term keys carry no token issue time, so
 * they are not affected.
 */
export function denySessionsIssuedBefore(time: string, sid: string) {
  return {
    Sid: sid,
    Effect: 'Deny',
    Action: '*',
    Resource: '*',
    Condition: { DateLessThan: { 'aws:TokenIssueTime': time } },
  };
}

/** True when a policy document (as IAM returns it, decoded) is keywarden's containment policy, of any version. */
export function isContainmentPolicy(document: string | undefined): boolean {
  return isLegacyContainmentPolicy(document) || sessionsIssuedBefore(document) !== undefined;
}

/**
 * The containment time in a current containment policy, or undefined when the document is not
 * one (a legacy containment policy, which does not deny older sessions explicitly, gives undefined).
 */
export function sessionsIssuedBefore(document: string | undefined): string | undefined {
  const parsed = parse(document) as { Statement?: Array<{ Condition?: unknown }> } | undefined;
  const time = (parsed?.Statement?.[1]?.Condition as { DateLessThan?: Record<string, unknown> } | undefined)
    ?.DateLessThan?.['aws:TokenIssueTime'];
  if (typeof time !== 'string' || Number.isNaN(Date.parse(time))) return undefined;
  return canonical(parsed) === canonical(parse(containmentPolicyDocument(time))) ? time : undefined;
}

function isLegacyContainmentPolicy(document: string | undefined): boolean {
  const parsed = parse(document);
  return parsed !== undefined && canonical(parsed) === canonical(parse(CONTAINMENT_POLICY_DOCUMENT));
}

function parse(document: string | undefined): unknown {
  if (document === undefined) return undefined;
  try {
    return JSON.parse(document) as unknown;
  } catch {
    return undefined;
  }
}

/** JSON with object keys sorted, so formatting and key order do not matter when comparing. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
