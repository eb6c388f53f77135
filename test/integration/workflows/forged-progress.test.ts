import type { TestWorkflowEnvironment } from '@temporalio/testing';
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { accountProgressQuery, campaignStatusQuery } from '../../../workflows/messages';
import { rotationCampaign } from '../../../workflows/rotation-campaign';
import { testSpec, uniqueId } from '../../support/campaign-helpers';
import { ACCOUNTS, oldKey, scriptedAws, user } from '../../support/scripted-aws';
import { scriptedWorker, simulatedDay, timeSkippingEnv } from '../../support/time-skipping';

const [first, second] = ACCOUNTS as [string, string];

/**
 * Progress signals can be sent by anyone who may signal the namespace. A parent acts only on what
 * its child answers when asked (a query), so forged progress opens no gate early, plants no key
 * in the plan and frees no slot.
 */
describe('forged progress messages (time-skipping server)', () => {
  let env: TestWorkflowEnvironment;
  before(async () => {
    env = await timeSkippingEnv();
  });
  after(async () => env?.teardown());

  test('a forged "ready" or "awaiting-decision" opens no gate: the approval comes on day 15 with the real plan', async () => {
    const spec = testSpec({
      id: uniqueId('forged-progress'),
      scope: { includeAccounts: [first, second] },
      windows: { adoption: '7d', grace: '7d' },
      approval: { approvers: ['security-lead@example.com'], timeout: '7d', onTimeout: 'reject' },
    });
    const aws = scriptedAws({
      [first]: [user(first, 'uma', [oldKey('AKIAOLDUMA')])],
      [second]: [user(second, 'vic', [oldKey('AKIAOLDVIC')])],
    });
    const { worker, taskQueue } = await scriptedWorker(env, aws);

    await worker.runUntil(async () => {
      const campaign = await env.client.workflow.start(rotationCampaign, {
        taskQueue,
        workflowId: spec.id,
        args: [{ spec }],
      });
      const startMs = await env.currentTimeMs();
      await env.sleep('1 day');
      let status = await campaign.query(campaignStatusQuery);
      assert.equal(status.accounts.waiting, 2, 'both accounts sleep through the adoption window');

      // The first account is told its only saga awaits the deletion of a key it never made; the
      // campaign is told the second account is ready with a plan of the forger's choosing.
      await env.client.workflow.getHandle(`${spec.id}/${first}`).signal('keywarden.keyProgress', {
        userName: 'uma',
        stage: 'awaiting-decision',
        accessKeyId: 'AKIAFORGEDKEY',
        seq: 999,
      });
      await campaign.signal('keywarden.accountProgress', {
        accountId: second,
        stage: 'ready',
        usersWaiting: 7,
        decidedRounds: 0,
        planDigest: 'a'.repeat(64),
        seq: 999,
      });
      await env.sleep('1 hour');

      status = await campaign.query(campaignStatusQuery);
      console.log(
        `# after the forgeries (day ${await simulatedDay(env, startMs)}): phase ${status.phase}, ` +
          `${status.accounts.waiting} waiting, ${status.accounts.readyForApproval} ready`,
      );
      assert.notEqual(status.phase, 'awaiting-approval', 'no gate opened on a forged word');
      assert.equal(status.accounts.readyForApproval, 0);
      assert.equal(status.accounts.waiting, 2);
      assert.equal(status.approval.plan, undefined, 'nothing was offered for approval');
      const firstSaid = await env.client.workflow
        .getHandle(`${spec.id}/${first}`)
        .query(accountProgressQuery);
      assert.equal(firstSaid?.stage, 'waiting', 'the account did not take the forged saga progress either');

      await env.sleep('14 days');
      status = await campaign.query(campaignStatusQuery);
      const day = await simulatedDay(env, startMs);
      console.log(
        `# awaiting approval on simulated day ${day}: ${status.approval.plan?.summary ?? 'no plan'}`,
      );
      assert.equal(status.phase, 'awaiting-approval');
      assert.equal(status.accounts.readyForApproval, 2);
      assert.equal(status.usersAwaitingDecision, 2, 'the real plan: one user in each account');
      assert.ok(day >= 14, `the gate opened on day ${day}, after adoption and grace`);
    });
  });
});
