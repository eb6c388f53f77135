import { VerifyEmailIdentityCommand } from '@aws-sdk/client-ses';
import { UntagUserCommand } from '@aws-sdk/client-iam';
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import type { AwsClients } from '../../../activities/aws/clients';
import { renderMarkdown } from '../../../client/report/markdown';
import type { SeededOrg } from '../../../sandbox/seed-org';
import { accountWorkflowId } from '../../../workflows/account-rotation';
import { approveSignal } from '../../../workflows/messages';
import { currentSecret, memberIam } from '../../support/aws-snapshot';
import { sentEmails, WEBHOOK_TOKEN, webhookReceiver } from '../../support/notification-inbox';
import {
  accountReports,
  APPROVERS,
  campaignHistoriesText,
  startCampaign,
  testSpec,
  uniqueId,
  waitForStatus,
} from '../../support/campaign-helpers';
import {
  awsClientsFor,
  freshOrg,
  startTestWorker,
  testStack,
  type RunningWorker,
} from '../../support/test-stack';

const SENDER = 'keywarden-notify@example.com';
const UI = 'http://temporal-ui.example.com';

describe('notifications of a rotation campaign', () => {
  const stack = testStack();
  let org: SeededOrg;
  let observer: AwsClients;
  let worker: RunningWorker;
  let receiver: Awaited<ReturnType<typeof webhookReceiver>>;
  let accountId: string;

  before(async () => {
    // The second account is for the account-gate test: the first test rotates every key of the first.
    org = await freshOrg(stack, { memberAccounts: 2 });
    observer = awsClientsFor(stack, org);
    accountId = org.accounts[0]?.accountId ?? '';
    // build-bot keeps no owner tag: it must be listed, not skipped.
    await memberIam(observer, accountId).send(
      new UntagUserCommand({ UserName: 'build-bot', TagKeys: ['owner'] }),
    );
    await observer.managementSes().send(new VerifyEmailIdentityCommand({ EmailAddress: SENDER }));
    receiver = await webhookReceiver();
    worker = await startTestWorker(stack, org, {
      notify: { webhookUrl: receiver.url, emailFrom: SENDER, uiUrl: UI },
    });
  });
  after(async () => {
    await worker?.stop();
    observer?.destroy();
    await new Promise((resolve) => receiver?.server.close(resolve));
  });

  test('owners hear of each step, approvers of the wait, the escalation and the decision; no secret is sent', async () => {
    const spec = testSpec({
      id: uniqueId('notify'),
      scope: { includeAccounts: [accountId] },
      approval: { approvers: APPROVERS, timeout: '3s', onTimeout: 'escalate' },
      notifications: { email: {} },
    });
    const handle = await startCampaign(worker.client, worker.taskQueue, spec);
    await waitForStatus(handle, (s) => s.approval.escalations.length >= 1, 'an escalation');
    await handle.signal(approveSignal, { approver: APPROVERS[0], comment: 'notification test' });
    const status = await handle.result();
    const reports = await accountReports(worker.client, spec.id, 1);
    const users = reports.flatMap((r) => r.users);
    const rotated = users.filter((u) => u.status === 'rotated');
    assert.ok(rotated.length >= 2, JSON.stringify(status.users));

    const texts = receiver.bodies.map((body) => {
      const parsed = JSON.parse(body) as { text?: unknown };
      assert.equal(typeof parsed.text, 'string', `a webhook body has a text field: ${body}`);
      return parsed.text as string;
    });
    // Owners: the new key stored (where, by when), the old key about to be deactivated, and deleted.
    for (const user of rotated) {
      const about = texts.filter((t) => t.includes(`IAM user ${user.userName} in account ${accountId}`));
      assert.equal(about.length, 3, `${user.userName}: ${JSON.stringify(about)}`);
      assert.match(
        about[0] ?? '',
        new RegExp(`stored in secret keywarden/${user.userName} in account ${accountId}`),
      );
      assert.match(about[0] ?? '', /Switch every consumer to it before \d{4}-\d\d-\d\dT/);
      assert.match(about[1] ?? '', /is about to be deactivated/);
      assert.match(about[2] ?? '', new RegExp(`${user.oldAccessKeyId} of .* was deleted`));
      assert.deepEqual(
        user.notifications?.map((n) => n.event),
        ['new-key-stored', 'old-key-deactivating', 'old-key-deleted'],
      );
    }
    // Approvers: the wait (with the link and the payload to send), the escalation, the decision.
    const link = `${UI}/namespaces/${stack.namespace}/workflows/${spec.id}`;
    const awaited = texts.find((t) => t.startsWith(`keywarden: decision awaited on ${spec.id}`));
    assert.ok(awaited, texts.join('\n---\n'));
    assert.ok(awaited.includes(link), awaited);
    assert.ok(awaited.includes('{"approver": "alice@example.com", "comment": "..."}'), awaited);
    assert.ok(texts.some((t) => t.startsWith('keywarden: ESCALATION 1') && t.includes(link)));
    assert.ok(texts.some((t) => t.includes(`round 1 decided: approved`) && t.includes(APPROVERS[0] ?? '')));
    assert.deepEqual([...new Set(status.notifications?.map((n) => n.event))].sort(), [
      'decided',
      'decision-awaited',
      'escalated',
    ]);
    for (const record of status.notifications ?? []) {
      assert.deepEqual(record.sent, ['webhook', `email:${APPROVERS.join(',')}`]);
    }

    // E-mail, read back from the emulator: to the owner the tag names, from the configured sender.
    const mails = await sentEmails(stack.awsEndpoint);
    const alice = mails.filter((m) => m.destinations.ToAddresses?.includes('alice@example.com'));
    assert.equal(alice.length, 3, JSON.stringify(mails.map((m) => m.subject)));
    for (const mail of alice) {
      assert.equal(mail.source, SENDER);
      assert.match(mail.subject, /alice\.ops/);
      assert.match(mail.body, /Owner: platform\./);
    }
    assert.ok(
      mails.some(
        (m) =>
          m.destinations.ToAddresses?.includes(APPROVERS[1] ?? '') && m.subject.includes('decision awaited'),
      ),
    );

    // A user without an owner tag is in the report, and its notices say the owner is unknown.
    const buildBot = users.find((u) => u.userName === 'build-bot');
    assert.equal(buildBot?.noOwnerTag, true);
    assert.ok(texts.some((t) => t.includes('IAM user build-bot') && t.includes('Owner: unknown')));
    assert.ok(
      buildBot?.notifications?.every(
        (n) => n.sent.includes('webhook') && n.failed.some((f) => f.includes('owner tags')),
      ),
      JSON.stringify(buildBot?.notifications),
    );
    const markdown = renderMarkdown({
      generatedAt: new Date().toISOString(),
      campaign: status,
      accounts: reports,
    });
    const section = /## Notifications\n([\s\S]*?)\n## /.exec(markdown)?.[1] ?? '';
    assert.match(section, /Users with no owner tag[\s\S]*- build-bot in /);
    assert.doesNotMatch(section, /- alice\.ops in /);

    // No secret anywhere: not a stored secret access key in any body, not the webhook URL in any history.
    const secrets: string[] = [];
    for (const user of rotated) {
      const stored = await currentSecret(observer, accountId, `keywarden/${user.userName}`);
      assert.ok(stored?.SecretAccessKey, `${user.userName} has a stored key`);
      secrets.push(stored.SecretAccessKey);
    }
    const everything = [...receiver.bodies, ...mails.flatMap((m) => [m.subject, m.body])];
    assert.ok(everything.length >= 12);
    for (const secret of secrets) {
      assert.ok(
        !everything.some((text) => text.includes(secret)),
        'a notification holds a secret access key',
      );
    }
    const histories = await campaignHistoriesText(worker.client, spec.id, 2 + rotated.length);
    assert.ok(!histories.includes(WEBHOOK_TOKEN), 'the webhook URL entered a workflow history');
  });

  test('an account that holds its own gate (approval.scope account) tells the approvers too', async () => {
    const otherAccount = org.accounts[1]?.accountId ?? '';
    const spec = testSpec({
      id: uniqueId('notify-acct'),
      scope: { includeAccounts: [otherAccount] },
      approval: { approvers: APPROVERS, timeout: '10m', scope: 'account' },
      notifications: {},
    });
    const handle = await startCampaign(worker.client, worker.taskQueue, spec);
    const gateId = accountWorkflowId(spec.id, otherAccount);
    const awaited = () => receiver.bodies.find((b) => b.includes(`keywarden: decision awaited on ${gateId}`));
    const deadline = Date.now() + 180_000;
    while (awaited() === undefined) {
      assert.ok(Date.now() < deadline, 'the account gate told the approvers in time');
      await delay(500);
    }
    assert.ok(awaited()?.includes(`/workflows/${encodeURIComponent(gateId)}`), awaited());
    await worker.client.workflow
      .getHandle(gateId)
      .signal(approveSignal, { approver: APPROVERS[0], comment: 'account gate' });
    await handle.result();
    const [report] = await accountReports(worker.client, spec.id, 1);
    assert.deepEqual(
      report?.notifications?.map((n) => n.event),
      ['decision-awaited', 'decided'],
    );
    assert.ok(
      receiver.bodies.some((b) => b.includes(`${gateId}`) && b.includes('round 1 decided: approved')),
    );
  });
});
