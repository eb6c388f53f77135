import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { setTimeout as delay } from 'node:timers/promises';
import { describe, test } from 'node:test';
import { defaultPayloadConverter, msToTs } from '@temporalio/common';
import type { temporal } from '@temporalio/proto';
import { phaseEnteredAt } from '../../../client/watch/phase-history';
import { PlainProgressView } from '../../../client/watch/plain-progress-view';
import {
  campaignProgress,
  offboardingProgress,
  type ProgressSnapshot,
} from '../../../client/watch/progress-snapshot';
import { formatDuration, progressKey, progressLine } from '../../../client/watch/progress-text';
import { TerminalProgressView } from '../../../client/watch/terminal-progress-view';
import { watchWorkflow } from '../../../client/watch/watch-workflow';
import { CliError } from '../../../client/cli-error';
import type { TemporalSession } from '../../../client/temporal-connection';
import type { CampaignStatus } from '../../../domain/rotation-report';
import { campaignStatus, offboardingStatus } from './fixtures';

const T0 = new Date('2025-06-01T10:00:00.000Z');
const after = (ms: number) => new Date(T0.getTime() + ms);

function snapshot(overrides: Partial<ProgressSnapshot> = {}): ProgressSnapshot {
  return {
    workflowId: 'q3-rotation',
    phase: 'rotating',
    phaseSince: { at: T0, approximate: false },
    accounts: { done: 1, total: 3 },
    users: [{ outcome: 'rotated', count: 2 }],
    executionStatus: 'RUNNING',
    ...overrides,
  };
}

describe('status --watch: what a snapshot holds', () => {
  test('a campaign: accounts done (finished, failed, never started) of those in scope; users by outcome', () => {
    const fields = campaignProgress(
      campaignStatus({
        phase: 'rotating',
        accounts: {
          inScope: 5,
          started: 4,
          working: 1,
          waiting: 0,
          readyForApproval: 0,
          finished: 2,
          failed: 1,
          notStarted: 0,
        },
        users: { skipped: 3, rotated: 4 },
        usersAwaitingDecision: 2,
      }),
    );
    assert.deepEqual(fields, {
      workflowId: 'q3-rotation',
      phase: 'rotating',
      accounts: { done: 3, total: 5 },
      users: [
        { outcome: 'rotated', count: 4 },
        { outcome: 'skipped', count: 3 },
        { outcome: 'awaiting decision', count: 2 },
      ],
    });
  });

  test('an offboarding: accounts searched of those tried; users by containment state', () => {
    const status = offboardingStatus();
    const fields = offboardingProgress(status);
    assert.equal(fields.workflowId, 'offboard-e-42');
    assert.equal(fields.phase, 'completed');
    const searched = status.accountsSearched.length + (status.accountsSkipped ?? []).length;
    assert.deepEqual(fields.accounts, { done: searched, total: searched + status.accountsFailed.length });
    assert.equal(
      fields.users.reduce((n, u) => n + u.count, 0),
      status.users.length,
      'every user is counted once',
    );
  });
});

describe('status --watch: plain lines', () => {
  test('durations read at a glance', () => {
    assert.equal(formatDuration(0), '0s');
    assert.equal(formatDuration(59_999), '59s');
    assert.equal(formatDuration(185_000), '3m05s');
    assert.equal(formatDuration(2 * 3_600_000 + 3 * 60_000), '2h03m');
    assert.equal(formatDuration(28 * 3_600_000), '1d04h');
  });

  test('a line names the workflow, the phase and its time, accounts and users', () => {
    assert.equal(
      progressLine(snapshot(), after(65_000)),
      'q3-rotation | phase rotating for 1m05s | accounts 1/3 done | users: 2 rotated',
    );
    assert.equal(
      progressLine(snapshot({ phaseSince: { at: T0, approximate: true }, users: [] }), after(5_000)),
      'q3-rotation | phase rotating for at least 5s | accounts 1/3 done | users: none yet',
    );
    assert.equal(
      progressLine(snapshot({ executionStatus: 'COMPLETED', phase: 'completed' }), after(5_000)),
      'q3-rotation | ended completed | phase completed | accounts 1/3 done | users: 2 rotated',
    );
    assert.ok(!progressLine(snapshot(), after(1)).includes('\u001b'), 'no escape codes');
  });

  test('the key leaves out the ticking time, so only a real change makes a new line', () => {
    const view: string[] = [];
    let now = T0;
    const plain = new PlainProgressView(
      (line) => view.push(line),
      () => now,
    );
    plain.update(snapshot());
    now = after(10_000);
    plain.update(snapshot());
    assert.equal(
      progressKey(snapshot()),
      'q3-rotation | phase rotating | accounts 1/3 done | users: 2 rotated',
    );
    assert.equal(view.length, 1, 'the same state twice is one line');
    plain.update(snapshot({ accounts: { done: 2, total: 3 } }));
    plain.update(snapshot({ phase: 'awaiting-approval', phaseSince: { at: now, approximate: false } }));
    plain.update(snapshot({ phase: 'completed', executionStatus: 'COMPLETED' }));
    plain.stop();
    assert.deepEqual(view, [
      'q3-rotation | phase rotating for 0s | accounts 1/3 done | users: 2 rotated',
      'q3-rotation | phase rotating for 10s | accounts 2/3 done | users: 2 rotated',
      'q3-rotation | phase awaiting-approval for 0s | accounts 1/3 done | users: 2 rotated',
      'q3-rotation | ended completed | phase completed | accounts 1/3 done | users: 2 rotated',
    ]);
  });
});

