import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { UsageError } from '../../../client/cli-error';
import { formatDuration, timingText } from '../../../client/report/schedule-text';
import { campaignStartOptions } from '../../../client/campaign-start-options';
import { parseScheduleCreateOptions } from '../../../client/schedule-options';
import { CampaignSpecSchema } from '../../../domain/campaign-spec';

function refused(raw: Parameters<typeof parseScheduleCreateOptions>[0], pattern: RegExp): void {
  assert.throws(
    () => parseScheduleCreateOptions(raw),
    (error: unknown) => {
      assert.ok(error instanceof UsageError, `expected a UsageError, got ${String(error)}`);
      assert.equal(error.exitCode, 2);
      assert.match(error.message, pattern);
      return true;
    },
  );
}

describe('schedule create options', () => {
  test('--every takes the spec duration format; the catch-up window defaults to one day', () => {
    const opts = parseScheduleCreateOptions({ every: '90d' });
    assert.deepEqual(opts, {
      timing: { kind: 'interval', everyMs: 90 * 86_400_000 },
      catchupWindowMs: 86_400_000,
      paused: false,
      inventory: false,
    });
  });

  test('--cron keeps the expression; --catchup-window, --paused and --inventory are read', () => {
    const opts = parseScheduleCreateOptions({
      cron: ' 0 6 * * MON ',
      catchupWindow: '6h',
      paused: true,
      inventory: true,
    });
    assert.deepEqual(opts, {
      timing: { kind: 'cron', expression: '0 6 * * MON' },
      catchupWindowMs: 6 * 3_600_000,
      paused: true,
      inventory: true,
    });
    assert.deepEqual(parseScheduleCreateOptions({ cron: '@daily' }).timing, {
      kind: 'cron',
      expression: '@daily',
    });
  });

  test('exactly one of --every and --cron', () => {
    refused({}, /--every 90d, or --cron/);
    refused({ every: '1d', cron: '@daily' }, /either --every or --cron, not both/);
  });

  test('a bad --every says what the format is', () => {
    refused(
      { every: '90 days' },
      /--every "90 days" is not a duration: use a number followed by ms, s, m, h or d/,
    );
    refused({ every: '0d' }, /--every "0d" is not a duration/);
    refused({ every: '30s' }, /--every "30s" is shorter than a minute/);
  });

  test('a bad --cron is refused before anything connects', () => {
    refused({ cron: '' }, /--cron "" is empty/);
    refused({ cron: 'every monday' }, /--cron "every monday" is not a cron expression: give 5 fields/);
    refused({ cron: '0 6 * *\n* MON' }, /must be one line/);
  });

  test('a bad --catchup-window is refused', () => {
    refused({ every: '1d', catchupWindow: 'soon' }, /--catchup-window "soon" is not a duration/);
    refused(
      { every: '1d', catchupWindow: '5s' },
      /--catchup-window "5s" is shorter than Temporal's minimum of 10 seconds/,
    );
  });

  test('describe prints durations in the spec format', () => {
    assert.equal(formatDuration(90 * 86_400_000), '90d');
    assert.equal(formatDuration(36 * 3_600_000), '36h');
    assert.equal(formatDuration(90_000), '90s');
    assert.equal(formatDuration(1_500), '1500ms');
    assert.equal(timingText({ kind: 'interval', everyMs: 86_400_000 }), 'every 1d');
    assert.equal(timingText({ kind: 'cron', expression: '0 6 * * MON' }), 'cron "0 6 * * MON"');
  });
});

describe('the scheduled action is the campaign rotate starts', () => {
  const spec = CampaignSpecSchema.parse({
    id: 'q3-rotation',
    name: 'Quarterly',
    initiator: 'platform-team@example.com',
    scope: { allAccounts: true },
    approval: { approvers: ['security-lead@example.com', 'ciso@example.com'], requiredApprovals: 1 },
  });

  test('the same input, search attributes and task queue; --inventory forces a dry run', () => {
    const rotation = campaignStartOptions(spec, 'keywarden');
    assert.equal(rotation.workflowType, 'rotationCampaign');
    assert.equal(rotation.taskQueue, 'keywarden');
    assert.deepEqual(rotation.args, [{ spec }]);
    assert.deepEqual(
      rotation.typedSearchAttributes.map((pair) => [pair.key.name, pair.value]),
      [
        ['KeywardenKind', 'campaign'],
        ['KeywardenCampaignId', 'q3-rotation'],
        ['KeywardenInitiator', 'platform-team@example.com'],
      ],
    );
    const inventory = campaignStartOptions(spec, 'keywarden', { dryRun: true });
    assert.equal(inventory.args[0].spec.dryRun, true);
    assert.deepEqual(inventory.args[0].spec.approval, spec.approval);
    assert.equal(spec.dryRun, false, 'the parsed spec itself is not changed');
    assert.match(inventory.staticDetails, /dry run: nothing changes/);
  });
});
