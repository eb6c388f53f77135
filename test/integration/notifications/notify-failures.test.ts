import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { renderMarkdown } from '../../../client/report/markdown';
import type { SeededOrg } from '../../../sandbox/seed-org';
import { approveSignal } from '../../../workflows/messages';
import {
  accountReports,
  APPROVERS,
  startCampaign,
  testSpec,
  uniqueId,
  waitForPhase,
} from '../../support/campaign-helpers';
import { freshOrg, startTestWorker, testStack, type RunningWorker } from '../../support/test-stack';

describe('notifications that cannot be delivered', () => {
  const stack = testStack();
  let org: SeededOrg;
  let worker: RunningWorker;
  let server: Server;
  let posts = 0;

  before(async () => {
    org = await freshOrg(stack, { memberAccounts: 1 });
    // A webhook that always answers 500.
    server = createServer((request, response) => {
      request.resume();
      request.on('end', () => {
        posts++;
        response.writeHead(500).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    // No SES sender anywhere: the e-mail channel cannot be used either.
    worker = await startTestWorker(stack, org, { notify: { webhookUrl: `http://127.0.0.1:${port}/hook` } });
  });
  after(async () => {
    await worker?.stop();
    await new Promise((resolve) => server?.close(resolve));
  });

  test('are retried a bounded number of times, recorded as failed, and the rotation goes on', async () => {
    const accountId = org.accounts[0]?.accountId ?? '';
    const spec = testSpec({
      id: uniqueId('notify-fail'),
      scope: { includeAccounts: [accountId] },
      notifications: { email: {} },
    });
    const handle = await startCampaign(worker.client, worker.taskQueue, spec);
    await waitForPhase(handle, ['awaiting-approval'], 300_000);
    await handle.signal(approveSignal, { approver: APPROVERS[0], comment: 'failure test' });
    const status = await handle.result();
    assert.equal(status.phase, 'completed');
    const reports = await accountReports(worker.client, spec.id, 1);
    const rotated = reports.flatMap((r) => r.users).filter((u) => u.status === 'rotated');
    assert.ok(rotated.length >= 2, JSON.stringify(status.users));
    for (const user of rotated) {
      assert.equal(user.notifications?.length, 3, user.userName);
      for (const record of user.notifications ?? []) {
        assert.deepEqual(record.sent, []);
        assert.match(record.failed.join(';'), /notification failed: .*webhook answered HTTP 500/);
      }
      assert.ok(user.timeline.some((t) => t.event.startsWith('notification new-key-stored failed')));
    }
    for (const record of status.notifications ?? []) assert.deepEqual(record.sent, []);
    assert.deepEqual(
      status.notifications?.map((n) => n.event),
      ['decision-awaited', 'decided'],
    );
    // Four attempts per notification, no more.
    assert.equal(posts, 4 * (rotated.length * 3 + 2));
    const markdown = renderMarkdown({
      generatedAt: new Date().toISOString(),
      campaign: status,
      accounts: reports,
    });
    assert.match(markdown, /Failed notifications:\n\n- approvers: decision-awaited at .*notification failed/);
  });
});
