import type { History } from '@temporalio/common/lib/proto-utils';
import {
  DefaultLogger,
  ReplayError,
  Runtime,
  Worker,
  bundleWorkflowCode,
  type WorkflowBundleOption,
} from '@temporalio/worker';
import { DeterminismViolationError } from '@temporalio/workflow';
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import * as workflows from '../../../workflows';
import { STACK_ENV } from '../../harness/stack-env';
import {
  historyFiles,
  historyFromJson,
  loadHistory,
  readIndex,
  startedWorkflowType,
  type GoldenHistory,
} from '../../replay/golden-histories';
import { CONCURRENT_CHILD_STARTS } from '../../../workflows/child-book';
import { SHARDED_CAMPAIGNS } from '../../../workflows/campaign-shards';
import { ACCOUNTS_IN_FLIGHT_40 } from '../../../workflows/offboard-employee';
import { workflowBundleOptions } from '../../../worker/workflow-bundle-options';

// Replay workers log every state change, and the checks below fail workflow tasks on purpose: the
// assertions carry what matters.
Runtime.install({
  logger: new DefaultLogger('WARN'),
  telemetryOptions: { logging: { filter: { core: 'ERROR', other: 'ERROR' }, forward: {} } },
});

/**
 * Workflow types that need no golden history: each runs its activities in a row, for minutes at
 * most, and never waits for a timer or a message, so no deploy finds one asleep.
 */
const NOT_RECORDED = new Set(['orgAccounts', 'keyLookup', 'monitorQueueCheck', 'rollbackStoredKey']);

/** The harness builds one bundle for every test file; run alone, bundle the workflows here. */
async function workflowBundle(): Promise<WorkflowBundleOption> {
  const prebuilt = process.env[STACK_ENV.workflowBundle];
  if (prebuilt) return { codePath: prebuilt };
  const { code } = await bundleWorkflowCode({
    ...workflowBundleOptions(),
    logger: new DefaultLogger('WARN'),
  });
  return { code };
}

/** Replays one history (already a History, as the SDK's own JSON reader may not work here). */
function replay(bundle: WorkflowBundleOption, history: History, workflowId: string): Promise<void> {
  return Worker.runReplayHistory({ workflowBundle: bundle }, history, workflowId);
}

/** A copy of a stored JSON history, with `change` applied to its JSON form. */
function altered(golden: GoldenHistory, change: (json: HistoryJson) => void): History {
  const json = structuredClone(golden.json) as HistoryJson;
  change(json);
  return historyFromJson(json);
}

interface HistoryJson {
  events: Array<{
    eventType: string;
    workflowExecutionStartedEventAttributes?: { workflowType: { name: string } };
    activityTaskScheduledEventAttributes?: {
      activityType: { name: string };
      workflowTaskCompletedEventId?: string;
    };
    markerRecordedEventAttributes?: { details?: Record<string, { payloads?: Array<{ data: string }> }> };
    startChildWorkflowExecutionInitiatedEventAttributes?: {
      workflowTaskCompletedEventId: string;
      workflowId?: string;
    };
  }>;
}

type HistoryEvent = HistoryJson['events'][number];

/** The patch IDs a marker event records (core's `patch-data` payload: JSON `{"id": …}`). */
function patchIds(event: HistoryEvent): string[] {
  const payloads = event.markerRecordedEventAttributes?.details?.['patch-data']?.payloads ?? [];
  return payloads.map(
    (p) => (JSON.parse(Buffer.from(p.data, 'base64').toString('utf8')) as { id: string }).id,
  );
}

/** How many children each workflow task started, by the task's completion event. */
function childStartsPerTask(json: HistoryJson): number[] {
  const perTask = new Map<string, number>();
  for (const e of json.events) {
    const task = e.startChildWorkflowExecutionInitiatedEventAttributes?.workflowTaskCompletedEventId;
    if (task !== undefined) perTask.set(task, (perTask.get(task) ?? 0) + 1);
  }
  return [...perTask.values()];
}

/**
 * Sagas sleep for weeks and campaigns run for months, so a deploy meets workflows that started on
 * older code. The golden histories (test/fixtures/histories/, recorded by `npm run
 * record-histories`) were taken at the points where the workflows wait; the current workflow
 * code must replay every one of them, or running workflows would fail after the deploy.
 */
