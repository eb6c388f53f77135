import { VerifyEmailIdentityCommand } from '@aws-sdk/client-ses';
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { AwsClients } from '../../../activities/aws/clients';
import { startOffboarding } from '../../../client/offboarding-client';
import { renderOffboardingMarkdown } from '../../../client/report/offboarding';
import { revocationMarkdown } from '../../../client/report/revocation';
import { startRevocation } from '../../../client/revocation-client';
import { parseOffboardingRequest } from '../../../domain/offboarding-request';
import type { OffboardingStatus } from '../../../domain/offboarding-report';
import { parseRevokeRequest } from '../../../domain/revoke-request';
import type { RevokeStatus } from '../../../domain/revoke-report';
import type { SeededOrg } from '../../../sandbox/seed-org';
import { sentEmails, WEBHOOK_TOKEN, webhookReceiver, webhookTexts } from '../../support/notification-inbox';
import {
  awsClientsFor,
  freshOrg,
  startTestWorker,
  testStack,
  type RunningWorker,
} from '../../support/test-stack';

const SENDER = 'keywarden-gates@example.com';
const UI = 'http://temporal-ui.example.com';
const INITIATOR = 'hr-system@example.com';
const APPROVER = 'gate-approver@example.com';

async function waitForQuery<T>(
  worker: RunningWorker,
  workflowId: string,
  done: (status: T) => boolean,
  what: string,
): Promise<T> {
  const deadline = Date.now() + 60_000;
  let last: T | undefined;
  while (Date.now() < deadline) {
    try {
      last = await worker.client.workflow.getHandle(workflowId).query<T>('status');
      if (done(last)) return last;
    } catch {
      // not started yet, or no worker has picked it up
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  assert.fail(`timed out waiting for ${what} on ${workflowId}: ${JSON.stringify(last)}`);
}

describe('approvers of offboarding and revocation gates are told', () => {
  const stack = testStack();
  let org: SeededOrg;
  let observer: AwsClients;
  let worker: RunningWorker;
  let receiver: Awaited<ReturnType<typeof webhookReceiver>>;
  let accountId: string;

  before(async () => {
    org = await freshOrg(stack, { memberAccounts: 1 });
    observer = awsClientsFor(stack, org);
    accountId = org.accounts[0]?.accountId ?? '';
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

  test('an offboarding tells its approvers of the wait, every escalation and the decision', async () => {
    const employeeId = `notify-gate-${Date.now().toString(36)}`;
    const parsed = parseOffboardingRequest({
      employeeId,
      match: { userNames: ['carol.dev'] },
      scope: { includeAccounts: [accountId] },
      initiator: INITIATOR,
      approval: { approvers: [APPROVER], timeout: '3s' },
      notifications: { email: {} },
    });
    assert.ok(parsed.ok, parsed.ok ? '' : parsed.message);
    const started = await startOffboarding(worker.client, {
      taskQueue: worker.taskQueue,
      request: parsed.request,
      requestedAt: new Date().toISOString(),
    });
    const workflowId = started.workflowId;
    await waitForQuery<OffboardingStatus>(
      worker,
      workflowId,
      (s) => (s.notifications ?? []).some((n) => n.event === 'escalated'),
      'an escalation told to the approvers',
    );
    const handle = worker.client.workflow.getHandle(workflowId);
    await handle.signal('reject', { approver: APPROVER, comment: 'not a leaver' });
    const result = (await handle.result()) as OffboardingStatus;
    assert.equal(result.approval.decision?.outcome, 'rejected');

    const events = result.notifications?.map((n) => n.event) ?? [];
    assert.equal(events[0], 'decision-awaited', JSON.stringify(events));
    assert.ok(events.includes('escalated'), JSON.stringify(events));
    assert.equal(events.at(-1), 'decided', JSON.stringify(events));
    for (const record of result.notifications ?? []) {
      assert.deepEqual(record.sent, ['webhook', `email:${APPROVER}`], JSON.stringify(record));
      assert.deepEqual(record.failed, []);
    }

    const texts = webhookTexts(receiver.bodies).filter((t) => t.includes(workflowId));
    const link = `${UI}/namespaces/${stack.namespace}/workflows/${workflowId}`;
    const awaited = texts.find((t) => t.startsWith(`keywarden: decision awaited on ${workflowId}`));
    assert.ok(awaited, texts.join('\n---\n'));
    assert.ok(awaited.includes(link), awaited);
    assert.match(awaited, /delete-user for 1 user\(s\) of employee/);
    assert.ok(awaited.includes('{"approver": '), awaited);
    assert.ok(texts.some((t) => t.startsWith(`keywarden: ESCALATION 1: still no decision on ${workflowId}`)));
    assert.ok(texts.some((t) => t.includes('round 1 decided: rejected') && t.includes(APPROVER)));

    const mails = await sentEmails(stack.awsEndpoint);
    const toApprover = mails.filter(
      (m) => m.destinations.ToAddresses?.includes(APPROVER) && m.subject.includes(workflowId),
    );
    assert.ok(toApprover.length >= 3, JSON.stringify(toApprover.map((m) => m.subject)));
    assert.ok(toApprover.every((m) => m.source === SENDER));

    const markdown = renderOffboardingMarkdown(result);
    assert.match(
      markdown,
      /## Notifications to approvers\n\n- \S+ decision-awaited: sent through webhook, email:/,
    );

    const history = JSON.stringify((await handle.fetchHistory()).events);
    assert.ok(!history.includes(WEBHOOK_TOKEN), 'the webhook URL entered the workflow history');
  });

  test('a revocation tells its approvers that the deletion awaits them, and the decision', async () => {
    const user = org.users.find((u) => u.accountId === accountId && u.userName === 'alice.ops');
    const accessKeyId = user?.accessKeyIds[0];
    assert.ok(accessKeyId, 'seeded user alice.ops has a key');
    const parsed = parseRevokeRequest({
      accessKeyId,
      reason: 'pushed to a public repository',
      initiator: INITIATOR,
      approval: { approvers: [APPROVER], timeout: '10m' },
      notifications: { webhook: true },
    });
    assert.ok(parsed.ok, parsed.ok ? '' : parsed.message);
    const started = await startRevocation(worker.client, {
      taskQueue: worker.taskQueue,
      request: parsed.request,
      requestedAt: new Date().toISOString(),
    });
    const workflowId = started.workflowId;
    await waitForQuery<RevokeStatus>(
      worker,
      workflowId,
      (s) => s.phase === 'awaiting-approval' && (s.notifications ?? []).length > 0,
      'the deletion awaiting a decision, told to the approvers',
    );
    const handle = worker.client.workflow.getHandle(workflowId);
    await handle.signal('reject', { approver: APPROVER, comment: 'keep it for the investigation' });
    const result = (await handle.result()) as RevokeStatus;
    assert.equal(result.phase, 'kept-inactive');
    assert.deepEqual(
      result.notifications?.map((n) => [n.event, n.sent]),
      [
        ['decision-awaited', ['webhook']],
        ['decided', ['webhook']],
      ],
    );
    const texts = webhookTexts(receiver.bodies).filter((t) => t.includes(workflowId));
    assert.ok(
      texts.some((t) =>
        t.includes(`delete leaked key ${accessKeyId} of user alice.ops in account ${accountId}`),
      ),
      texts.join('\n---\n'),
    );
    assert.ok(texts.some((t) => t.includes('round 1 decided: rejected')));
    assert.match(
      revocationMarkdown(result),
      /## Notifications to approvers\n\n- \S+ decision-awaited: sent through webhook/,
    );
  });

  test('a revocation without approvers refuses notifications, naming the fix', () => {
    const parsed = parseRevokeRequest({
      accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
      reason: 'leaked',
      initiator: INITIATOR,
      notifications: { webhook: true },
    });
    assert.equal(parsed.ok, false);
    assert.match(parsed.ok ? '' : parsed.message, /add approval\.approvers or drop notifications/);
  });
});