describe('status --watch: on a terminal', () => {
  test('draws an accounts bar and the phase and users lines with cli-progress', async () => {
    const stream = Object.assign(new PassThrough(), { isTTY: true, columns: 100 });
    const chunks: string[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk.toString('utf8')));
    const view = new TerminalProgressView(stream as unknown as NodeJS.WriteStream, () => after(65_000));
    view.update(snapshot());
    // cli-progress redraws on its own timer (10 times a second): let it draw the first state.
    await delay(300);
    view.update(
      snapshot({ accounts: { done: 3, total: 3 }, executionStatus: 'COMPLETED', phase: 'completed' }),
    );
    view.stop();
    await new Promise((resolve) => setImmediate(resolve));
    const drawn = chunks.join('');
    assert.match(drawn, /q3-rotation: phase rotating for 1m05s/);
    assert.match(drawn, /accounts \u2588+\u2591* 1\/3 done/);
    assert.match(drawn, /accounts \u2588+ 3\/3 done/);
    assert.match(drawn, /q3-rotation: phase completed \(ended completed\)/);
    assert.match(drawn, /users: 2 rotated/);
  });
});

describe('the time in a phase, from the history', () => {
  const upsert = (phase: string, at: Date): temporal.api.history.v1.IHistoryEvent => ({
    eventTime: msToTs(at.getTime()),
    upsertWorkflowSearchAttributesEventAttributes: {
      searchAttributes: { indexedFields: { KeywardenPhase: defaultPayloadConverter.toPayload(phase) } },
    },
  });

  test('is measured from the last time the run set KeywardenPhase to the phase', () => {
    const events = [
      { eventTime: msToTs(T0.getTime()), workflowExecutionStartedEventAttributes: {} },
      upsert('listing-accounts', after(1_000)),
      upsert('rotating', after(2_000)),
      upsert('awaiting-approval', after(30_000)),
      // Past the gate's timeout the attribute says so, but the status phase stays awaiting-approval.
      upsert('approval-escalated', after(90_000)),
    ];
    assert.deepEqual(phaseEnteredAt(events, 'awaiting-approval'), after(30_000));
    assert.deepEqual(phaseEnteredAt(events, 'rotating'), after(2_000));
    assert.equal(phaseEnteredAt(events, 'finishing'), undefined, 'not entered in this run');
  });
});

describe('watchWorkflow', () => {
  /** A stand-in session: each read answers the next scripted state; the history sets `rotating` at T0. */
  function scriptedSession(script: Array<{ execution: string; status?: CampaignStatus }>) {
    let read = -1;
    const history = {
      events: [
        {
          eventTime: msToTs(T0.getTime()),
          upsertWorkflowSearchAttributesEventAttributes: {
            searchAttributes: {
              indexedFields: { KeywardenPhase: defaultPayloadConverter.toPayload('rotating') },
            },
          },
        },
      ],
    };
    const session = {
      describe: (id: string) => {
        read = Math.min(read + 1, script.length - 1);
        return Promise.resolve({
          id,
          kind: 'campaign',
          executionStatus: script[read]!.execution,
          description: {},
        });
      },
      readStatus: () => {
        const status = script[read]!.status;
        return status === undefined
          ? Promise.reject(new CliError('the campaign workflow ended terminated'))
          : Promise.resolve(status);
      },
      client: { workflow: { getHandle: () => ({ fetchHistory: () => Promise.resolve(history) }) } },
    };
    return session as unknown as TemporalSession;
  }
  const running = (phase: CampaignStatus['phase'], finished: number) =>
    campaignStatus({ phase, accounts: { ...campaignStatus().accounts, inScope: 2, finished } });

  test('reads until the run ends, timing the phase from its history, and returns the last snapshot', async () => {
    const lines: string[] = [];
    const last = await watchWorkflow(
      scriptedSession([
        { execution: 'RUNNING', status: running('rotating', 0) },
        { execution: 'RUNNING', status: running('rotating', 1) },
        { execution: 'COMPLETED', status: running('completed', 2) },
      ]),
      'q3-rotation',
      new PlainProgressView(
        (line) => lines.push(line),
        () => after(42_000),
      ),
      { pollMs: 1, now: () => after(42_000) },
    );
    assert.equal(last.executionStatus, 'COMPLETED');
    assert.deepEqual(last.accounts, { done: 2, total: 2 });
    assert.equal(lines.length, 3);
    assert.match(lines[0]!, /^q3-rotation \| phase rotating for 42s \| accounts 0\/2 done/);
    assert.match(lines[2]!, /^q3-rotation \| ended completed \| phase completed \| accounts 2\/2 done/);
  });

  test('a run terminated while watched ends the watch with its last phase', async () => {
    const lines: string[] = [];
    const last = await watchWorkflow(
      scriptedSession([
        { execution: 'RUNNING', status: running('rotating', 1) },
        { execution: 'TERMINATED' },
      ]),
      'q3-rotation',
      new PlainProgressView((line) => lines.push(line)),
      { pollMs: 1 },
    );
    assert.equal(last.executionStatus, 'TERMINATED');
    assert.match(lines.at(-1)!, /^q3-rotation \| ended terminated \| phase rotating \| accounts 1\/2 done/);
  });

  test('a run that had already ended and answers nothing is an error at once', async () => {
    await assert.rejects(
      watchWorkflow(
        scriptedSession([{ execution: 'TERMINATED' }]),
        'q3-rotation',
        new PlainProgressView(() => {}),
        {
          pollMs: 1,
        },
      ),
      /ended terminated/,
    );
  });
});
