import { ApplicationFailure } from '@temporalio/common';
import type { KeywardenActivities } from '../../activities';
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

/** Scripted AWS: an inventory per account, and a record of every call the sagas make. */
export function scriptedAws(inventory: Record<string, UserFacts[]>, opts: { verifyFailsFor?: string } = {}) {
  const calls: string[] = [];
  let counter = 0;
  const activities: Partial<KeywardenActivities> = {
    listAccountsInScope: (scope) =>
      Promise.resolve(scope.includeAccounts.map((accountId) => ({ accountId, name: `acct-${accountId}` }))),
    inventoryAccount: ({ target }) => Promise.resolve(inventory[target.accountId] ?? []),
    createAndStoreKey: ({ target, userName }) => {
      calls.push(`create ${target.accountId}/${userName}`);
      counter++;
      return Promise.resolve({
        accessKeyId: `AKIANEW${counter}`,
        secretArn: `arn:aws:secretsmanager:us-east-1:${target.accountId}:secret:keywarden/${userName}`,
        versionId: `v${counter}`,
        previousVersionId: 'v0',
        secretCreated: false,
      });
    },
    verifyAccessKey: ({ target, userName }) => {
      calls.push(`verify ${target.accountId}/${userName}`);
      if (opts.verifyFailsFor === userName) {
        throw ApplicationFailure.nonRetryable('the new key does not sign in as its user', 'WrongIdentity');
      }
      return Promise.resolve({
        arn: `arn:aws:iam::${target.accountId}:user/${userName}`,
        account: target.accountId,
      });
    },
    getKeyLastUsed: () => Promise.resolve({}),
    setAccessKeyStatus: ({ target, accessKeyId, status }) => {
      calls.push(`${status === 'Active' ? 'activate' : 'deactivate'} ${target.accountId}/${accessKeyId}`);
      return Promise.resolve();
    },
    deleteAccessKey: ({ target, accessKeyId }) => {
      calls.push(`delete ${target.accountId}/${accessKeyId}`);
      return Promise.resolve({ deleted: true });
    },
    discardNewKey: ({ target, accessKeyId, versionId, previousVersionId }) => {
      calls.push(`discard ${target.accountId}/${accessKeyId} ${versionId}->${previousVersionId}`);
      return Promise.resolve({ keyDeleted: true, secret: 'restored-previous' as const });
    },
  };
  return { calls, activities };
}
