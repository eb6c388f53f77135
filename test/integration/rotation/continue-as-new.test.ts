import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import { killNow, stopProcess, type StartedProcess } from '../../../sandbox/processes';
import { ensureLocalTools } from '../../../sandbox/python-env';
import { startTemporalDevServer } from '../../../sandbox/temporal-dev-server';
import type { AccountRotationReport } from '../../../domain/rotation-report';
import type { UserFacts } from '../../../domain/inventory';
import { approveSignal } from '../../../workflows/messages';
import { APPROVERS, startCampaign, testSpec, uniqueId } from '../../support/campaign-helpers';
import { oldKey, scriptedAws, user } from '../../support/scripted-aws';
import { startScriptedWorker, testStack, type RunningWorker } from '../../support/test-stack';

/**
 * Decisions and completions are never lost across continue-as-new. A dev server of its own,
 * told to suggest continue-as-new after a few dozen events, makes the campaign and every account
 * workflow continue as new again and again (also forced by continueAsNewAfterAccounts: 1 and
 * continueAsNewAfterUsers: 1), while approvals arrive every moment, before, during and after
 * each gate opens.
 */
describe('continue-as-new under approvals arriving at every stage', () => {
  let server: StartedProcess | undefined;
  let worker: RunningWorker | undefined;
  let address = '';

  before(async () => {
    const started = await startTemporalDevServer({
      temporalBinary: ensureLocalTools().temporal,
      logFile: '/dev/null',
      dynamicConfig: { 'limit.historyCount.suggestContinueAsNew': 40 },
    });
    server = started.process;
    address = started.endpoint.address;
  });
  after(async () => {
    await worker?.stop();
    if (server) await stopProcess(server.pid).catch(() => killNow(server!.pid));
  });

  test('every account and user finishes, over two approval rounds, with many continue-as-new', async () => {
    const accounts = [
      '310000000001',
      '310000000002',
      '310000000003',
      '310000000004',
      '310000000005',
      '310000000006',
    ];
    const inventory: Record<string, UserFacts[]> = {};
    for (const accountId of accounts) {
      const inactive = { ...oldKey(`AKIAIN${accountId.slice(-4)}`), status: 'Inactive' as const };
      inventory[accountId] = [
        user(accountId, 'ana', [oldKey(`AKIAANA${accountId.slice(-4)}`)]),
        user(accountId, 'ben', [oldKey(`AKIABEN${accountId.slice(-4)}`)]),
        user(accountId, 'cid', [oldKey(`AKIACID${accountId.slice(-4)}`), inactive]),
      ];
    }
    const aws = scriptedAws(inventory);
    worker = await startScriptedWorker(
      { ...testStack(), temporalAddress: address, namespace: 'default' },
      aws.activities,
    );
    const spec = testSpec({
      id: uniqueId('can-stress'),
      scope: { includeAccounts: accounts },
      windows: { adoption: '1s', grace: '1s' },
      policy: { inactiveKeys: 'delete-after-approval', exemptions: { groups: [] } },
      limits: {
        maxAccountsInFlight: 2,
        maxKeysInFlightPerAccount: 1,
        continueAsNewAfterAccounts: 1,
        continueAsNewAfterUsers: 1,
        inventoryPageSize: 1,
      },
    });
    const handle = await startCampaign(worker.client, worker.taskQueue, spec);
    let sent = 0;
    let done = false;
    const result = handle.result().finally(() => {
      done = true;
    });
    while (!done && sent < 2000) {
      await handle.signal(approveSignal, { approver: APPROVERS[sent % 2] }).catch(() => undefined);
      sent++;
      if (process.env.KEYWARDEN_TEST_DEBUG && sent % 20 === 0) {
        const s = await handle.query('status').catch((e: unknown) => String(e));
        console.log(sent, JSON.stringify(s).slice(0, 600));
      }
      await delay(100);
    }
    const status = await result;
    console.log(
      `[continue-as-new] ${sent} approvals sent; campaign continued as new ${status.continuedAsNew} times; ` +
        `${status.approval.pastRounds.length} rounds; ${status.approval.rejectedAttempts.length} refused (too early or too late)`,
    );
    assert.equal(status.phase, 'completed');
    assert.equal(status.accounts.finished, accounts.length);
    assert.equal(status.users.rotated, accounts.length * 3, JSON.stringify(status.users));
    assert.ok(
      status.continuedAsNew >= accounts.length,
      `campaign continued as new ${status.continuedAsNew} times`,
    );
    assert.deepEqual(
      status.approval.pastRounds.map((d) => d.outcome),
      ['approved', 'approved'],
    );
    assert.ok(status.approval.rejectedAttempts.some((r) => /too early/.test(r.reason)));
    let accountRuns = 0;
    for (const accountId of accounts) {
      const report = (await worker.client.workflow
        .getHandle(`${spec.id}/${accountId}`)
        .result()) as AccountRotationReport;
      assert.equal(report.counts?.rotated, 3, `${accountId}: ${JSON.stringify(report.counts)}`);
      accountRuns += (report.run ?? 0) + 1;
    }
    assert.ok(accountRuns > accounts.length * 2, `account workflows ran ${accountRuns} runs`);
    assert.equal(aws.calls.filter((c) => c.startsWith('delete')).length, accounts.length * 4);
  });
});
