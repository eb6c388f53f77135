import { ApplicationFailure } from '@temporalio/common';
import type { KeywardenActivities } from '../../activities';
import type { UserKeysNow } from '../../activities/key-activities';
import { accountListAnswer } from '../../activities/organization-activities';
import type { UserFacts } from '../../domain/inventory';

const DAY = 86_400_000;
export const ACCOUNTS = ['111111111111', '222222222222'];

export function user(accountId: string, userName: string, keys: UserFacts['keys']): UserFacts {
  return {
    accountId,
    userName,
    userId: `AIDA${userName.toUpperCase()}`,
    arn: `arn:aws:iam::${accountId}:user/${userName}`,
    path: '/',
    createDate: new Date(Date.now() - 900 * DAY).toISOString(),
    tags: {},
    groups: [],
    keys,
  };
}

export const oldKey = (id: string) => ({
  accessKeyId: id,
  status: 'Active' as const,
  createDate: new Date(Date.now() - 400 * DAY).toISOString(),
});

type KeyState = UserKeysNow['keys'][number];

export interface ScriptedOptions {
  verifyFailsFor?: string;
  /** Deactivating this user's old key fails as an SCP denial would (non-retryable AccessDenied). */
  deactivationDeniedFor?: string;
  /** Milliseconds each roll-out activity (create, verify, promote) takes, to make slot limits observable. */
  latencyMs?: number;
}

/**
 * Scripted AWS: the inventory per account, an in-memory model of each user's keys that the
 * activities read and change (so the saga's re-checks see what a test does to a key), and a
 * record of every call the sagas make.
 */