describe('golden histories replay on the current workflow code', () => {
  const index = readIndex();
  let bundle: WorkflowBundleOption;
  let goldens: GoldenHistory[];

  before(async () => {
    bundle = await workflowBundle();
    goldens = index.histories.map((entry) => loadHistory(entry));
  });

  test('every history file is listed in the index, and records the workflow type the index says', () => {
    assert.deepEqual(
      index.histories.map((e) => e.file).sort(),
      historyFiles(),
      'index.json lists exactly the history files (re-run npm run record-histories)',
    );
    for (const golden of goldens) {
      assert.equal(startedWorkflowType(golden.history), golden.workflowType, golden.file);
      assert.ok(golden.bytes < 1024 * 1024, `${golden.file} is under 1 MB (${golden.bytes} bytes)`);
    }
  });

  test('there is a history of every workflow type workflows/index.ts exports (orgAccounts aside)', (t) => {
    const exported = Object.keys(workflows)
      .filter((name) => !NOT_RECORDED.has(name))
      .sort();
    const found = [...new Set(goldens.map((g) => g.workflowType))].sort();
    t.diagnostic(`workflow types with golden histories: ${found.join(', ')}`);
    for (const type of found) {
      const files = goldens
        .filter((g) => g.workflowType === type)
        .map((g) => `${g.file} (${g.events} events)`);
      t.diagnostic(`${type}: ${files.join(', ')}`);
    }
    assert.deepEqual(
      exported.filter((type) => !found.includes(type)),
      [],
      'workflow types without a golden history: add a waiting point to test/replay/record-histories.ts',
    );
  });

  test('every golden history replays without a determinism error', async () => {
    const failures: string[] = [];
    let replayed = 0;
    const histories = goldens.map((g) => ({ workflowId: g.workflowId, history: g.history }));
    for await (const result of Worker.runReplayHistories({ workflowBundle: bundle }, histories)) {
      const golden = goldens[replayed++] as GoldenHistory;
      if (result.error) failures.push(`${golden.file} (${golden.workflowType}): ${result.error.message}`);
    }
    assert.equal(replayed, goldens.length, 'every history was replayed');
    assert.deepEqual(failures, [], 'histories the current workflow code cannot replay');
  });

  test('the histories carry every message between workflows that workflows judge, so a change in judging replays against recorded ones', () => {
    const signalled = new Set(
      goldens.flatMap((g) =>
        (g.history.events ?? []).flatMap((e) => {
          const name = e.workflowExecutionSignaledEventAttributes?.signalName;
          return name ? [name] : [];
        }),
      ),
    );
    for (const name of [
      'keywarden.keyProgress',
      'keywarden.accountProgress',
      'keywarden.accountDecision',
      'keywarden.keyDecision',
    ])
      assert.ok(signalled.has(name), `no golden history holds a ${name} signal`);
  });

  describe('the check bites', () => {
    const named = (file: string): GoldenHistory => {
      const golden = goldens.find((g) => g.file === file);
      assert.ok(golden, `golden history ${file} exists`);
      return golden;
    };

    test('a keyRotation history replayed as rotationCampaign fails its workflow task', async () => {
      // The campaign code cannot even read a saga's input: the SDK reports a ReplayError.
      const saga = named('key-rotation-adoption-window.json');
      const swapped = altered(saga, (json) => {
        const started = json.events[0]?.workflowExecutionStartedEventAttributes;
        assert.ok(started);
        started.workflowType.name = 'rotationCampaign';
      });
      await assert.rejects(replay(bundle, swapped, saga.workflowId), (error: unknown) => {
        assert.ok(error instanceof ReplayError, `a ReplayError, not ${String(error)}`);
        assert.match(error.message, /workflow task failure/);
        return true;
      });
    });

    test('an accountRotation history replayed as rotationCampaign is a determinism violation', async () => {
      // Both take a spec, so the campaign code runs, and issues other commands than the history holds.
      const account = named('account-rotation-awaiting-decision.json');
      const swapped = altered(account, (json) => {
        const started = json.events[0]?.workflowExecutionStartedEventAttributes;
        assert.ok(started);
        started.workflowType.name = 'rotationCampaign';
      });
      await assert.rejects(replay(bundle, swapped, account.workflowId), (error: unknown) => {
        assert.ok(
          error instanceof DeterminismViolationError,
          `a DeterminismViolationError, not ${String(error)}`,
        );
        assert.match(error.message, /Nondeterminism error/);
        return true;
      });
    });

    /** As a history of code from before the patch would read: the marker names another patch. */
    const withoutMarker = (golden: ReturnType<typeof named>, marker: string) =>
      altered(golden, (h) => {
        for (const e of h.events) {
          if (!patchIds(e).includes(marker)) continue;
          const payload = e.markerRecordedEventAttributes?.details?.['patch-data']?.payloads?.[0];
          assert.ok(payload);
          payload.data = Buffer.from(JSON.stringify({ id: 'another-patch', deprecated: false })).toString(
            'base64',
          );
        }
      });
    const isDeterminismViolation = (error: unknown) => {
      assert.ok(
        error instanceof DeterminismViolationError,
        `a DeterminismViolationError, not ${String(error)}`,
      );
      return true;
    };

    for (const file of [
      'v3/rotation-campaign-children-together.json',
      'v3/account-rotation-children-together.json',
    ]) {
      test(`${file}: children started together replay only under the concurrent-child-starts marker`, async () => {
        const golden = named(file);
        const json = golden.json as HistoryJson;
        assert.ok(
          json.events.some((e) => patchIds(e).includes(CONCURRENT_CHILD_STARTS)),
          'the history records the patch',
        );
        assert.ok(
          childStartsPerTask(json).some((n) => n >= 2),
          'one workflow task started several children',
        );
        // The run takes the one-by-one path.
        await assert.rejects(
          replay(bundle, withoutMarker(golden, CONCURRENT_CHILD_STARTS), golden.workflowId),
          isDeterminismViolation,
        );
      });
    }

    test('v4/rotation-campaign-sharded.json: a campaign starts shards only under the campaigns-in-shards marker', async () => {
      const golden = named('v4/rotation-campaign-sharded.json');
      const json = golden.json as HistoryJson;
      assert.ok(
        json.events.some((e) => patchIds(e).includes(SHARDED_CAMPAIGNS)),
        'the history records the patch',
      );
      const started = json.events.flatMap((e) => {
        const a = e.startChildWorkflowExecutionInitiatedEventAttributes;
        return a ? [a.workflowId ?? ''] : [];
      });
      assert.deepEqual(started, [`${golden.workflowId}/shard-0`, `${golden.workflowId}/shard-1`]);
      // Without the marker the run would start its accounts itself, as campaigns did before shards.
      await assert.rejects(
        replay(bundle, withoutMarker(golden, SHARDED_CAMPAIGNS), golden.workflowId),
        isDeterminismViolation,
      );
    });

    /** How many containLeaverInAccounts batches each workflow task scheduled, in order. */
    const batchesPerTask = (json: HistoryJson): number[] => {
      const perTask = new Map<string, number>();
      for (const e of json.events) {
        const a = e.activityTaskScheduledEventAttributes;
        if (a?.activityType.name !== 'containLeaverInAccounts') continue;
        const task = a.workflowTaskCompletedEventId ?? '';
        perTask.set(task, (perTask.get(task) ?? 0) + 1);
      }
      return [...perTask.values()];
    };

    test('thirty accounts: runs from before the accounts-in-flight-40 marker keep 20 at once, new runs take 40', async () => {
      // The same offboarding, recorded on the code before the change (v5) and after it (v6).
      const before = named('v5/offboard-employee-thirty-accounts.json');
      const after = named('v6/offboard-employee-thirty-accounts.json');
      const hasMarker = (g: GoldenHistory) =>
        (g.json as HistoryJson).events.some((e) => patchIds(e).includes(ACCOUNTS_IN_FLIGHT_40));
      assert.equal(hasMarker(before), false);
      assert.deepEqual(
        batchesPerTask(before.json as HistoryJson),
        [2, 1],
        'two batches of ten, then the third',
      );
      assert.equal(hasMarker(after), true);
      assert.deepEqual(batchesPerTask(after.json as HistoryJson), [3], 'three batches in one workflow task');
      // Both replay on the current code: each run keeps the fan-out it started with.
      await replay(bundle, before.history, before.workflowId);
      await replay(bundle, after.history, after.workflowId);
    });

    test('a keyRotation history whose first activity was another one is a determinism violation', async () => {
      // As if the code had called another activity first: what a change without patched() does.
      const saga = named('key-rotation-adoption-window.json');
      const renamed = altered(saga, (json) => {
        const scheduled = json.events.find(
          (e) => e.activityTaskScheduledEventAttributes,
        )?.activityTaskScheduledEventAttributes;
        assert.ok(scheduled);
        scheduled.activityType.name = `${scheduled.activityType.name}Before`;
      });
      await assert.rejects(replay(bundle, renamed, saga.workflowId), (error: unknown) => {
        assert.ok(
          error instanceof DeterminismViolationError,
          `a DeterminismViolationError, not ${String(error)}`,
        );
        assert.match(
          error.message,
          /Activity type of scheduled event 'inspectUserKeysBefore' does not match/,
        );
        return true;
      });
    });
  });
});
