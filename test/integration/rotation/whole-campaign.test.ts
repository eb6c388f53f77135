import { DeleteRoleCommand } from '@aws-sdk/client-iam';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { stsClientForCredentials } from '../../../activities/aws/clients';
import type { CampaignStatus } from '../../../domain/rotation-report';
import { ORG_ACCESS_ROLE, type SeededOrg } from '../../../sandbox/seed-org';
import { keyWorkflowId } from '../../../workflows/key-rotation';
import { collectReport } from '../../../client/campaign-client';
import { withTemporalSession } from '../../../client/temporal-connection';
import { renderCsv } from '../../../client/report/csv';
import { renderJson } from '../../../client/report/json';
import { renderMarkdown } from '../../../client/report/markdown';
import {
  accountStatusQuery,
  approveSignal,
  campaignStatusQuery,
  keyStatusQuery,
} from '../../../workflows/messages';
import {
  currentSecret,
  memberRef,
  snapshotAccount,
  snapshotAccounts,
  type AccountSnapshot,
} from '../../support/aws-snapshot';
import {
  APPROVERS,
  accountReports,
  campaignHistoriesText,
  startCampaign,
  testSpec,
  uniqueId,
  waitForPhase,
} from '../../support/campaign-helpers';
import {
  freshOrg,
  startTestWorker,
  testStack,
  workerLogLines as logLines,
  type RunningWorker,
} from '../../support/test-stack';

const ROTATED = ['alice.ops', 'build-bot', 'heidi.unused'];
const UNTOUCHED = [
  'carol.dev',
  'dave.legacy',
  'erin.exempt',
  'frank.breakglass',
  'grace.console',
  'ivan.rotated',
];

