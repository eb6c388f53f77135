import type { FastifyInstance } from 'fastify';
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { AwsClients } from '../../../activities/aws/clients';
import { containmentPolicyDocument } from '../../../activities/offboarding-policy';
import { buildWebhookServer } from '../../../client/webhook/server';
import type { WebhookStatusResponse } from '../../../client/webhook/status-response';
import type { OffboardingStatus } from '../../../domain/offboarding-report';
import type { SeededOrg } from '../../../sandbox/seed-org';
import {
  awsClientsFor,
  freshOrg,
  startTestWorker,
  testStack,
  workerLogLines,
  type RunningWorker,
} from '../../support/test-stack';
import {
  APPROVER,
  CommandRecorder,
  createKeySecret,
  DENY_POLICY,
  getStatus,
  INITIATOR,
  leaverAccounts,
  newWebhookSecret,
  postOffboarding,
  testPolicy,
  waitForStatus,
  webhookBody,
} from './offboarding-fixtures';
import { memberIam, snapshotIam, type IamSnapshot } from '../../support/aws-snapshot';

// Every log line of the webhook, to search for secrets (the worker's are in workerLogLines).
const webhookLogLines: string[] = [];

describe('one signed HR webhook call contains a leaver in 3 accounts; cancel restores them', () => {
  const stack = testStack();
  const employeeId = `emp-contain-${Date.now()}`;
  const secret = newWebhookSecret();
  const recorder = new CommandRecorder();
  const sentSignatures: string[] = [];
  let org: SeededOrg;
  let verifyAws: AwsClients;
  let workerAws: AwsClients;
  let worker: RunningWorker;
  let app: FastifyInstance;
  let memberAccounts: string[];
  let leavers: string[];
  let before_: IamSnapshot;
  let extraKeySecret: string;
  let workflowId: string;
  let runId: string;
  let contained: OffboardingStatus;

  before(async () => {
    org = await freshOrg(stack, { memberAccounts: 4 });
    verifyAws = awsClientsFor(stack, org);
    workerAws = new AwsClients(verifyAws.env, undefined, { onCommand: recorder.onCommand });
    memberAccounts = org.accounts.map((a) => a.accountId).sort();
    leavers = leaverAccounts(org);
    assert.equal(leavers.length, 3, 'the seed puts the leaver in 3 accounts');
    assert.ok(
      memberAccounts.some((a) => !leavers.includes(a)),
      'and one account without the leaver',
    );
    // mallory-admin gets a second key whose secret we know: it must never show up anywhere.
    const adminAccount = org.users.find((u) => u.userName === 'mallory-admin')!.accountId;
    extraKeySecret = await createKeySecret(memberIam(verifyAws, adminAccount), 'mallory-admin');
    before_ = await snapshotIam(verifyAws, memberAccounts);
    worker = await startTestWorker(stack, org, { aws: workerAws });
    app = buildWebhookServer({
      client: worker.client,
      taskQueue: worker.taskQueue,
      policy: testPolicy(),
      secret,
      logger: { level: 'debug', stream: { write: (line: string) => void webhookLogLines.push(line) } },
    });
  });
  after(async () => {
    await app?.close();
    await worker?.stop();
    workerAws?.destroy();
    verifyAws?.destroy();
  });

  test('202 with the workflow ID; every matched user is contained; nothing else changes', async (t) => {
    const { response, headers } = await postOffboarding(app, secret, webhookBody(employeeId));
    sentSignatures.push(headers['x-keywarden-signature']);
    assert.equal(response.statusCode, 202, response.body);
    const body = response.json<{
      workflowId: string;
      runId: string;
      statusUrl: string;
      duplicate: boolean;
    }>();
    assert.equal(body.workflowId, `offboard-${employeeId}`);
    assert.equal(body.statusUrl, `/v1/offboarding/${employeeId}`);
    assert.equal(body.duplicate, false);
    ({ workflowId, runId } = body);

    contained = await waitForStatus(worker.client, workflowId, (s) => s.phase === 'awaiting-approval');
    assert.deepEqual(
      contained.users.map((u) => `${u.accountId}/${u.userName}`).sort(),
      org.users
        .filter((u) => u.archetype.startsWith('leaver'))
        .map((u) => `${u.accountId}/${u.userName}`)
        .sort(),
    );
    for (const user of contained.users) {
      assert.equal(user.error, undefined, user.error);
      assert.equal(user.matchedBy, 'tag:email');
      assert.equal(user.prior?.source, 'observed');
      assert.ok(user.containedAt);
    }
    assert.equal(contained.containmentComplete, true);
    // Every member account was searched. The management account has no member role to assume:
    // it is reported as failed, and that stopped nobody else.
    for (const account of memberAccounts) assert.ok(contained.accountsSearched.includes(account), account);
    assert.deepEqual(
      contained.accountsFailed.map((f) => f.accountId),
      [org.managementAccountId],
    );

    const ttc = contained.timeToContainmentMs;
    assert.equal(typeof ttc, 'number');
    assert.ok(ttc! >= 0 && ttc! < 30_000, `time to containment ${ttc} ms`);
    assert.equal(
      Date.parse(contained.containedAt!) - Date.parse(contained.requestedAt),
      ttc,
      'timeToContainmentMs = containedAt - requestedAt',
    );
    t.diagnostic(
      `time to containment: ${ttc} ms for ${contained.users.length} users in ${leavers.length} accounts`,
    );

    const after_ = await snapshotIam(verifyAws, memberAccounts);
    const leaverUsers = new Set(contained.users.map((u) => `${u.accountId}/${u.userName}`));
    for (const account of memberAccounts) {
      assert.deepEqual(Object.keys(after_[account]!), Object.keys(before_[account]!), `users of ${account}`);
      for (const [userName, was] of Object.entries(before_[account]!)) {
        const now = after_[account]![userName]!;
        if (!leaverUsers.has(`${account}/${userName}`)) {
          assert.deepEqual(now, was, `${userName} in ${account} is untouched`);
          continue;
        }
        assert.ok(now.keys.length > 0);
        assert.ok(
          now.keys.every((k) => k.status === 'Inactive'),
          `${userName}: every key inactive`,
        );
        // The deny policy as the emulator holds it: deny-all, and deny every session issued
        // before this user's containment time (the emulator stores the condition, never evaluates it).
        const contained_ = contained.users.find((u) => u.accountId === account && u.userName === userName)!;
        assert.ok(contained_.sessionsIssuedBefore);
        assert.ok(Date.parse(contained_.sessionsIssuedBefore) <= Date.parse(contained_.containedAt!));
        assert.ok(Date.parse(contained_.sessionsIssuedBefore) >= Date.parse(contained.requestedAt));
        assert.deepEqual(
          JSON.parse(now.inlinePolicies[DENY_POLICY]!),
          JSON.parse(containmentPolicyDocument(contained_.sessionsIssuedBefore)),
        );
        assert.deepEqual(
          (JSON.parse(now.inlinePolicies[DENY_POLICY]!) as { Statement: Array<{ Condition?: unknown }> })
            .Statement[1]?.Condition,
          {
            DateLessThan: { 'aws:TokenIssueTime': contained_.sessionsIssuedBefore },
          },
        );
        // Nothing else about the leaver changed: same keys, groups, policies, tags.
        const { [DENY_POLICY]: _deny, ...otherInline } = now.inlinePolicies;
        assert.deepEqual(
          { ...now, keys: now.keys.map((k) => ({ ...k, status: 'any' })), inlinePolicies: otherInline },
          { ...was, keys: was.keys.map((k) => ({ ...k, status: 'any' })) },
        );
      }
    }
    // Containment called only IAM of the three leaver accounts (and Organizations/STS to get there).
    const mutating = recorder.calls.filter((c) =>
      /^(Update|Put|Delete|Attach|Detach|Remove|Create)/.test(c.commandName),
    );
    assert.ok(mutating.every((c) => leavers.includes(c.account)));
    assert.ok(mutating.every((c) => c.userName === 'mallory' || c.userName === 'mallory-admin'));
  });

  test('the status endpoint answers phase, counts and timings (signed GET), 404 for an unknown employee', async () => {
    const response = await getStatus(app, secret, employeeId);
    assert.equal(response.statusCode, 200, response.body);
    const status = response.json<WebhookStatusResponse>();
    assert.equal(status.phase, 'awaiting-approval');
    assert.equal(status.workflowId, workflowId);
    assert.equal(status.timeToContainmentMs, contained.timeToContainmentMs);
    assert.equal(status.users.matched, contained.users.length);
    assert.equal(status.users.contained, contained.users.length);
    assert.equal(status.accounts.searched, contained.accountsSearched.length);
    assert.deepEqual(status.approval, {
      requiredApprovals: 1,
      approvals: 0,
      deadline: contained.approval.deadline,
    });
    // The workflow's status names users and key IDs; the webhook's answer does not.
    for (const user of contained.users) {
      assert.ok(!response.body.includes(user.userName), 'no user names');
      for (const key of user.prior!.accessKeys) assert.ok(!response.body.includes(key.id), 'no key IDs');
    }

    const unknown = await getStatus(app, secret, `nobody-${Date.now()}`);
    assert.equal(unknown.statusCode, 404);
    assert.deepEqual(unknown.json(), { error: 'no offboarding for this employeeId' });

    const unsigned = await app.inject({ method: 'GET', url: `/v1/offboarding/${employeeId}` });
    assert.equal(unsigned.statusCode, 401);
    assert.deepEqual(unsigned.json(), { error: 'missing X-Keywarden-Signature header' });
  });

  test('a duplicate call returns the same workflow and starts nothing', async () => {
    const { response, headers } = await postOffboarding(app, secret, webhookBody(employeeId));
    sentSignatures.push(headers['x-keywarden-signature']);
    assert.equal(response.statusCode, 202, response.body);
    const body = response.json<{ workflowId: string; runId: string; duplicate: boolean }>();
    assert.equal(body.duplicate, true);
    assert.equal(body.workflowId, workflowId);
    assert.equal(body.runId, runId, 'the same run, not a new one');

    const runs: string[] = [];
    for await (const execution of worker.client.workflow.list({ query: `WorkflowId = '${workflowId}'` })) {
      runs.push(execution.runId);
    }
    assert.deepEqual(runs, [runId], 'visibility knows exactly one run');
    const status = await worker.client.workflow.getHandle(workflowId).query<OffboardingStatus>('status');
    assert.equal(status.users.length, contained.users.length, 'the running workflow did not start over');
  });

  test('an invalid approval changes nothing; cancel by HR restores every user exactly', async () => {
    const handle = worker.client.workflow.getHandle(workflowId);
    // The initiator may not approve (four eyes): refused and recorded, the gate stays open.
    await handle.signal('approve', { approver: INITIATOR });
    const refused = await waitForStatus(
      worker.client,
      workflowId,
      (s) => s.approval.rejectedAttempts.length === 1,
    );
    assert.match(refused.approval.rejectedAttempts[0]!.reason, /self-approval/);
    assert.equal(refused.phase, 'awaiting-approval');

    await handle.signal('cancel', { approver: INITIATOR, comment: 'rehired' });
    const result = (await handle.result()) as OffboardingStatus;
    assert.equal(result.phase, 'restored');
    assert.equal(result.approval.decision?.outcome, 'cancelled');
    for (const user of result.users) {
      assert.equal(user.error, undefined, user.error);
      assert.ok(user.restore);
      assert.equal(user.restore.policyRemoved, true);
      const prior = user.prior!;
      assert.deepEqual(
        user.restore.reactivatedKeyIds.sort(),
        prior.accessKeys
          .filter((k) => k.status === 'Active')
          .map((k) => k.id)
          .sort(),
      );
      assert.deepEqual(
        user.restore.leftInactiveKeyIds.sort(),
        prior.accessKeys
          .filter((k) => k.status === 'Inactive')
          .map((k) => k.id)
          .sort(),
      );
    }
    // The seeded mallory has one inactive key: it stays inactive.
    assert.ok(result.users.some((u) => u.restore!.leftInactiveKeyIds.length > 0));
    assert.deepEqual(await snapshotIam(verifyAws, memberAccounts), before_, 'the whole org is as it was');
    assert.equal(APPROVER.length > 0, true);
  });

  test('no secret material in the workflow history, the status or the logs', async () => {
    const history = JSON.stringify(await worker.client.workflow.getHandle(workflowId).fetchHistory());
    const status = JSON.stringify(await worker.client.workflow.getHandle(workflowId).query('status'));
    const logs = [...workerLogLines, ...webhookLogLines].join('\n');
    assert.ok(history.length > 1000 && logs.length > 0);
    const secrets: Array<[string, string]> = [
      ['the webhook secret', secret],
      ['a key secret', extraKeySecret],
      ['the worker key secret', org.operatorCredentials.secretAccessKey],
      ...sentSignatures.map((s): [string, string] => ['a request signature', s.slice('sha256='.length)]),
    ];
    for (const [what, value] of secrets) {
      assert.ok(value.length >= 32);
      assert.ok(!history.includes(value), `${what} is in the history`);
      assert.ok(!status.includes(value), `${what} is in the status`);
      assert.ok(!logs.includes(value), `${what} is in the logs`);
    }
  });
});
