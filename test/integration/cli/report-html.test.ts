import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { AccountRotationReport } from '../../../domain/rotation-report';
import type { SeededOrg } from '../../../sandbox/seed-org';
import { approveSignal } from '../../../workflows/messages';
import {
  APPROVERS,
  accountReports,
  startCampaign,
  testSpec,
  uniqueId,
  waitForPhase,
} from '../../support/campaign-helpers';
import { runKeywarden } from '../../support/cli-process';
import { freshOrg, startTestWorker, testStack, type RunningWorker } from '../../support/test-stack';

const ROTATED = ['alice.ops', 'build-bot', 'heidi.unused'];

describe('keywarden report --format html on a finished campaign', () => {
  const stack = testStack();
  let org: SeededOrg;
  let worker: RunningWorker;
  let accountId: string;
  let campaignId: string;
  let report: AccountRotationReport;
  let dir: string;

  before(async () => {
    org = await freshOrg(stack, { memberAccounts: 1 });
    accountId = org.accounts[0]!.accountId;
    worker = await startTestWorker(stack, org);
    const spec = testSpec({ id: uniqueId('html-report'), scope: { includeAccounts: [accountId] } });
    campaignId = spec.id;
    const handle = await startCampaign(worker.client, worker.taskQueue, spec);
    await waitForPhase(handle, ['awaiting-approval']);
    await handle.signal(approveSignal, { approver: APPROVERS[0], comment: 'rotate them' });
    assert.equal((await handle.result()).phase, 'completed');
    report = (await accountReports(worker.client, campaignId, 1))[0]!;
    dir = mkdtempSync(path.join(tmpdir(), 'keywarden-report-'));
  });
  after(async () => {
    await worker?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('writes one self-contained file with the chart, the control table, every account, user and key', async () => {
    const file = path.join(dir, 'report.html');
    const env = {
      ...process.env,
      TEMPORAL_ADDRESS: stack.temporalAddress,
      TEMPORAL_NAMESPACE: stack.namespace,
      KEYWARDEN_TASK_QUEUE: worker.taskQueue,
    };
    const run = await runKeywarden(env, 'report', campaignId, '--format', 'html', '--output', file);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, new RegExp(`wrote .*report\\.html: 1 accounts, ${report.users.length} users`));
    const page = readFileSync(file, 'utf8');

    assert.match(page, /^<!DOCTYPE html>/);
    assert.doesNotMatch(page, /\b(src|href)\s*=|https?:\/\/|<script/i);
    assert.match(page, /<svg role="img"[^>]*>[\s\S]*<title>before, [^<]+<\/title>[\s\S]*<\/svg>/);
    assert.match(page, /<h2>Controls<\/h2>/);
    assert.match(
      page,
      /<td>CIS 1\.14, SecurityHub IAM\.3<\/td><td>KEY_AGE_OVER_MAX<\/td><td>[^<]*<\/td><td class="num">\d+<\/td>/,
    );
    assert.match(page, new RegExp(`<h2>Account ${accountId} `));

    for (const userName of ROTATED) {
      const user = report.users.find((u) => u.userName === userName);
      assert.equal(user?.status, 'rotated', userName);
      assert.ok(user.oldAccessKeyId && user.newAccessKeyId, `${userName}: old key replaced by a new one`);
      assert.ok(user.deletedAccessKeyIds.includes(user.oldAccessKeyId), `${userName}: old key deleted`);
      // Each deleted key reads Deleted and names its approver; the new key has its own row.
      for (const deleted of user.deletedAccessKeyIds) {
        const action = deleted === user.oldAccessKeyId ? 'deleted old key' : 'deleted inactive key';
        assert.match(
          page,
          new RegExp(
            `<td>${deleted}</td><td>deleted</td><td>(Active|Inactive)</td><td>Deleted</td>(?:(?!</tr>)[^])*<td>${action}</td>` +
              `<td>${APPROVERS[0]!.replace(/\./g, '\\.')} at [0-9TZ:.-]+ \\(decided [0-9TZ:.-]+\\)</td>`,
          ),
        );
      }
      assert.match(
        page,
        new RegExp(`<td>${user.newAccessKeyId}</td><td>new</td><td>[^<]*</td><td>Active</td>`),
      );
    }
    for (const user of report.users) assert.ok(page.includes(`<td>${user.userName}</td>`), user.userName);
  });
});
