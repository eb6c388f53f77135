import type { TestWorkflowEnvironment } from '@temporalio/testing';
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, test, type TestContext } from 'node:test';
import { OffboardingRequestSchema, type OffboardingRequestInput } from '../../../domain/offboarding-request';
import type { OffboardingPhase, OffboardingStatus } from '../../../domain/offboarding-report';
import { approveSignal, cancelSignal } from '../../../workflows/messages';
import { offboardingStatusQuery, skipAccountSignal } from '../../../workflows/offboard-employee';
import { scriptedOffboarding, type ScriptedOffboardingOptions } from '../../replay/scripted-offboarding';
import type { scriptedAws } from '../../support/scripted-aws';
import { startOffboardingOnTestServer } from '../../support/offboarding-on-test-server';
import { scriptedWorker, timeSkippingEnv } from '../../support/time-skipping';

const A = '111111111111';
const B = '222222222222';
const C = '333333333333';
const HR = 'hr-system@example.com';
const APPROVER = 'security-lead@example.com';
const HOUR = 3_600_000;

const org = {
  [A]: [{ userName: 'mallory', email: 'mallory@example.com', accessKeyIds: ['AKIAMALLORYA'] }],
  [B]: [{ userName: 'mallory', email: 'mallory@example.com', accessKeyIds: ['AKIAMALLORYB'] }],
  [C]: [{ userName: 'trent', accessKeyIds: ['AKIATRENT'] }],
};

/**
 * Offboarding fails closed, at production windows (a 24 h approval timeout, hours of discovery
 * outage) on the time-skipping test server, with scripted AWS activities. Each test prints the
 * simulated time at which the run reached each phase.
 */
/** Searches of an account in an outage after `elapsedMin`: the first, then retries 1, 3, 7, ... min later, capped at 1 h apart. */
function assertAttempts(attempts: number | undefined, elapsedMin: number): void {
  const retryAt = [1, 3, 7, 15, 31, 63, 123, 183, 243, 303, 363, 423];
  const expected = 1 + retryAt.filter((m) => m <= elapsedMin).length;
  assert.ok(
    attempts !== undefined && Math.abs(attempts - expected) <= 1,
    `${attempts} searches after ${elapsedMin} min, expected about ${expected}`,
  );
}

