import type { TestWorkflowEnvironment } from '@temporalio/testing';
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { OffboardingRequestSchema } from '../../../domain/offboarding-request';
import { KeywardenKind, KeywardenPhase } from '../../../domain/search-attributes';
import { cancelSignal, cancelUpdate, rejectSignal } from '../../../workflows/messages';
import { offboardEmployee, type OffboardEmployeeInput } from '../../../workflows/offboard-employee';
import { scriptedOffboarding } from '../../replay/scripted-offboarding';
import type { scriptedAws } from '../../support/scripted-aws';
import {
  startOffboardingOnTestServer,
  waitForGateInRealTime,
} from '../../support/offboarding-on-test-server';
import { scriptedWorker, timeSkippingEnv } from '../../support/time-skipping';
import { refusedWith, registryRequiringSignatures } from '../../support/approval-test-keys';

const A = '111111111111';
const B = '222222222222';
const HR = 'hr-system@example.com';
const APPROVER = 'security-lead@example.com';

const org = {
  [A]: [{ userName: 'mallory', email: 'mallory@example.com', accessKeyIds: ['AKIAMALLORYA'] }],
  [B]: [{ userName: 'mallory', email: 'mallory@example.com', accessKeyIds: ['AKIAMALLORYB'] }],
};

/** The worker's registry requires signatures; the requests below say off. */
const registry = () => registryRequiringSignatures([HR, APPROVER]);

/**
 * The worker's approver key registry may require signatures that the request does not. A cancel
 * or reject that reaches the offboarding before the registry is read (here: delivered with the
 * start itself) is judged by the registry's rules once it is read, never by the request's
 * alone: an unsigned cancel claimed in HR's name restores no one.
 */
describe('offboarding messages that arrive before the approver registry is read', () => {
  let env: TestWorkflowEnvironment;
  before(async () => {
    env = await timeSkippingEnv();
  });
  after(async () => env?.teardown());

  async function offboardWithFirstMessage(name: string, signal: typeof cancelSignal, payload: unknown) {
    const signing = registry();
    const leavers = scriptedOffboarding(org);
    const scripted = { activities: leavers.activities } as unknown as ReturnType<typeof scriptedAws>;
    const { worker, taskQueue } = await scriptedWorker(env, scripted, { approverRegistry: signing });
    const request = OffboardingRequestSchema.parse({
      employeeId: `${name}-${Date.now()}`,
      initiator: HR,
      match: { tagValues: ['mallory@example.com'] },
      scope: { includeAccounts: [A, B] },
      // The request says off; the registry requires signatures.
      approval: { approvers: [APPROVER], signatures: 'off' },
    });
    const workflowId = `offboard-${request.employeeId}`;
    return worker.runUntil(async () => {
      const handle = await env.client.workflow.signalWithStart(offboardEmployee, {
        taskQueue,
        workflowId,
        args: [
          {
            request,
            requestedAt: new Date(await env.currentTimeMs()).toISOString(),
          } satisfies OffboardEmployeeInput,
        ],
        typedSearchAttributes: [
          { key: KeywardenKind, value: 'offboarding' },
          { key: KeywardenPhase, value: 'discovering' },
        ],
        signal,
        signalArgs: [payload],
      });
      return { status: await waitForGateInRealTime(handle, 100), calls: leavers.calls };
    });
  }

  test('an unsigned cancel in HR’s name, sent with the start, is refused and restores no one', async () => {
    const { status, calls } = await offboardWithFirstMessage('early-cancel', cancelSignal, {
      approver: HR,
      comment: 'forged: rehired',
    });
    assert.equal(status.phase, 'awaiting-approval', `the leaver stays contained; phase ${status.phase}`);
    assert.equal(status.approval.decision, undefined, 'the forged cancel decided nothing');
    assert.equal(status.approval.signatures, 'required');
    assert.equal(status.users.length, 2);
    assert.ok(status.users.every((u) => u.containedAt !== undefined && u.restore === undefined));
    assert.ok(!calls.some((c) => c.startsWith('restore')), 'no user was restored');
    const refused = status.approval.rejectedAttempts.find((r) => r.signal === 'cancel');
    assert.ok(refused, 'the refused cancel is recorded with its reason');
    assert.match(refused.reason, /sign/i);
  });

  test('an unsigned reject sent with the start is refused too; the gate stays open for a person', async () => {
    const { status } = await offboardWithFirstMessage('early-reject', rejectSignal, {
      approver: APPROVER,
    });
    assert.equal(status.phase, 'awaiting-approval');
    assert.equal(status.approval.decision, undefined);
    assert.ok(status.approval.rejectedAttempts.some((r) => r.signal === 'reject' && /sign/i.test(r.reason)));
  });

  test('an unsigned cancel update while the registry is still being read is refused: "not yet"', async () => {
    const signing = registry();
    // The registry read waits until the test lets it answer.
    let answerRegistry = (): void => undefined;
    const registryAnswered = new Promise<void>((resolve) => {
      answerRegistry = resolve;
    });
    let registryAsked = false;
    const leavers = scriptedOffboarding(org);
    const scripted = {
      activities: {
        ...leavers.activities,
        approverRegistry: async () => {
          registryAsked = true;
          await registryAnswered;
          return signing;
        },
      },
    } as unknown as ReturnType<typeof scriptedAws>;
    const { worker, taskQueue } = await scriptedWorker(env, scripted);
    const request = OffboardingRequestSchema.parse({
      employeeId: `early-update-${Date.now()}`,
      initiator: HR,
      match: { tagValues: ['mallory@example.com'] },
      scope: { includeAccounts: [A, B] },
      approval: { approvers: [APPROVER], signatures: 'off' },
    });
    await worker.runUntil(async () => {
      const handle = await startOffboardingOnTestServer(env, taskQueue, request, await env.currentTimeMs());
      // Answered whatever happens, so a failed assertion cannot leave the worker waiting on it.
      try {
        for (let i = 0; i < 100 && !registryAsked; i++)
          await new Promise((resolve) => setTimeout(resolve, 50));
        assert.ok(registryAsked, 'the offboarding is reading the registry');
        await assert.rejects(
          handle.executeUpdate(cancelUpdate, { args: [{ approver: HR, comment: 'forged: rehired' }] }),
          refusedWith(/not yet/),
        );
      } finally {
        answerRegistry();
      }
      const status = await waitForGateInRealTime(handle, 100);
      assert.equal(status.phase, 'awaiting-approval', `the leaver stays contained; phase ${status.phase}`);
      assert.equal(status.approval.decision, undefined);
      assert.equal(status.approval.signatures, 'required');
      assert.ok(!leavers.calls.some((c) => c.startsWith('restore')), 'no user was restored');
      // Now the rules are known, the same unsigned cancel is refused for what it is.
      await assert.rejects(
        handle.executeUpdate(cancelUpdate, { args: [{ approver: HR, comment: 'forged: rehired' }] }),
        refusedWith(/sign/i),
      );
    });
  });
});
