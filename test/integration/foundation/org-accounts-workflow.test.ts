import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { SeededOrg } from '../../../sandbox/seed-org';
import { orgAccounts } from '../../../workflows';
import { freshOrg, startTestWorker, testStack, type RunningWorker } from '../../support/test-stack';

describe('a workflow on the real dev server lists the seeded org through the AWS emulator', () => {
  const stack = testStack();
  let org: SeededOrg;
  let worker: RunningWorker;

  before(async () => {
    org = await freshOrg(stack, { memberAccounts: 6 });
    worker = await startTestWorker(stack, org);
  });
  after(async () => worker?.stop());

  const run = (scope: Parameters<typeof orgAccounts>[0], id: string) =>
    worker.client.workflow.execute(orgAccounts, {
      taskQueue: worker.taskQueue,
      workflowId: `${id}-${Date.now()}`,
      args: [scope],
    });
  const scope = {
    allAccounts: false,
    includeOus: [],
    excludeOus: [],
    includeAccounts: [],
    excludeAccounts: [],
  };

  test('all accounts: every seeded member account and the management account', async () => {
    const accounts = await run({ ...scope, allAccounts: true }, 'all');
    const expected = [...org.accounts.map((a) => a.accountId), org.managementAccountId].sort();
    assert.deepEqual(
      accounts.map((a) => a.accountId),
      expected,
    );
  });

  test('an OU includes its nested OUs; an excluded account is left out', async () => {
    const prodAndPayments = org.accounts.filter((a) => a.ouName === 'Prod' || a.ouName === 'Payments');
    assert.ok(prodAndPayments.length >= 2, 'the seed puts accounts in Prod and in Prod/Payments');
    const excluded = prodAndPayments[0]!.accountId;
    const accounts = await run({ ...scope, includeOus: ['Prod'], excludeAccounts: [excluded] }, 'prod');
    assert.deepEqual(
      accounts.map((a) => a.accountId),
      prodAndPayments
        .map((a) => a.accountId)
        .filter((id) => id !== excluded)
        .sort(),
    );
  });
});
