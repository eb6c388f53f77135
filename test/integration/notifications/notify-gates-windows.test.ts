import type { TestWorkflowEnvironment } from '@temporalio/testing';
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { NotifyApproversInput } from '../../../activities/notification-activities';
import type { NotifyResult } from '../../../domain/notification-messages';
import { OffboardingRequestSchema } from '../../../domain/offboarding-request';
import { approveSignal } from '../../../workflows/messages';
import { offboardingStatusQuery } from '../../../workflows/offboard-employee';
import { scriptedOffboarding } from '../../replay/scripted-offboarding';
import type { scriptedAws } from '../../support/scripted-aws';
import {
  startOffboardingOnTestServer,
  waitForGateInRealTime,
} from '../../support/offboarding-on-test-server';
import { scriptedWorker, timeSkippingEnv } from '../../support/time-skipping';

const A = '111111111111';
const HR = 'hr-system@example.com';
const APPROVER = 'security-lead@example.com';
const HOUR = 3_600_000;

/**
 * Approver notices at production windows: an offboarding gate with the default 24 h timeout,
 * left without a decision for five and a half simulated days (between escalations: a decision that lands
 * on the very tick of an escalation timer trips a timer-cancel bug of the test server), on the time-skipping test server. The notices
 * go through a recording notifyApprovers activity; their times are the workflow's own.
 */
describe('approver notices at production windows (time-skipping server)', () => {
  let env: TestWorkflowEnvironment;
  before(async () => {
    env = await timeSkippingEnv();
  });
  after(async () => env?.teardown());

  test('told when the decision is awaited, at every 24 h escalation for five days, and when it is decided', async (t) => {
    const told: NotifyApproversInput[] = [];
    const leavers = scriptedOffboarding({
      [A]: [{ userName: 'mallory', email: 'mallory@example.com', accessKeyIds: ['AKIAMALLORYA'] }],
    });
    const activities = {
      ...leavers.activities,
      notifyApprovers: (input: NotifyApproversInput): Promise<NotifyResult> => {
        told.push(input);
        return Promise.resolve({ sent: ['webhook'], failed: [] });
      },
    };
    const scripted = { activities } as unknown as ReturnType<typeof scriptedAws>;
    const { worker, taskQueue } = await scriptedWorker(env, scripted);
    const request = OffboardingRequestSchema.parse({
      employeeId: `notices-${Date.now()}`,
      initiator: HR,
      match: { tagValues: ['mallory@example.com'] },
      scope: { includeAccounts: [A] },
      approval: { approvers: [APPROVER] },
      notifications: { webhook: true },
    });
    assert.equal(request.approval.timeout, '24h', 'the default timeout of an offboarding gate');
    const startMs = await env.currentTimeMs();
    const final = await worker.runUntil(async () => {
      const handle = await startOffboardingOnTestServer(env, taskQueue, request, startMs);
      let status = await waitForGateInRealTime(handle, 100);
      assert.equal(status.phase, 'awaiting-approval', 'contained, and the gate opened');
      await env.sleep('132 hours');
      status = await handle.query(offboardingStatusQuery);
      assert.equal(status.phase, 'escalated');
      assert.equal(status.approval.decision, undefined, 'five and a half days of silence decided nothing');
      await handle.signal(approveSignal, { approver: APPROVER, comment: 'confirmed leaver' });
      return handle.result();
    });

    const hours = (at: string) => Math.round((Date.parse(at) - startMs) / (HOUR / 10)) / 10;
    const records = final.notifications ?? [];
    t.diagnostic(
      `notices (simulated hours): ${records.map((r) => `${r.event} at ${hours(r.at)} h`).join(', ')}`,
    );
    const events = records.map((r) => r.event);
    assert.equal(events[0], 'decision-awaited', JSON.stringify(events));
    assert.equal(events.at(-1), 'decided', JSON.stringify(events));
    const escalations = records.filter((r) => r.event === 'escalated').map((r) => hours(r.at));
    assert.equal(escalations.length, 5, `one escalation a day for five days: ${JSON.stringify(escalations)}`);
    escalations.forEach((h, i) => {
      assert.ok(
        Math.abs(h - 24 * (i + 1)) <= 1,
        `escalation ${i + 1} at ${h} h, not about ${24 * (i + 1)} h`,
      );
    });
    assert.ok(hours(records.at(-1)?.at ?? '') >= 132, 'the decision notice comes after the wait');
    assert.equal(told.length, records.length, 'every notice the activity was asked for is recorded');
    assert.ok(told.every((n) => n.webhook && n.approvers.includes(APPROVER)));
    assert.equal(final.phase, 'completed');
    assert.equal(final.approval.decision?.outcome, 'approved');
  });
});
