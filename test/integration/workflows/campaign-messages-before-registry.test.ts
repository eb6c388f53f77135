import type { TestWorkflowEnvironment } from '@temporalio/testing';
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { CampaignCarryOver } from '../../../domain/campaign-input';
import type { CampaignSpec } from '../../../domain/campaign-spec';
import type { CampaignStatus } from '../../../domain/rotation-report';
import { abortSignal, campaignStatusQuery } from '../../../workflows/messages';
import { rotationCampaign } from '../../../workflows/rotation-campaign';
import { APPROVERS, INITIATOR, testSpec, uniqueId } from '../../support/campaign-helpers';
import { ACCOUNTS, oldKey, scriptedAws, user } from '../../support/scripted-aws';
import { scriptedWorker, simulatedDay, timeSkippingEnv } from '../../support/time-skipping';
import { registryRequiringSignatures } from '../../support/approval-test-keys';

const account = ACCOUNTS[0]!;

/** The worker's registry requires signatures; the spec says off. */
const registry = registryRequiringSignatures([...APPROVERS, INITIATOR]);

const specSigningOff = (prefix: string) =>
  testSpec({
    id: uniqueId(prefix),
    scope: { includeAccounts: [account] },
    windows: { adoption: '7d', grace: '7d' },
    approval: { approvers: APPROVERS, timeout: '7d', signatures: 'off' },
  });

/**
 * A campaign reads the worker's approver key registry when it starts. An abort that reaches it
 * before that (here: delivered with the start itself) is judged by the registry's rules once they
 * are read, not by the spec's alone: an unsigned abort in the initiator's name stops nothing.
 */
describe('campaign messages that arrive before the approver registry is read (time-skipping server)', () => {
  let env: TestWorkflowEnvironment;
  before(async () => {
    env = await timeSkippingEnv();
  });
  after(async () => env?.teardown());

  /** Starts the campaign with an unsigned abort in the initiator's name; its status 15 days on. */
  async function startWithForgedAbort(spec: CampaignSpec, userName: string, carry?: CampaignCarryOver) {
    const aws = scriptedAws({
      [account]: [user(account, userName, [oldKey(`AKIAOLD${userName.toUpperCase()}`)])],
    });
    const { worker, taskQueue } = await scriptedWorker(env, aws, { approverRegistry: registry });
    const startMs = await env.currentTimeMs();
    const status: CampaignStatus = await worker.runUntil(async () => {
      const handle = await env.client.workflow.signalWithStart(rotationCampaign, {
        taskQueue,
        workflowId: spec.id,
        args: [carry === undefined ? { spec } : { spec, carry }],
        signal: abortSignal,
        signalArgs: [{ approver: INITIATOR, comment: 'forged: stop it' }],
      });
      await env.sleep('15 days');
      const atGate = await handle.query(campaignStatusQuery);
      // Its timers would hold up the server's clock for the next test, with no worker to run them.
      await handle.terminate('test done');
      return atGate;
    });
    console.log(`# phase ${status.phase} on simulated day ${await simulatedDay(env, startMs)}`);
    assert.equal(status.phase, 'awaiting-approval', 'the campaign went on to its gate');
    assert.equal(status.approval.signatures, 'required');
    assert.equal(status.aborted, undefined, 'nothing was aborted');
    const refused = status.approval.rejectedAttempts.find((r) => r.signal === 'abort');
    assert.ok(refused, 'the refused abort is recorded with its reason');
    assert.match(refused.reason, /sign/i);
    return aws.calls;
  }

  test('an unsigned abort sent with the start is refused by the registry; the rotation goes on', async () => {
    const calls = await startWithForgedAbort(specSigningOff('early-abort'), 'uma');
    assert.ok(
      calls.some((c) => c.startsWith('create ')),
      'the new key was made',
    );
    assert.ok(!calls.some((c) => c.startsWith('delete ')), 'nothing was deleted without an approval');
  });

  test('an unsigned abort that reaches a run continued as new is judged by the registry it carries', async () => {
    // What a run that read the registry passes on as it continues as new, its account not started yet.
    const carry: CampaignCarryOver = {
      startedAt: new Date(await env.currentTimeMs()).toISOString(),
      continuedAsNew: 1,
      accountsInScope: 1,
      pending: [{ accountId: account, name: 'one' }],
      accounts: [],
      finished: 0,
      notStarted: 0,
      failedAccounts: [],
      userCounts: {},
      approverRegistry: registry,
    };
    const calls = await startWithForgedAbort(specSigningOff('continued-abort'), 'ulla', carry);
    assert.ok(
      calls.some((c) => c.startsWith('create ')),
      'the continued run rotated its account',
    );
  });
});
