import { ApplicationFailure } from '@temporalio/common';
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { SeededOrg } from '../../../sandbox/seed-org';
import { approveSignal } from '../../../workflows/messages';
import { currentSecret, snapshotAccount } from '../../support/aws-snapshot';
import {
  APPROVERS,
  accountReports,
  startCampaign,
  testSpec,
  uniqueId,
  waitForPhase,
} from '../../support/campaign-helpers';
import { freshOrg, startTestWorker, testStack, type RunningWorker } from '../../support/test-stack';

describe('a crash between CreateAccessKey and storing the secret', () => {
  const stack = testStack();
  let org: SeededOrg;
  let worker: RunningWorker;
  const crashes: Array<{ userName: string; attempt: number }> = [];

  before(async () => {
    org = await freshOrg(stack, { memberAccounts: 1 });
    worker = await startTestWorker(stack, org, {
      faults: {
        'after-create-access-key': ({ userName, attempt }) => {
          if (userName === 'alice.ops' && attempt === 1) {
            crashes.push({ userName, attempt });
            throw ApplicationFailure.retryable('injected crash after CreateAccessKey', 'InjectedCrash');
          }
        },
      },
    });
  });
  after(async () => worker?.stop());

  test('ends with exactly one new key, stored, and no orphan', async () => {
    const accountId = org.accounts[0]!.accountId;
    const [oldKey] = (await snapshotAccount(worker.aws, accountId)).users['alice.ops']!.keys;
    const spec = testSpec({ id: uniqueId('crash'), scope: { includeAccounts: [accountId] } });
    const handle = await startCampaign(worker.client, worker.taskQueue, spec);
    await waitForPhase(handle, ['awaiting-approval']);
    assert.deepEqual(crashes, [{ userName: 'alice.ops', attempt: 1 }], 'the fault fired once');

    // While waiting: the orphan of attempt 1 is gone; old (inactive) + one new key.
    const keysWhileWaiting = (await snapshotAccount(worker.aws, accountId)).users['alice.ops']!.keys;
    assert.equal(keysWhileWaiting.length, 2);

    await handle.signal(approveSignal, { approver: APPROVERS[0] });
    await handle.result();
    const keys = (await snapshotAccount(worker.aws, accountId)).users['alice.ops']!.keys;
    assert.equal(keys.length, 1, 'exactly one key: no orphan, no third key');
    assert.notEqual(keys[0]!.accessKeyId, oldKey!.accessKeyId);
    const stored = await currentSecret(worker.aws, accountId, 'keywarden/alice.ops');
    assert.equal(stored?.AccessKeyId, keys[0]!.accessKeyId, 'the surviving key is the stored one');
    const [report] = await accountReports(worker.client, spec.id, 1);
    assert.equal(report?.users.find((u) => u.userName === 'alice.ops')?.status, 'rotated');
  });
});