describe('a whole rotation campaign on the real stack', () => {
  const stack = testStack();
  let org: SeededOrg;
  let worker: RunningWorker;
  let inScope: string[];
  let outOfScope: string;
  let broken: string;
  let before_: Record<string, AccountSnapshot>;
  let status: CampaignStatus;
  let statusWhileAwaiting: CampaignStatus;
  let snapshotWhileAwaiting: Record<string, AccountSnapshot>;
  const campaignId = uniqueId('whole');

  before(async () => {
    org = await freshOrg(stack, { memberAccounts: 7 });
    worker = await startTestWorker(stack, org);
    const members = org.accounts.map((a) => a.accountId);
    outOfScope = members[6]!;
    broken = members[5]!;
    inScope = members.slice(0, 5);
    // An account whose member role is gone: AssumeRole is refused there.
    await worker.aws.member(memberRef(broken)).iam.send(new DeleteRoleCommand({ RoleName: ORG_ACCESS_ROLE }));
    before_ = await snapshotAccounts(worker.aws, [...inScope, outOfScope]);

    const spec = testSpec({
      id: campaignId,
      scope: { allAccounts: true, excludeAccounts: [org.managementAccountId, outOfScope] },
    });
    const handle = await startCampaign(worker.client, worker.taskQueue, spec);
    statusWhileAwaiting = await waitForPhase(handle, ['awaiting-approval']);
    snapshotWhileAwaiting = await snapshotAccounts(worker.aws, inScope);
    await handle.signal(approveSignal, { approver: APPROVERS[0], comment: 'rotation reviewed' });
    status = await handle.result();
  });
  after(async () => worker?.stop());

  test('the campaign completes, with the broken account reported failed and the rest done', () => {
    assert.equal(status.phase, 'completed');
    assert.equal(status.accounts.inScope, 6);
    assert.equal(status.accounts.finished, 6);
    assert.deepEqual(
      status.failedAccounts.map((f) => f.accountId),
      [broken],
    );
    assert.match(status.failedAccounts[0]!.error, /AccessDenied/);
    assert.equal(status.users.rotated, ROTATED.length * inScope.length);
    assert.equal(status.approval.pastRounds[0]?.outcome, 'approved');
    assert.deepEqual(status.approval.pastRounds[0]?.by, [APPROVERS[0]]);
  });

  test('before the approval, old keys were deactivated but none was deleted', () => {
    assert.equal(statusWhileAwaiting.approval.decision, undefined);
    for (const accountId of inScope) {
      for (const userName of ROTATED) {
        const oldKeys = before_[accountId]!.users[userName]!.keys.map((k) => k.accessKeyId);
        const keys = snapshotWhileAwaiting[accountId]!.users[userName]!.keys;
        for (const oldKey of oldKeys) {
          const still = keys.find((k) => k.accessKeyId === oldKey);
          assert.ok(still, `${accountId}/${userName}: old key ${oldKey} still exists before the approval`);
          assert.equal(still.status, 'Inactive');
        }
        assert.equal(keys.length, 2, 'old (inactive) + new key');
      }
    }
  });

  test('every selected user has exactly one active key, new, stored as AWSCURRENT, and working', async () => {
    for (const accountId of inScope) {
      const after_ = await snapshotAccount(worker.aws, accountId);
      for (const userName of ROTATED) {
        const oldKeys = before_[accountId]!.users[userName]!.keys.map((k) => k.accessKeyId);
        const keys = after_.users[userName]!.keys;
        assert.equal(keys.length, 1, `${accountId}/${userName} holds exactly one key`);
        const [key] = keys;
        assert.equal(key!.status, 'Active');
        assert.ok(!oldKeys.includes(key!.accessKeyId), 'the key is new');
        const stored = await currentSecret(worker.aws, accountId, `keywarden/${userName}`);
        assert.equal(stored?.AccessKeyId, key!.accessKeyId, 'the secret AWSCURRENT holds the new key');
        const sts = stsClientForCredentials(
          { region: org.region, endpoint: stack.awsEndpoint },
          { accessKeyId: stored.AccessKeyId, secretAccessKey: stored.SecretAccessKey },
        );
        try {
          const identity = await sts.send(new GetCallerIdentityCommand({}));
          assert.equal(identity.Arn, `arn:aws:iam::${accountId}:user/${userName}`);
        } finally {
          sts.destroy();
        }
      }
    }
  });

  test('exempt, compliant and needs-attention users, and the out-of-scope account, are untouched', async () => {
    for (const accountId of inScope) {
      const after_ = await snapshotAccount(worker.aws, accountId);
      for (const userName of UNTOUCHED) {
        assert.deepEqual(
          after_.users[userName],
          before_[accountId]!.users[userName],
          `${accountId}/${userName}`,
        );
      }
    }
    assert.deepEqual(await snapshotAccount(worker.aws, outOfScope), before_[outOfScope]);
  });

  test('the account reports say what happened to every user, and why', async () => {
    const reports = await accountReports(worker.client, campaignId, 6);
    assert.equal(reports.length, 6);
    const failed = reports.find((r) => r.accountId === broken);
    assert.equal(failed?.status, 'failed');
    for (const report of reports.filter((r) => r.accountId !== broken)) {
      assert.equal(report.status, 'completed');
      const byName = Object.fromEntries(report.users.map((u) => [u.userName, u]));
      for (const userName of ROTATED) {
        assert.equal(byName[userName]?.status, 'rotated');
        assert.equal(byName[userName]?.deletedAccessKeyIds.length, 1);
      }
      assert.equal(byName['dave.legacy']?.status, 'needs-attention');
      assert.match(byName['erin.exempt']?.reason ?? '', /exempt: tag keywarden:exempt=true/);
      assert.match(byName['frank.breakglass']?.reason ?? '', /exempt: .*keywarden-exempt/);
      const alice = byName['alice.ops']!;
      assert.ok(
        alice.keys[0]!.findings.some((f) => f.code === 'KEY_AGE_OVER_MAX' && f.controls.includes('CIS 1.14')),
      );
      assert.ok(alice.timeline.some((t) => /deleted old key/.test(t.event)));
    }
  });

  test('no secret access key appears in any workflow history, query result, report or worker log', async () => {
    const secrets: string[] = [];
    for (const accountId of inScope) {
      for (const userName of ROTATED) {
        const stored = await currentSecret(worker.aws, accountId, `keywarden/${userName}`);
        assert.ok(stored?.SecretAccessKey && stored.SecretAccessKey.length >= 20);
        secrets.push(stored.SecretAccessKey);
      }
    }
    const workflows = 1 + 6 + ROTATED.length * inScope.length;
    const histories = await campaignHistoriesText(worker.client, campaignId, workflows);
    assert.ok(
      histories.includes(campaignId) && histories.includes('alice.ops'),
      'the histories were decoded',
    );
    assert.ok(logLines.length > 0, 'the worker logged something');
    const logs = logLines.join('\n');

    // What people read: the status queries (campaign, accounts, key sagas) and every report format.
    const queries: unknown[] = [
      await worker.client.workflow.getHandle(campaignId).query(campaignStatusQuery),
    ];
    for (const accountId of inScope) {
      queries.push(
        await worker.client.workflow.getHandle(`${campaignId}/${accountId}`).query(accountStatusQuery),
      );
      queries.push(
        await worker.client.workflow.getHandle(keyWorkflowId(accountId, 'alice.ops')).query(keyStatusQuery),
      );
    }
    const queryText = JSON.stringify(queries);
    assert.ok(queryText.includes('alice.ops'), 'the queries answered');
    const report = await withTemporalSession(
      {
        address: stack.temporalAddress,
        namespace: stack.namespace,
        tls: false,
        origin: 'the test stack',
        taskQueue: worker.taskQueue,
      },
      (client) => collectReport(client, campaignId),
    );
    const reports = [renderMarkdown(report), renderCsv(report), renderJson(report)].join('\n');
    assert.ok(reports.includes('alice.ops'), 'the reports were rendered');

    for (const secret of secrets) {
      assert.ok(!histories.includes(secret), 'a secret access key is in a workflow history');
      assert.ok(!logs.includes(secret), 'a secret access key is in the worker log');
      assert.ok(!queryText.includes(secret), 'a secret access key is in a query result');
      assert.ok(!reports.includes(secret), 'a secret access key is in a report');
    }
  });
});