export function scriptedAws(inventory: Record<string, UserFacts[]>, opts: ScriptedOptions = {}) {
  const calls: string[] = [];
  const keys = new Map<string, KeyState[]>();
  const contained = new Set<string>();
  for (const [accountId, users] of Object.entries(inventory)) {
    for (const u of users)
      keys.set(
        `${accountId}/${u.userName}`,
        u.keys.map((k) => ({ ...k })),
      );
  }
  let counter = 0;
  let inFlight = 0;
  let peakInFlight = 0;
  const busy = async <T>(fn: () => T): Promise<T> => {
    inFlight++;
    peakInFlight = Math.max(peakInFlight, inFlight);
    try {
      if (opts.latencyMs) await new Promise((resolve) => setTimeout(resolve, opts.latencyMs));
      return fn();
    } finally {
      inFlight--;
    }
  };
  const later = <T>(fn: () => T): Promise<T> => Promise.resolve().then(fn);
  const keysOf = (accountId: string, userName: string): KeyState[] => {
    const found = keys.get(`${accountId}/${userName}`);
    if (!found) throw ApplicationFailure.nonRetryable(`no user ${userName} in ${accountId}`, 'NoSuchEntity');
    return found;
  };

  const activities: Partial<KeywardenActivities> = {
    listAccountsInScope: (scope, options) =>
      Promise.resolve(
        accountListAnswer(
          scope.includeAccounts.map((accountId) => ({ accountId, name: `acct-${accountId}` })),
          options,
        ),
      ),
    inventoryPage: ({ target, afterUserName, maxUsers }) => {
      const all = [...(inventory[target.accountId] ?? [])].sort((a, b) =>
        a.userName < b.userName ? -1 : a.userName > b.userName ? 1 : 0,
      );
      const rest = all.filter((u) => afterUserName === undefined || u.userName > afterUserName);
      const withKeys = rest.filter((u) => u.keys.length > 0).slice(0, maxUsers);
      const last = withKeys.at(-1)?.userName;
      const more = last !== undefined && rest.some((u) => u.userName > last && u.keys.length > 0);
      const covered = more ? rest.filter((u) => u.userName <= last) : rest;
      return Promise.resolve({
        users: withKeys,
        usersWithoutKeys: covered.filter((u) => u.keys.length === 0).length,
        totalUsers: all.length,
        ...(more ? { nextAfterUserName: last } : {}),
      });
    },
    inspectUserKeys: ({ target, userName }) => {
      const found = keys.get(`${target.accountId}/${userName}`);
      const now: UserKeysNow = found
        ? { userExists: true, keys: found.map((k) => ({ ...k })) }
        : { userExists: false, keys: [] };
      if (contained.has(`${target.accountId}/${userName}`))
        now.containmentPolicy = 'keywarden-offboarding-deny-all';
      return Promise.resolve(now);
    },
    createAndStageKey: ({ target, userName }) =>
      busy(() => {
        calls.push(`create ${target.accountId}/${userName}`);
        counter++;
        const accessKeyId = `AKIANEW${counter}`;
        keysOf(target.accountId, userName).push({
          accessKeyId,
          status: 'Active',
          createDate: new Date().toISOString(),
        });
        return {
          accessKeyId,
          secretArn: `arn:aws:secretsmanager:us-east-1:${target.accountId}:secret:keywarden/${userName}`,
          versionId: `v${counter}`,
          secretCreated: false,
        };
      }),
    verifyStagedKey: ({ target, userName }) =>
      busy(() => {
        calls.push(`verify ${target.accountId}/${userName}`);
        if (opts.verifyFailsFor === userName) {
          throw ApplicationFailure.nonRetryable('the new key does not sign in as its user', 'WrongIdentity');
        }
        return { arn: `arn:aws:iam::${target.accountId}:user/${userName}`, account: target.accountId };
      }),
    promoteStagedKey: ({ target, userName, versionId }) =>
      busy(() => {
        calls.push(`promote ${target.accountId}/${userName} ${versionId}`);
        return { previousVersionId: 'v0' };
      }),
    getKeyLastUsed: () => Promise.resolve({}),
    setAccessKeyStatus: ({ target, userName, accessKeyId, status }) =>
      later(() => {
        calls.push(`${status === 'Active' ? 'activate' : 'deactivate'} ${target.accountId}/${accessKeyId}`);
        if (status === 'Inactive' && opts.deactivationDeniedFor === userName) {
          throw ApplicationFailure.nonRetryable('explicit deny in a service control policy', 'AccessDenied');
        }
        const key = keysOf(target.accountId, userName).find((k) => k.accessKeyId === accessKeyId);
        if (!key) throw ApplicationFailure.nonRetryable(`no key ${accessKeyId}`, 'NoSuchEntity');
        key.status = status;
      }),
    deleteAccessKey: ({ target, userName, accessKeyId }) =>
      later(() => {
        calls.push(`delete ${target.accountId}/${accessKeyId}`);
        const list = keysOf(target.accountId, userName);
        const index = list.findIndex((k) => k.accessKeyId === accessKeyId);
        if (index >= 0) list.splice(index, 1);
        return { deleted: index >= 0 };
      }),
    discardNewKey: ({ target, userName, accessKeyId }) =>
      later(() => {
        calls.push(`discard ${target.accountId}/${accessKeyId}`);
        const list = keysOf(target.accountId, userName);
        const index = list.findIndex((k) => k.accessKeyId === accessKeyId);
        if (index >= 0) list.splice(index, 1);
        return { keyDeleted: index >= 0, secret: 'pending-removed' as const };
      }),
  };

  return {
    calls,
    activities,
    /** The most roll-out activities (create, verify, promote: the slot-bound work) that ran at once. */
    peakInFlight: () => peakInFlight,
    /** What the key model holds now for one user. */
    keysOf: (accountId: string, userName: string) => keysOf(accountId, userName).map((k) => ({ ...k })),
    /** Changes a key behind keywarden's back, as an owner or another tool would. */
    outOfBand: (accountId: string, userName: string, change: (keys: KeyState[]) => void) =>
      change(keysOf(accountId, userName)),
    contain: (accountId: string, userName: string) => contained.add(`${accountId}/${userName}`),
  };
}
