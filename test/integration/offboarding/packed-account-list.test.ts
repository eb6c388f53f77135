import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { temporal } from '@temporalio/proto';
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { AccountScope } from '../../../activities/aws/account-scope';
import { accountListAnswer, type AccountListOptions } from '../../../activities/organization-activities';
import { OffboardingRequestSchema } from '../../../domain/offboarding-request';
import { approveSignal } from '../../../workflows/messages';
import { PACKED_ACCOUNT_LIST } from '../../../workflows/account-listing';
import { orgAccounts } from '../../../workflows/org-accounts';
import { scriptedOffboarding, type ScriptedLeaver } from '../../replay/scripted-offboarding';
import type { scriptedAws } from '../../support/scripted-aws';
import {
  startOffboardingOnTestServer,
  waitForGateInRealTime,
} from '../../support/offboarding-on-test-server';
import { scriptedWorker, timeSkippingEnv } from '../../support/time-skipping';

const EventType = temporal.api.enums.v1.EventType;
type History = temporal.api.history.v1.IHistory;

const APPROVER = 'security-lead@example.com';
const ACCOUNTS = Array.from({ length: 30 }, (_, i) => String(500_000_000_000 + i));
const LEAVER_AT = [3, 27];

const decoded = (data: Uint8Array | null | undefined): unknown =>
  data ? JSON.parse(Buffer.from(data).toString('utf8')) : undefined;

/** What the run asked the listing for and what came back, as its history records them. */
function listingInHistory(history: History) {
  const events = history.events ?? [];
  const scheduled = events.find(
    (e) =>
      e.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED &&
      e.activityTaskScheduledEventAttributes?.activityType?.name === 'listAccountsInScope',
  );
  assert.ok(scheduled, 'the run listed the accounts');
  const completed = events.find(
    (e) =>
      e.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED &&
      String(e.activityTaskCompletedEventAttributes?.scheduledEventId) === String(scheduled.eventId),
  );
  const markers = events
    .filter((e) => e.eventType === EventType.EVENT_TYPE_MARKER_RECORDED)
    .map((e) => decoded(e.markerRecordedEventAttributes?.details?.['patch-data']?.payloads?.[0]?.data));
  return {
    args: (scheduled.activityTaskScheduledEventAttributes?.input?.payloads ?? []).map((p) => decoded(p.data)),
    result: decoded(completed?.activityTaskCompletedEventAttributes?.result?.payloads?.[0]?.data),
    patched: markers.some((m) => (m as { id?: string } | undefined)?.id === PACKED_ACCOUNT_LIST),
  };
}

/**
 * Runs since packing ask for the account list packed, and take the plain list that a worker
 * predating packing still returns during a rolling deploy: either way every account is searched.
 */
describe('the account list, packed or plain', () => {
  let env: TestWorkflowEnvironment;
  before(async () => {
    env = await timeSkippingEnv();
  });
  after(async () => env?.teardown());

  for (const worker of ['packs the list', 'predates packing'] as const) {
    test(`an offboarding over 30 accounts on a worker that ${worker} searches every account`, async () => {
      const org: Record<string, ScriptedLeaver[]> = Object.fromEntries(
        ACCOUNTS.map((a, i) => [
          a,
          LEAVER_AT.includes(i) ? [{ userName: 'mallory', accessKeyIds: [`AKIAMALLORY${i}`] }] : [],
        ]),
      );
      const leavers = scriptedOffboarding(org);
      const activities = {
        ...leavers.activities,
        ...(worker === 'predates packing'
          ? { listAccountsInScope: (scope: AccountScope) => leavers.activities.listAccountsInScope(scope) }
          : {}),
      };
      const scripted = { activities } as unknown as ReturnType<typeof scriptedAws>;
      const { worker: running, taskQueue } = await scriptedWorker(env, scripted);
      const request = OffboardingRequestSchema.parse({
        employeeId: `packed-${worker.replace(/ /g, '-')}-${Date.now()}`,
        initiator: 'hr-system@example.com',
        match: { userNames: ['mallory'] },
        approval: { approvers: [APPROVER] },
      });
      const { final, history } = await running.runUntil(async () => {
        const handle = await startOffboardingOnTestServer(env, taskQueue, request, await env.currentTimeMs());
        assert.equal((await waitForGateInRealTime(handle, 200)).phase, 'awaiting-approval');
        await handle.signal(approveSignal, { approver: APPROVER });
        return { final: await handle.result(), history: await handle.fetchHistory() };
      });
      const listing = listingInHistory(history);
      assert.equal(listing.patched, true, 'the run recorded that it asks for the packed list');
      assert.deepEqual(listing.args[1], { packed: true } satisfies AccountListOptions);
      if (worker === 'packs the list') {
        assert.equal((listing.result as { packed?: number }).packed, 1, 'the list came packed');
      } else {
        assert.ok(Array.isArray(listing.result), 'the list came plain');
      }
      assert.deepEqual(final.accountsSearched, [...ACCOUNTS].sort());
      assert.deepEqual(
        final.users.map((u) => u.accountId).sort(),
        LEAVER_AT.map((i) => ACCOUNTS[i]),
        'the leaver found in both accounts',
      );
      assert.equal(final.phase, 'completed');
    });
  }

  test('the listing workflow a campaign fans out from gives the same accounts from a packed and a plain answer', async () => {
    const listed = ACCOUNTS.map((accountId, i) => ({
      accountId,
      name: `workload-${i}`,
      ...(i % 3 === 0 ? {} : { ouId: `ou-ab12-team000${i % 3}`, ouName: `Team ${i % 3}` }),
    }));
    const scope: AccountScope = {
      allAccounts: true,
      includeOus: [],
      excludeOus: [],
      includeAccounts: [],
      excludeAccounts: [],
    };
    const results: unknown[] = [];
    for (const packs of [true, false]) {
      const activities = {
        listAccountsInScope: (_: AccountScope, options?: AccountListOptions) =>
          Promise.resolve(accountListAnswer(listed, packs ? options : undefined)),
      };
      const scripted = { activities } as unknown as ReturnType<typeof scriptedAws>;
      const { worker, taskQueue } = await scriptedWorker(env, scripted);
      results.push(
        await worker.runUntil(
          env.client.workflow.execute(orgAccounts, {
            taskQueue,
            workflowId: `org-accounts-${packs}-${Date.now()}`,
            args: [scope],
            // A run whose task keeps failing ends here (in skipped time) instead of hanging the test.
            workflowExecutionTimeout: '10 minutes',
          }),
        ),
      );
    }
    assert.deepEqual(results[0], listed);
    assert.deepEqual(results[1], listed);
  });
});
