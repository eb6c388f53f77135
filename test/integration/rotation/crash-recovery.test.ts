import { ApplicationFailure } from '@temporalio/common';
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { SeededOrg } from '../../../sandbox/seed-org';
import { approveSignal } from '../../../workflows/messages';
import { SdkIamGateway } from '../../../activities/aws/iam-gateway';
import { CREATING_TAG } from '../../../activities/creation-mark';
import { currentSecret, memberIam, snapshotAccount } from '../../support/aws-snapshot';
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

describe('CreateAccessKey acted but its answer was lost (the new key ID never recorded)', () => {
  const stack = testStack();
  let org: SeededOrg;
  let worker: RunningWorker;
  const lost: string[] = [];

  before(async () => {
    org = await freshOrg(stack, { memberAccounts: 1 });
    worker = await startTestWorker(stack, org, {
      faults: {
        'create-response-lost': ({ userName, attempt }) => {
          if (userName === 'alice.ops' && attempt === 1) {
            lost.push(userName);
            throw ApplicationFailure.retryable(
              'injected: the CreateAccessKey answer was lost',
              'InjectedCrash',
            );
          }
        },
      },
    });
  });
  after(async () => worker?.stop());

  test('the retry finds the unrecorded key by the saga creation mark and removes it: no orphan', async () => {
    const accountId = org.accounts[0]!.accountId;
    const [oldKey] = (await snapshotAccount(worker.aws, accountId)).users['alice.ops']!.keys;
    const spec = testSpec({ id: uniqueId('lost-create'), scope: { includeAccounts: [accountId] } });
    const handle = await startCampaign(worker.client, worker.taskQueue, spec);
    await waitForPhase(handle, ['awaiting-approval']);
    assert.deepEqual(lost, ['alice.ops'], 'the fault fired once');

    const whileWaiting = (await snapshotAccount(worker.aws, accountId)).users['alice.ops']!;
    assert.equal(whileWaiting.keys.length, 2, JSON.stringify(whileWaiting.keys));
    const stored = await currentSecret(worker.aws, accountId, 'keywarden/alice.ops');
    const newKey = whileWaiting.keys.find((k) => k.accessKeyId !== oldKey!.accessKeyId);
    assert.equal(
      stored?.AccessKeyId,
      newKey?.accessKeyId,
      'the key the user holds besides the old one is stored',
    );
    const tags = await new SdkIamGateway(memberIam(worker.aws, accountId)).listUserTags('alice.ops');
    assert.equal(tags[CREATING_TAG], undefined, 'the creation mark is removed once the key is stored');

    await handle.signal(approveSignal, { approver: APPROVERS[0] });
    await handle.result();
    const keys = (await snapshotAccount(worker.aws, accountId)).users['alice.ops']!.keys;
    assert.deepEqual(
      keys.map((k) => k.accessKeyId),
      [newKey?.accessKeyId],
      'exactly the stored key is left',
    );
    const [report] = await accountReports(worker.client, spec.id, 1);
    assert.equal(report?.users.find((u) => u.userName === 'alice.ops')?.status, 'rotated');
  });
});
