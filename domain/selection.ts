import type { Finding, SelectionPolicy } from './findings';
import { exemptionReason, isUnusedFor, keyAgeDays, keyFindings, unusedDays } from './findings';
import type { AccessKeyFacts, UserFacts } from './inventory';

export type SelectionAction = 'rotate' | 'skip' | 'needs-attention';

export interface SelectionDecision {
  action: SelectionAction;
  reason: string;
  keyToRotate?: string;
  inactiveKeyToDelete?: string;
  /** Findings per accessKeyId, computed for every key whatever the action. */
  findings: Record<string, Finding[]>;
}

/** Why the active key must be rotated, or undefined if it may stay. */
function rotationCause(key: AccessKeyFacts, policy: SelectionPolicy, now: Date): string | undefined {
  const age = keyAgeDays(key, now);
  if (age > policy.maxKeyAgeDays)
    return `key ${key.accessKeyId} is ${age} days old (max ${policy.maxKeyAgeDays})`;
  if (policy.unusedKeys === 'rotate' && isUnusedFor(key, policy.unusedKeyDays, now)) {
    return `key ${key.accessKeyId} has been unused for ${unusedDays(key, now)} days (policy.unusedKeyDays ${policy.unusedKeyDays}, policy.unusedKeys: rotate)`;
  }
  return undefined;
}

export function selectUser(user: UserFacts, policy: SelectionPolicy, now: Date): SelectionDecision {
  const findings: Record<string, Finding[]> = {};
  for (const key of user.keys) findings[key.accessKeyId] = keyFindings(user, key, policy, now);
  const decide = (
    action: SelectionAction,
    reason: string,
    extra: Partial<SelectionDecision> = {},
  ): SelectionDecision => ({
    action,
    reason,
    ...extra,
    findings,
  });

  const exempt = exemptionReason(user, user.accountId, policy);
  if (exempt !== undefined) return decide('skip', exempt);
  if (user.keys.length === 0) return decide('skip', 'no access keys');
  if (user.keys.length > 2) {
    return decide(
      'needs-attention',
      `user has ${user.keys.length} access keys (IAM allows 2); resolve by hand`,
    );
  }

  const active = user.keys.filter((k) => k.status === 'Active');
  const inactive = user.keys.find((k) => k.status !== 'Active');
  if (active.length === 2) {
    return decide('needs-attention', 'two active keys: rotation would need a third key; resolve by hand');
  }
  const current = active[0];
  if (current === undefined) return decide('skip', 'no active key');

  const cause = rotationCause(current, policy, now);
  if (cause === undefined) return decide('skip', 'compliant');
  if (inactive === undefined) return decide('rotate', cause, { keyToRotate: current.accessKeyId });
  if (policy.inactiveKeys === 'delete-after-approval') {
    return decide(
      'rotate',
      `${cause}; inactive key ${inactive.accessKeyId} will be deleted after approval to free the second slot`,
      {
        keyToRotate: current.accessKeyId,
        inactiveKeyToDelete: inactive.accessKeyId,
      },
    );
  }
  return decide(
    'needs-attention',
    `${cause}, but an inactive key occupies the second slot; set policy.inactiveKeys: delete-after-approval or remove it`,
  );
}
