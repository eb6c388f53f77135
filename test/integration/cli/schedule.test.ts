import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import { ScheduleNotFoundError } from '@temporalio/client';
import type { CampaignInput } from '../../../domain/campaign-input';
import type { CampaignStatus } from '../../../domain/rotation-report';
import { KeywardenCampaignId, KeywardenInitiator, KeywardenKind } from '../../../domain/search-attributes';
import type { rotationCampaign } from '../../../workflows/rotation-campaign';
import { APPROVERS, INITIATOR, testSpec, uniqueId, waitForPhase } from '../../support/campaign-helpers';
import { runKeywarden } from '../../support/cli-process';
import { freshOrg, startTestWorker, testStack, type RunningWorker } from '../../support/test-stack';

/** `<spec id>-<scheduled time>`: Temporal appends the scheduled time, to the second, to the action's workflow ID. */
const scheduledRunId = (specId: string) =>
  new RegExp(`^${specId.replace(/[.]/g, '\\.')}-\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ$`);

describe('keywarden schedule: campaigns and inventories on a Temporal Schedule, through the CLI', () => {
  const stack = testStack();
  const dir = mkdtempSync(path.join(tmpdir(), 'keywarden-schedule-'));
  const inventoryId = uniqueId('sched-inv');
  const rotationId = uniqueId('sched-rot');
  const specFile = (id: string, overrides: Record<string, unknown> = {}, name = id) => {
    const file = path.join(dir, `${name}.json`);
    writeFileSync(file, JSON.stringify({ ...testSpec({ id }), ...overrides }));
    return file;
  };
  let worker: RunningWorker;
  let env: NodeJS.ProcessEnv;
  const campaigns: string[] = [];
  const schedules = [inventoryId, rotationId];

  const keywarden = async (...args: string[]) => runKeywarden(env, ...args);
  const describeJson = async (id: string) => {
    const run = await keywarden('schedule', 'describe', id, '--json');
    assert.equal(run.code, 0, run.stderr);
    return JSON.parse(run.stdout) as Record<string, unknown>;
  };
  const scheduleExists = async (id: string) => {
    try {
      await worker.client.schedule.getHandle(id).describe();
      return true;
    } catch (error) {
      if (error instanceof ScheduleNotFoundError) return false;
      throw error;
    }
  };
  /** Schedule listing reads Temporal's visibility store, which catches up a moment after a change. */
  const listedIds = async (expectListed: boolean, id: string) => {
    let ids: string[] = [];
    for (let attempt = 0; attempt < 40; attempt++) {
      const run = await keywarden('schedule', 'list', '--json');
      assert.equal(run.code, 0, run.stderr);
      ids = (JSON.parse(run.stdout) as Array<{ scheduleId: string }>).map((s) => s.scheduleId);
      if (ids.includes(id) === expectListed) break;
      await delay(500);
    }
    return ids;
  };
  const trigger = async (id: string) => {
    const run = await keywarden('schedule', 'trigger', id);
    assert.equal(run.code, 0, run.stderr);
    const campaignId = /started campaign (\S+)/.exec(run.stdout)?.[1];
    assert.ok(campaignId, `trigger printed no campaign: ${run.stdout}`);
    campaigns.push(campaignId);
    return campaignId;
  };

  before(async () => {
    const org = await freshOrg(stack, { memberAccounts: 2 });
    worker = await startTestWorker(stack, org);
    env = {
      ...process.env,
      TEMPORAL_ADDRESS: stack.temporalAddress,
      TEMPORAL_NAMESPACE: stack.namespace,
      KEYWARDEN_TASK_QUEUE: worker.taskQueue,
    };
  });

  after(async () => {
    for (const id of schedules)
      await worker.client.schedule
        .getHandle(id)
        .delete()
        .catch(() => undefined);
    for (const id of campaigns)
      await worker.client.workflow
        .getHandle(id)
        .terminate('test cleanup')
        .catch(() => undefined);
    await worker?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('create --every --inventory: describe shows the interval, SKIP and the catch-up window; list shows it', async () => {
    const run = await keywarden('schedule', 'create', specFile(inventoryId), '--every', '90d', '--inventory');
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, new RegExp(`created schedule ${inventoryId}`));

    const text = await keywarden('schedule', 'describe', inventoryId);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /when: +every 90d/);
    assert.match(text.stdout, /overlap policy: +SKIP/);
    assert.match(text.stdout, /catch-up window: +1d/);
    assert.match(text.stdout, /paused: +no/);
    assert.match(text.stdout, /runs: +inventory \(dry run/);

    const json = await describeJson(inventoryId);
    assert.equal(json.overlapPolicy, 'SKIP');
    assert.equal(json.catchupWindowMs, 86_400_000);
    assert.deepEqual(json.timing, { kind: 'interval', everyMs: 90 * 86_400_000 });
    assert.equal(json.taskQueue, worker.taskQueue);
    assert.equal((json.nextRuns as string[]).length > 0, true, 'a next run time');

    // Temporal keeps the interval itself, not only keywarden's memo of it.
    const described = await worker.client.schedule.getHandle(inventoryId).describe();
    assert.deepEqual(
      described.spec.intervals?.map((i) => i.every),
      [90 * 86_400_000],
    );

    assert.ok((await listedIds(true, inventoryId)).includes(inventoryId), 'list shows the schedule');
  });

  test('trigger starts <spec id>-<time> with rotate --dry-run input and attributes; two runs both complete', async () => {
    const first = await trigger(inventoryId);
    assert.match(first, scheduledRunId(inventoryId));
    const firstHandle = worker.client.workflow.getHandle(first);
    const firstStatus = (await firstHandle.result()) as CampaignStatus;
    assert.equal(firstStatus.phase, 'completed');
    assert.equal(firstStatus.dryRun, true);
    assert.equal(firstStatus.campaignId, first);
    assert.ok(firstStatus.accounts.finished >= 2, 'the member accounts were inventoried');

    const firstDescription = await firstHandle.describe();
    assert.equal(firstDescription.taskQueue, worker.taskQueue);
    assert.equal(firstDescription.typedSearchAttributes.get(KeywardenKind), 'campaign');
    assert.equal(firstDescription.typedSearchAttributes.get(KeywardenCampaignId), inventoryId);
    assert.equal(firstDescription.typedSearchAttributes.get(KeywardenInitiator), INITIATOR);
    const indexed = firstDescription.raw.workflowExecutionInfo?.searchAttributes?.indexedFields ?? {};
    assert.ok('TemporalScheduledById' in indexed, 'Temporal marks the run as started by the schedule');

    const shown = await keywarden('status', first);
    assert.equal(shown.code, 0, shown.stderr);
    assert.match(shown.stdout, new RegExp(first.replace(/[.]/g, '\\.')));
    assert.match(shown.stdout, /completed/);

    // The run ID carries the time to the second: the second trigger must not land in the same second.
    await delay(1_100);
    const second = await trigger(inventoryId);
    assert.match(second, scheduledRunId(inventoryId));
    assert.notEqual(second, first);
    const secondStatus = (await worker.client.workflow.getHandle(second).result()) as CampaignStatus;
    assert.equal(secondStatus.phase, 'completed');
    assert.equal(secondStatus.campaignId, second);
    assert.deepEqual(secondStatus.accounts, firstStatus.accounts, 'the second run inventoried the org again');

    const json = await describeJson(inventoryId);
    const recent = (json.recentRuns as Array<{ campaignId: string }>).map((r) => r.campaignId);
    assert.deepEqual(recent, [first, second]);
    const text = await keywarden('schedule', 'describe', inventoryId);
    assert.match(text.stdout, new RegExp(`recent runs:\\n  ${first}  scheduled .*\\n  ${second}  scheduled`));
  });

  test('pause and unpause show in describe', async () => {
    const paused = await keywarden('schedule', 'pause', inventoryId, '--note', 'change freeze');
    assert.equal(paused.code, 0, paused.stderr);
    let json = await describeJson(inventoryId);
    assert.equal(json.paused, true);
    assert.equal(json.note, 'change freeze');
    assert.match(
      (await keywarden('schedule', 'describe', inventoryId)).stdout,
      /paused: +yes \(change freeze\)/,
    );

    const unpaused = await keywarden('schedule', 'unpause', inventoryId);
    assert.equal(unpaused.code, 0, unpaused.stderr);
    json = await describeJson(inventoryId);
    assert.equal(json.paused, false);
  });

  test('a rotation schedule on --cron carries the spec and its approval settings exactly as rotate starts it', async () => {
    const run = await keywarden(
      'schedule',
      'create',
      specFile(rotationId),
      '--cron',
      '0 6 * * MON',
      '--catchup-window',
      '6h',
      '--paused',
    );
    assert.equal(run.code, 0, run.stderr);
    const json = await describeJson(rotationId);
    assert.deepEqual(json.timing, { kind: 'cron', expression: '0 6 * * MON' });
    assert.equal(json.mode, 'rotation');
    assert.equal(json.paused, true);
    assert.equal(json.catchupWindowMs, 6 * 3_600_000);
    for (const next of json.nextRuns as string[]) {
      const at = new Date(next);
      assert.equal(at.getUTCDay(), 1, `${next} is a Monday`);
      assert.equal(at.getUTCHours(), 6);
    }

    const described = await worker.client.schedule.getHandle(rotationId).describe();
    assert.equal(described.action.workflowType, 'rotationCampaign');
    assert.equal(described.action.workflowId, rotationId);
    const [input] = described.action.args as [CampaignInput];
    assert.deepEqual(input, { spec: testSpec({ id: rotationId }) });
    assert.equal(input.spec.dryRun, false);
    assert.deepEqual(input.spec.approval.approvers, APPROVERS);
    assert.equal(input.spec.approval.requiredApprovals, 1);
  });

  test('creating the same schedule twice is refused with a clear message', async () => {
    const again = await keywarden('schedule', 'create', specFile(rotationId), '--every', '1d');
    assert.equal(again.code, 2);
    assert.match(again.stderr, new RegExp(`a schedule with ID ${rotationId} already exists`));
    const json = await describeJson(rotationId);
    assert.equal(json.mode, 'rotation');
    assert.deepEqual(json.timing, { kind: 'cron', expression: '0 6 * * MON' }, 'the first one is untouched');
  });

  test('a triggered rotation run waits for the approvals its spec requires: nothing is decided by silence', async () => {
    const campaignId = await trigger(rotationId);
    assert.match(campaignId, scheduledRunId(rotationId));
    const handle = worker.client.workflow.getHandle<typeof rotationCampaign>(campaignId);
    const status = await waitForPhase(handle, ['awaiting-approval', 'completed', 'failed']);
    assert.equal(status.phase, 'awaiting-approval', JSON.stringify(status));
    assert.equal(status.dryRun, false);
    assert.ok(status.usersAwaitingDecision > 0, 'old keys wait for a decision');
    assert.deepEqual(status.approval.approvals, []);
    assert.equal(status.approval.decision, undefined);
  });

  test('a bad spec, --every or --cron is refused at create with exit code 2, and no schedule exists', async () => {
    const badSpecId = uniqueId('sched-bad');
    const badSpec = specFile(badSpecId, { policy: { maxKeyAge: 90 } }, 'misspelt');
    schedules.push(badSpecId);
    const cases: Array<{ args: string[]; message: RegExp }> = [
      { args: [badSpec, '--every', '90d'], message: /is not a valid campaign spec:[\s\S]*maxKeyAge/ },
      { args: [specFile(badSpecId), '--every', '90 days'], message: /--every "90 days" is not a duration/ },
      {
        args: [specFile(badSpecId), '--cron', 'weekly please'],
        message: /--cron "weekly please" is not a cron/,
      },
      // Five fields, so only Temporal's parser can tell: it refuses it at create.
      {
        args: [specFile(badSpecId), '--cron', '99 99 * * *'],
        message: /Temporal refused --cron "99 99 \* \* \*"/,
      },
      {
        args: [specFile(badSpecId), '--every', '1d', '--cron', '@daily'],
        message: /either --every or --cron/,
      },
    ];
    for (const { args, message } of cases) {
      const run = await keywarden('schedule', 'create', ...args);
      assert.equal(run.code, 2, `${args.join(' ')}: ${run.stdout}${run.stderr}`);
      assert.match(run.stderr, message);
      assert.equal(await scheduleExists(badSpecId), false, `${args.join(' ')} created no schedule`);
    }
  });

  test('delete removes the schedule; describe and trigger of it then say it does not exist', async () => {
    for (const id of [inventoryId, rotationId]) {
      const run = await keywarden('schedule', 'delete', id);
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stdout, new RegExp(`deleted schedule ${id}`));
      assert.equal(await scheduleExists(id), false);
    }
    const gone = await keywarden('schedule', 'describe', inventoryId);
    assert.equal(gone.code, 2);
    assert.match(gone.stderr, new RegExp(`no schedule with ID ${inventoryId}`));
    assert.equal((await keywarden('schedule', 'trigger', inventoryId)).code, 2);
    assert.ok(!(await listedIds(false, inventoryId)).includes(inventoryId), 'list no longer shows it');
    // The campaigns it started are not the schedule: they stay.
    for (const id of campaigns) {
      const d = await worker.client.workflow.getHandle(id).describe();
      assert.equal(d.status.name, id.startsWith(inventoryId) ? 'COMPLETED' : 'RUNNING', id);
    }
  });
});