describe('offboarding fails closed (time-skipping server, production windows)', () => {
  let env: TestWorkflowEnvironment;
  beforeEach(async () => {
    env = await timeSkippingEnv();
  });
  afterEach(async () => env?.teardown());

  async function offboarding(
    t: TestContext,
    name: string,
    opts: {
      request?: Partial<OffboardingRequestInput>;
      /** Bypasses the schema: the input of a run started on older code. */
      rawApproval?: Record<string, unknown>;
      aws?: ScriptedOffboardingOptions;
      script: (ctx: {
        handle: Awaited<ReturnType<typeof startOffboardingOnTestServer>>;
        waitFor: (phase: OffboardingPhase) => Promise<OffboardingStatus>;
        hoursSinceStart: () => Promise<number>;
      }) => Promise<void>;
    },
  ) {
    const leavers = scriptedOffboarding(org, opts.aws);
    const scripted = { activities: leavers.activities } as unknown as ReturnType<typeof scriptedAws>;
    const { worker, taskQueue } = await scriptedWorker(env, scripted);
    const request = OffboardingRequestSchema.parse({
      employeeId: `${name}-${Date.now()}`,
      initiator: HR,
      match: { tagValues: ['mallory@example.com'] },
      scope: { includeAccounts: [A, B, C] },
      approval: { approvers: [APPROVER] },
      ...opts.request,
    });
    if (opts.rawApproval) Object.assign(request.approval, opts.rawApproval);
    const startMs = await env.currentTimeMs();
    const hoursSinceStart = async () =>
      Math.round(((await env.currentTimeMs()) - startMs) / (HOUR / 100)) / 100;
    const reached: string[] = [];
    return worker.runUntil(async () => {
      const handle = await startOffboardingOnTestServer(env, taskQueue, request, startMs);
      // Polls the status in simulated time (each sleep skips ahead) until the phase is reached.
      const waitFor = async (phase: OffboardingPhase): Promise<OffboardingStatus> => {
        for (let i = 0; i < 420; i++) {
          const status = await handle.query(offboardingStatusQuery);
          if (status.phase === phase) {
            reached.push(`${phase} at ${await hoursSinceStart()} h`);
            return status;
          }
          // Real time first (activities run in real time), then skip simulated time ahead.
          if (i < 20) await new Promise((resolve) => setTimeout(resolve, 100));
          else await env.sleep('15 minutes');
        }
        return assert.fail(
          `${phase} not reached; last ${(await handle.query(offboardingStatusQuery)).phase}`,
        );
      };
      await opts.script({ handle, waitFor, hoursSinceStart });
      const final = await handle.result();
      // The run's own clock: after a result the test server may skip far ahead.
      const finishedHours = (Date.parse(final.finishedAt ?? '') - startMs) / HOUR;
      reached.push(`${final.phase} (final) at ${Math.round(finishedHours * 100) / 100} h`);
      t.diagnostic(`simulated time per phase: ${reached.join(', ')}`);
      const history = await handle.fetchHistory();
      const timers = (history.events ?? []).filter((e) => e.timerStartedEventAttributes).length;
      return { final, calls: leavers.calls, timers };
    });
  }

  test('no decision in 24 h escalates and stays contained; silence never restores; a late approval still purges', async (t) => {
    const { final, calls } = await offboarding(t, 'silence', {
      script: async ({ handle, waitFor, hoursSinceStart }) => {
        const waiting = await waitFor('awaiting-approval');
        assert.equal(waiting.containmentComplete, true);
        const escalated = await waitFor('escalated');
        assert.ok((await hoursSinceStart()) >= 24, 'not before the 24 h timeout');
        assert.equal(escalated.escalations?.length, 1);
        assert.equal(escalated.approval.decision, undefined, 'the gate keeps waiting for a person');
        assert.ok(escalated.users.every((u) => u.containedAt !== undefined && u.restore === undefined));
        await env.sleep('30 hours');
        const twice = await handle.query(offboardingStatusQuery);
        assert.equal(twice.escalations?.length, 2, 'escalated again after another 24 h');
        assert.equal(twice.phase, 'escalated');
        await handle.signal(approveSignal, { approver: APPROVER, comment: 'confirmed leaver' });
      },
    });
    assert.ok(!calls.some((c) => c.startsWith('restore')), 'no user was ever restored');
    assert.equal(final.phase, 'completed');
    assert.equal(final.approval.decision?.outcome, 'approved');
    assert.ok(final.users.every((u) => u.actions.some((a) => a.action === 'purged')));
  });

  test('a run started with onTimeout reject (before it was refused) escalates instead of restoring', async (t) => {
    const { final, calls } = await offboarding(t, 'legacy-reject', {
      rawApproval: { onTimeout: 'reject' },
      script: async ({ handle, waitFor }) => {
        await waitFor('awaiting-approval');
        const escalated = await waitFor('escalated');
        assert.equal(escalated.escalations?.length, 1);
        assert.equal(escalated.approval.decision, undefined, 'a new round of the gate is open');
        assert.equal(escalated.approval.pastRounds[0]?.outcome, 'timed-out');
        await handle.signal(cancelSignal, { approver: HR, comment: 'rehired' });
      },
    });
    assert.equal(final.phase, 'restored', 'only a person (here HR cancelling) restores');
    assert.equal(final.approval.decision?.outcome, 'cancelled');
    assert.equal(calls.filter((c) => c.startsWith('restore')).length, 2);
  });

  test('an account in an outage for 5 hours is searched again with capped backoff until it answers', async (t) => {
    const unreachable = new Set([B]);
    const { final, calls, timers } = await offboarding(t, 'outage', {
      aws: { unreachable },
      script: async ({ handle, waitFor, hoursSinceStart }) => {
        const waiting = await waitFor('awaiting-approval');
        assert.deepEqual(waiting.accountsSearched, [A, C]);
        assert.deepEqual(
          waiting.accountsFailed.map((f) => f.accountId),
          [B],
        );
        assertAttempts(waiting.accountsFailed[0]?.attempts, (await hoursSinceStart()) * 60);
        assert.ok(waiting.accountsFailed[0]?.nextAttemptAt, 'the next attempt is shown');
        await env.sleep('5 hours');
        const during = await handle.query(offboardingStatusQuery);
        // Retries 1, 3, 7, 15, 31, 63, 123, 183, 243, 303 min after the first search: capped at 1 h.
        const elapsedMin = (await hoursSinceStart()) * 60;
        const expected =
          1 + [1, 3, 7, 15, 31, 63, 123, 183, 243, 303, 363].filter((m) => m <= elapsedMin).length;
        const attempts = during.accountsFailed[0]?.attempts ?? 0;
        t.diagnostic(`after ${elapsedMin} simulated min of outage: ${attempts} searches of ${B}`);
        assert.ok(Math.abs(attempts - expected) <= 1, `${attempts} searches, expected about ${expected}`);
        unreachable.delete(B);
        for (
          let i = 0;
          i < 20 && !(await handle.query(offboardingStatusQuery)).accountsSearched.includes(B);
          i++
        ) {
          await env.sleep('10 minutes');
        }
        const answered = await handle.query(offboardingStatusQuery);
        t.diagnostic(`account ${B} searched and its user contained at ${await hoursSinceStart()} h`);
        assert.deepEqual(answered.accountsFailed, []);
        assert.ok(answered.users.some((u) => u.accountId === B && u.containedAt !== undefined));
        await handle.signal(approveSignal, { approver: APPROVER });
      },
    });
    assert.equal(final.phase, 'completed');
    assert.deepEqual(final.accountsNotCovered, []);
    assert.deepEqual(
      final.users.map((u) => `${u.accountId}/${u.userName}`),
      [`${A}/mallory`, `${B}/mallory`],
    );
    const searchesOfB = calls.filter((c) => c === `find ${B}`).length;
    assert.ok(searchesOfB >= 10);
    // One timer per retry round (every search of B but the first) plus the gate's: nothing else.
    assert.equal(timers, searchesOfB - 1 + 1);
  });

  test('an account that never answers: an operator skips it, and the run ends incomplete naming it', async (t) => {
    const { final } = await offboarding(t, 'skipped', {
      aws: { unreachable: new Set([B]) },
      script: async ({ handle, waitFor }) => {
        await waitFor('awaiting-approval');
        await env.sleep('3 hours');
        await handle.signal(skipAccountSignal, { by: APPROVER, accountId: C, reason: 'typo' });
        await handle.signal(skipAccountSignal, {
          by: APPROVER,
          accountId: B,
          reason: 'account being closed; checked by hand',
        });
        const skipped = await handle.query(offboardingStatusQuery);
        assert.deepEqual(skipped.accountsFailed, []);
        assert.match(skipped.skipRefusals?.[0]?.reason ?? '', /333333333333 is not waiting for a retry/);
        await handle.signal(approveSignal, { approver: APPROVER });
      },
    });
    assert.equal(final.phase, 'incomplete');
    assert.deepEqual(final.accountsNotCovered, [B]);
    assert.match(final.error ?? '', /1 account\(s\) in scope were never searched: 222222222222/);
    assert.deepEqual(
      final.accountsSkipped?.map((s) => [s.accountId, s.by]),
      [[B, APPROVER]],
    );
    assert.ok(final.users.every((u) => u.actions.some((a) => a.action === 'purged')));
  });

  test('a leaver found nowhere ends not-found, not completed', async (t) => {
    const { final } = await offboarding(t, 'nowhere', {
      request: { match: { userNames: ['nobody'] } },
      script: async () => {},
    });
    assert.equal(final.phase, 'not-found');
    assert.deepEqual(final.accountsSearched, [A, B, C]);
    assert.deepEqual(final.accountsNotCovered, []);
  });

  test('found nowhere yet, one account down: it keeps searching before deciding, and finds the leaver', async (t) => {
    const unreachable = new Set([B]);
    const { final } = await offboarding(t, 'found-late', {
      request: { match: { userNames: ['mallory'] }, scope: { includeAccounts: [B, C] } },
      aws: { unreachable },
      script: async ({ handle, waitFor }) => {
        const retrying = await waitFor('retrying-accounts');
        assert.equal(retrying.users.length, 0);
        await env.sleep('2 hours');
        unreachable.delete(B);
        await waitFor('awaiting-approval');
        await handle.signal(approveSignal, { approver: APPROVER });
      },
    });
    assert.equal(final.phase, 'completed');
    assert.deepEqual(
      final.users.map((u) => u.accountId),
      [B],
    );
  });

  test('a user whose inline-policy quota is full is reported containment-incomplete; the others are contained', async (t) => {
    const { final } = await offboarding(t, 'quota', {
      aws: { policyQuotaFullFor: new Set([`${B}/mallory`]) },
      script: async ({ handle, waitFor }) => {
        const waiting = await waitFor('awaiting-approval');
        assert.equal(waiting.containmentComplete, false);
        const half = waiting.users.find((u) => u.accountId === B)!;
        assert.equal(half.containedAt, undefined, 'not reported contained');
        assert.deepEqual(
          { keys: half.containment?.keysDeactivated, policy: half.containment?.denyPolicyAttached },
          { keys: true, policy: false },
        );
        assert.match(half.actions.at(-1)?.detail ?? '', /keys deactivated; deny policy NOT attached/);
        assert.ok(waiting.users.find((u) => u.accountId === A)?.containedAt);
        await handle.signal(cancelSignal, { approver: HR });
      },
    });
    assert.equal(final.phase, 'restored');
    const half = final.users.find((u) => u.accountId === B)!;
    assert.ok(half.restore, 'a half-contained user is restored from its recorded prior state');
  });
});
