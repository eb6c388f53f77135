import { ApplicationFailure } from '@temporalio/common';
import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';
import { after, describe, test } from 'node:test';
import type { KeywardenActivities } from '../../../activities';
import type { AccountRotationReport } from '../../../domain/rotation-report';
import type { UserFacts } from '../../../domain/inventory';
import { accountStatusQuery, approveSignal, rejectSignal } from '../../../workflows/messages';
import { APPROVERS, startCampaign, testSpec, uniqueId, waitForPhase } from '../../support/campaign-helpers';
import { startScriptedWorker, testStack, type RunningWorker } from '../../support/test-stack';

const DAY = 86_400_000;
const ACCOUNTS = ['111111111111', '222222222222'];

function user(accountId: string, userName: string, keys: UserFacts['keys']): UserFacts {
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

const oldKey = (id: string) => ({
  accessKeyId: id,
  status: 'Active' as const,
  createDate: new Date(Date.now() - 400 * DAY).toISOString(),
});

/** Scripted AWS: an inventory per account, and a record of every call the sagas make. */
function scriptedAws(inventory: Record<string, UserFacts[]>, opts: { verifyFailsFor?: string } = {}) {
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

describe('saga paths on the real dev server, with scripted AWS activities', () => {
  const stack = testStack();
  const workers: RunningWorker[] = [];
  after(async () => {
    await Promise.all(workers.map((w) => w.stop()));
  });

  async function worker(aws: ReturnType<typeof scriptedAws>) {
    const started = await startScriptedWorker(stack, aws.activities);
    workers.push(started);
    return started;
  }

  test('a failure before deactivation discards the new key and restores the secret; the old key is never touched', async () => {
    const [account] = ACCOUNTS;
    const aws = scriptedAws(
      { [account!]: [user(account!, 'bob', [oldKey('AKIAOLDBOB')])] },
      { verifyFailsFor: 'bob' },
    );
    const w = await worker(aws);
    const spec = testSpec({ id: uniqueId('compensate'), scope: { includeAccounts: [account!] } });
    const status = await (await startCampaign(w.client, w.taskQueue, spec)).result();
    assert.equal(status.users.compensated, 1);
    assert.deepEqual(aws.calls, [
      `create ${account}/bob`,
      `verify ${account}/bob`,
      `discard ${account}/AKIANEW1 v1->v0`,
    ]);
    const report = (await w.client.workflow
      .getHandle(`${spec.id}/${account}`)
      .result()) as AccountRotationReport;
    assert.match(report.users[0]!.error ?? '', /does not sign in as its user/);
  });

  test('onTimeout: escalate keeps waiting, records each escalation, and a later approval still counts', async () => {
    const [account] = ACCOUNTS;
    const aws = scriptedAws({ [account!]: [user(account!, 'carl', [oldKey('AKIAOLDCARL')])] });
    const w = await worker(aws);
    const spec = testSpec({
      id: uniqueId('escalate'),
      scope: { includeAccounts: [account!] },
      approval: { approvers: APPROVERS, timeout: '1s', onTimeout: 'escalate' },
    });
    const handle = await startCampaign(w.client, w.taskQueue, spec);
    await waitForPhase(handle, ['awaiting-approval']);
    let waiting = await waitForPhase(handle, ['awaiting-approval']);
    for (let i = 0; i < 50 && waiting.approval.escalations.length < 2; i++) {
      await delay(200);
      waiting = await waitForPhase(handle, ['awaiting-approval']);
    }
    assert.ok(waiting.approval.escalations.length >= 2, 'escalated at least twice');
    assert.equal(waiting.approval.decision, undefined, 'escalation decides nothing');
    assert.ok(!aws.calls.some((c) => c.startsWith('delete')), 'nothing deleted while escalated');
    await handle.signal(approveSignal, { approver: APPROVERS[1] });
    const status = await handle.result();
    assert.equal(status.approval.decision?.outcome, 'approved');
    assert.ok(aws.calls.includes(`delete ${account}/AKIAOLDCARL`));
  });

  test('account-scope approval: each account decides for itself', async () => {
    const [a, b] = ACCOUNTS;
    const aws = scriptedAws({
      [a!]: [user(a!, 'dora', [oldKey('AKIAOLDDORA')])],
      [b!]: [user(b!, 'emil', [oldKey('AKIAOLDEMIL')])],
    });
    const w = await worker(aws);
    const spec = testSpec({
      id: uniqueId('per-account'),
      scope: { includeAccounts: [a!, b!] },
      approval: { approvers: APPROVERS, timeout: '10m', scope: 'account' },
    });
    const handle = await startCampaign(w.client, w.taskQueue, spec);
    await waitForPhase(handle, ['awaiting-approval']);
    // The campaign has no gate of its own in this scope: a signal to it decides nothing.
    const accountA = w.client.workflow.getHandle(`${spec.id}/${a}`);
    const accountB = w.client.workflow.getHandle(`${spec.id}/${b}`);
    await accountA.signal(approveSignal, { approver: APPROVERS[0] });
    const reportA = (await accountA.result()) as AccountRotationReport;
    assert.equal(reportA.users[0]!.status, 'rotated');
    assert.equal(reportA.approval?.decision?.outcome, 'approved');
    const stillWaiting = await accountB.query(accountStatusQuery);
    assert.equal(stillWaiting.approval?.decision, undefined, 'account B still waits');
    assert.ok(!aws.calls.includes(`delete ${b}/AKIAOLDEMIL`));
    await accountB.signal(rejectSignal, { approver: APPROVERS[1], comment: 'not in this account' });
    const status = await handle.result();
    assert.equal(status.users.rotated, 1);
    assert.equal(status.users['rolled-back'], 1);
    assert.ok(aws.calls.includes(`activate ${b}/AKIAOLDEMIL`), 'B reactivated its old key');
  });

  test('an inactive key in the second slot is deleted only after approval, before the new key is made', async () => {
    const [account] = ACCOUNTS;
    const inactive = { ...oldKey('AKIAINACTIVEFAY'), status: 'Inactive' as const };
    const aws = scriptedAws({ [account!]: [user(account!, 'fay', [oldKey('AKIAOLDFAY'), inactive])] });
    const w = await worker(aws);
    const spec = testSpec({
      id: uniqueId('inactive-slot'),
      scope: { includeAccounts: [account!] },
      policy: { inactiveKeys: 'delete-after-approval' },
    });
    const handle = await startCampaign(w.client, w.taskQueue, spec);
    await waitForPhase(handle, ['awaiting-approval']);
    assert.deepEqual(aws.calls, [], 'nothing happens before the approval');
    await handle.signal(approveSignal, { approver: APPROVERS[0] });
    const status = await handle.result();
    assert.equal(status.users.rotated, 1);
    assert.deepEqual(aws.calls, [
      `delete ${account}/AKIAINACTIVEFAY`,
      `create ${account}/fay`,
      `verify ${account}/fay`,
      `deactivate ${account}/AKIAOLDFAY`,
      `delete ${account}/AKIAOLDFAY`,
    ]);
  });
});
