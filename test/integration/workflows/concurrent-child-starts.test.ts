import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { temporal } from '@temporalio/proto';
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { campaignStatusQuery } from '../../../workflows/messages';
import { rotationCampaign } from '../../../workflows/rotation-campaign';
import { testSpec, uniqueId } from '../../support/campaign-helpers';
import { oldKey, scriptedAws, user } from '../../support/scripted-aws';
import { scriptedWorker, timeSkippingEnv } from '../../support/time-skipping';

const EventType = temporal.api.enums.v1.EventType;
const ACCOUNTS = ['111111111111', '222222222222', '333333333333', '444444444444'];
const USERS = ['ana', 'ben', 'cy'];

/** For each child start of a run, the workflow task whose completion issued it. */
async function startTasks(env: TestWorkflowEnvironment, workflowId: string): Promise<number[]> {
  const history = await env.client.workflow.getHandle(workflowId).fetchHistory();
  return (history.events ?? [])
    .filter((e) => e.eventType === EventType.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED)
    .map((e) => Number(e.startChildWorkflowExecutionInitiatedEventAttributes?.workflowTaskCompletedEventId));
}

/**
 * Free slots are filled with children started in one workflow task. Started one per task, a
 * campaign under load started about one account every 3 s: 10,000 accounts would take 8 hours
 * to start.
 */
describe('a campaign and its accounts start their children together (time-skipping server)', () => {
  let env: TestWorkflowEnvironment;
  before(async () => {
    env = await timeSkippingEnv();
  });
  after(async () => env?.teardown());

  test('every account in flight, and every saga of an account, is started by one workflow task', async () => {
    const spec = testSpec({
      id: uniqueId('concurrent-starts'),
      scope: { includeAccounts: ACCOUNTS },
      windows: { adoption: '7d', grace: '7d' },
      limits: { maxAccountsInFlight: ACCOUNTS.length, maxKeysInFlightPerAccount: USERS.length },
    });
    const aws = scriptedAws(
      Object.fromEntries(
        ACCOUNTS.map((a) => [
          a,
          USERS.map((u) => user(a, u, [oldKey(`AKIAOLD${u.toUpperCase()}${a.slice(0, 4)}`)])),
        ]),
      ),
    );
    const { worker, taskQueue } = await scriptedWorker(env, aws);
    await worker.runUntil(async () => {
      const campaign = await env.client.workflow.start(rotationCampaign, {
        taskQueue,
        workflowId: spec.id,
        args: [{ spec }],
      });
      await env.sleep('1 day');
      const status = await campaign.query(campaignStatusQuery);
      assert.equal(
        status.accounts.waiting,
        ACCOUNTS.length,
        'every account sleeps through the adoption window',
      );

      const accountStarts = await startTasks(env, spec.id);
      const sagaStarts = await startTasks(env, `${spec.id}/${ACCOUNTS[0]}`);
      console.log(
        `# campaign: ${accountStarts.length} account starts in ${new Set(accountStarts).size} workflow task(s); ` +
          `account ${ACCOUNTS[0]}: ${sagaStarts.length} saga starts in ${new Set(sagaStarts).size}`,
      );
      assert.equal(accountStarts.length, ACCOUNTS.length);
      assert.equal(new Set(accountStarts).size, 1, 'all accounts started by one workflow task');
      assert.equal(sagaStarts.length, USERS.length);
      assert.equal(new Set(sagaStarts).size, 1, 'all sagas of the account started by one workflow task');
      await campaign.terminate('measured');
    });
  });
});
