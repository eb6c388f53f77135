import type { KeyLookup, StoredKeyLocation } from './key-lookup';

/** A keywarden workflow, as the CLI found it in Temporal visibility. */
export interface WorkflowRef {
  workflowId: string;
  /** key-rotation, offboarding, … */
  kind: string;
  /** RUNNING, COMPLETED, … as Temporal names it. */
  status: string;
  startTime: string;
  closeTime?: string;
  link?: string;
}

export interface KeyDiagnosisFacts {
  lookup: KeyLookup;
  /** The keywarden workflows that contained the user (offboarding, revocation), newest first. */
  containedBy: WorkflowRef[];
}

export type KeyCauseCode =
  | 'account-not-active'
  | 'user-unknown'
  | 'deleted-or-unknown'
  | 'inactive'
  | 'contained'
  | 'no-permissions'
  | 'newer-key-stored'
  | 'two-keys'
  | 'no-keys';

/** One reason a key does not work, and what to do about it. */
export interface KeyCause {
  code: KeyCauseCode;
  problem: string;
  fix: string;
}

/** What marks the version applications read: a secret's stage, a parameter's label. */
const CURRENT = { secret: 'AWSCURRENT', parameter: 'current' } as const;

/** The key ID a destination holds as its current version, with where it is and what marks it. */
function currentStored(
  stored: StoredKeyLocation[],
): { where: string; accessKeyId: string; stage: string } | undefined {
  for (const location of stored) {
    const stage = CURRENT[location.kind];
    const current = location.versions.find((v) => v.stages.includes(stage));
    if (current?.accessKeyId !== undefined) {
      return { where: `${location.kind} ${location.name}`, accessKeyId: current.accessKeyId, stage };
    }
  }
  return undefined;
}

function workflowNames(refs: WorkflowRef[]): string {
  return refs.map((r) => `${r.kind} ${r.workflowId} (${r.status.toLowerCase()})`).join(', ');
}

/**
 * Why a key (or a user's key) does not work: every cause the facts show, one per entry, each
 * with its fix. An empty list means AWS shows nothing wrong with the key itself.
 */
export function diagnoseKey(facts: KeyDiagnosisFacts): KeyCause[] {
  const { lookup } = facts;
  const causes: KeyCause[] = [];
  const account = lookup.account.accountId;
  const user = lookup.userName;
  const asked = lookup.accessKeyId;
  const stored = currentStored(lookup.stored);

  if (lookup.account.state !== undefined && lookup.account.state !== 'ACTIVE') {
    causes.push({
      code: 'account-not-active',
      problem: `account ${account} is ${lookup.account.state}: no key of it works`,
      fix: 'reopen or reinstate the account in AWS Organizations, or move the application to an active account',
    });
  }

  if (asked !== undefined && lookup.key === undefined) {
    causes.push({
      code: 'deleted-or-unknown',
      problem: `key ${asked} does not exist in account ${account}: it was deleted, or never existed there`,
      fix:
        stored === undefined
          ? "give the application a working key: create one for the key's user (aws iam create-access-key) and store it where the application reads it"
          : `point the application at ${stored.where}, which holds key ${stored.accessKeyId} as ${stored.stage}`,
    });
  }

  if (user !== undefined && !lookup.userExists) {
    causes.push({
      code: 'user-unknown',
      problem: `user ${user} does not exist in account ${account}`,
      fix: 'check the user name and account; an offboarding purge deletes leavers, so look for its report',
    });
    return causes;
  }
  if (user === undefined) return causes;

  // Asked about a key: that key. Asked about a user: its keys, which fail together only when none is active.
  const inQuestion = lookup.key !== undefined ? [lookup.key] : asked === undefined ? lookup.userKeys : [];
  if (inQuestion.length > 0 && inQuestion.every((k) => k.status === 'Inactive')) {
    const ids = inQuestion.map((k) => k.accessKeyId);
    const replaced = stored !== undefined && !ids.includes(stored.accessKeyId);
    causes.push({
      code: 'inactive',
      problem: `${ids.length === 1 ? 'key' : 'keys'} ${ids.join(', ')} of ${user} ${ids.length === 1 ? 'is' : 'are'} Inactive`,
      fix: replaced
        ? `a rotation replaced it: point the application at ${stored.where} (${stored.stage}, key ${stored.accessKeyId})`
        : `if it was deactivated by mistake: aws iam update-access-key --user-name ${user} ` +
          `--access-key-id ${ids[0]} --status Active (in account ${account})`,
    });
  }

  if (lookup.containmentPolicies.length > 0) {
    const by = facts.containedBy;
    causes.push({
      code: 'contained',
      problem:
        `${user} is contained: keywarden deny-all policy ${lookup.containmentPolicies.join(', ')} is attached` +
        (by.length > 0 ? ` by ${workflowNames(by)}` : ' (no keywarden workflow found that attached it)'),
      fix:
        by.length > 0
          ? `the user is being offboarded or revoked: only \`keywarden reject\` or \`keywarden cancel ${by[0]?.workflowId}\` ` +
            'restores it; do not delete the policy by hand'
          : `find out who contained the user; if it was a mistake, delete the inline policy (aws iam delete-user-policy ` +
            `--user-name ${user} --policy-name ${lookup.containmentPolicies[0]})`,
    });
  }

  if (lookup.permissionSources.length === 0) {
    causes.push({
      code: 'no-permissions',
      problem: `${user} has no permissions: no inline or managed policy, and no group with a policy`,
      fix: `attach the policy the application needs to ${user} or to one of its groups`,
    });
  }

  if (asked !== undefined && stored !== undefined && stored.accessKeyId !== asked) {
    causes.push({
      code: 'newer-key-stored',
      problem: `${stored.where} holds a newer key, ${stored.accessKeyId}, as ${stored.stage}; the application uses ${asked}`,
      fix: `make the application read ${stored.where} again (restart it, or clear its cached credentials)`,
    });
  }

  if (lookup.userKeys.length >= 2) {
    const keys = lookup.userKeys.map((k) => `${k.accessKeyId} ${k.status}`).join(', ');
    causes.push({
      code: 'two-keys',
      problem: `${user} holds two keys (${keys}): the application may be configured with the other one`,
      fix:
        stored === undefined
          ? 'find which key the application uses; delete the one nothing uses (aws iam delete-access-key)'
          : `use the key in ${stored.where} (${stored.accessKeyId}); once nothing uses the other, delete it`,
    });
  } else if (lookup.userKeys.length === 0) {
    causes.push({
      code: 'no-keys',
      problem: `${user} has no access key`,
      fix: `create one (aws iam create-access-key --user-name ${user}) and store it where the application reads it`,
    });
  }
  return causes;
}

/** Whole days from `createDate` to `now`. */
export function keyAgeDays(createDate: string, now: Date): number {
  return Math.floor((now.getTime() - Date.parse(createDate)) / 86_400_000);
}
