import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { temporal } from '@temporalio/proto';
import type { BenchFigures, RotationProfile } from '../../bench/figures';
import { rotationProfileSection } from '../../bench/render-rotation-profile';
import { addHistory } from '../../bench/rotation-profile';

const E = temporal.api.enums.v1.EventType;
const at = (ms: number) => ({ seconds: Math.floor(ms / 1000), nanos: (ms % 1000) * 1e6 });

const emptyProfile = (): RotationProfile => ({
  workflowRuns: {},
  historyEvents: 0,
  workflowTasks: { count: 0, queueMs: 0, runMs: 0 },
  activities: {},
  signalsSent: 0,
});

describe('the rotation profile from workflow histories', () => {
  test('workflow tasks and activities are split into queue and run time; retries and signals are counted', () => {
    const profile = emptyProfile();
    const events: Array<Record<string, unknown>> = [
      { eventId: 1, eventTime: at(1_000), eventType: E.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED },
      { eventId: 2, eventTime: at(1_100), eventType: E.EVENT_TYPE_WORKFLOW_TASK_STARTED },
      {
        eventId: 3,
        eventTime: at(1_150),
        eventType: E.EVENT_TYPE_WORKFLOW_TASK_COMPLETED,
        workflowTaskCompletedEventAttributes: { scheduledEventId: 1, startedEventId: 2 },
      },
      {
        eventId: 4,
        eventTime: at(1_200),
        eventType: E.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED,
        activityTaskScheduledEventAttributes: { activityType: { name: 'inspectUserKeys' } },
      },
      {
        eventId: 5,
        eventTime: at(3_200),
        eventType: E.EVENT_TYPE_ACTIVITY_TASK_STARTED,
        activityTaskStartedEventAttributes: { attempt: 3 },
      },
      {
        eventId: 6,
        eventTime: at(3_700),
        eventType: E.EVENT_TYPE_ACTIVITY_TASK_COMPLETED,
        activityTaskCompletedEventAttributes: { scheduledEventId: 4, startedEventId: 5 },
      },
      {
        eventId: 7,
        eventTime: at(3_800),
        eventType: E.EVENT_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED,
      },
    ];
    // As the client hands a history out: int64 fields as Long.
    addHistory(
      profile,
      events.map((e) => temporal.api.history.v1.HistoryEvent.fromObject(e)),
    );
    assert.equal(profile.historyEvents, 7);
    assert.deepEqual(profile.workflowTasks, { count: 1, queueMs: 100, runMs: 50 });
    assert.deepEqual(profile.activities.inspectUserKeys, {
      count: 1,
      queueMs: 2_000,
      runMs: 500,
      retries: 2,
    });
    assert.equal(profile.signalsSent, 1);
  });

  test('the doc shows the median run at the largest size, its steps sorted by total run time', () => {
    const profile = emptyProfile();
    profile.workflowRuns = { rotationCampaign: 1, accountRotation: 10, keyRotation: 50 };
    profile.workflowTasks = { count: 400, queueMs: 40_000, runMs: 8_000 };
    profile.activities = {
      inspectUserKeys: { count: 100, queueMs: 1_000, runMs: 5_000, retries: 0 },
      createAndStageKey: { count: 50, queueMs: 500, runMs: 20_000, retries: 1 },
    };
    const f = {
      rotation: [
        {
          accounts: 10,
          keywarden: [
            { rotated: 50, seconds: 30 },
            { rotated: 50, seconds: 20, gateSeconds: 12.5, profile },
            { rotated: 50, seconds: 10 },
          ],
          sdk: [],
        },
      ],
    } as unknown as BenchFigures;
    const text = rotationProfileSection(f).join('\n');
    assert.match(text, /median run at 10 accounts \(20\.0 s, 50 keys; the gate opened at 12\.5 s\)/);
    assert.match(text, /1 rotationCampaign, 10 accountRotation, 50 keyRotation workflow runs/);
    assert.match(text, /\| workflow tasks \| 400 \| – \| 100 ms \| 20 ms \| 8\.0 s \|/);
    assert.match(
      text,
      /\| activity createAndStageKey \| 50 \| 1 \| 10 ms \| 400 ms \| 20\.0 s \|\n\| activity inspectUserKeys \|/,
    );
    assert.match(
      text,
      /Workflow tasks ran 8\.0 s in all, against 25\.0 s for every activity together \(0\.3x\); 400 tasks waited 100 ms on average/,
    );
  });

  test('no profile, no section', () => {
    const f = {
      rotation: [{ accounts: 10, keywarden: [{ rotated: 50, seconds: 20 }], sdk: [] }],
    } as unknown as BenchFigures;
    assert.deepEqual(rotationProfileSection(f), []);
  });
});
