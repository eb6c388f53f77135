import type { TestWorkflowEnvironment } from '@temporalio/testing';
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, test } from 'node:test';
import type { CampaignSpecInput } from '../../../domain/campaign-spec';
import type {
  AccountRotationReport,
  CampaignStatus,
  UserRotationReport,
} from '../../../domain/rotation-report';
import { keyWorkflowId } from '../../../workflows/key-rotation';
import { abortSignal, approveSignal, campaignStatusQuery, rejectSignal } from '../../../workflows/messages';
import { rotationCampaign } from '../../../workflows/rotation-campaign';
import { APPROVERS, INITIATOR, testSpec, uniqueId } from '../../support/campaign-helpers';
import { ACCOUNTS, oldKey, scriptedAws, user } from '../../support/scripted-aws';
import { scriptedWorker, timeSkippingEnv } from '../../support/time-skipping';

const account = ACCOUNTS[0]!;
const OLD = 'AKIAOLDUSER';

/**
 * What the saga does when the world changes under it, at production windows (7 days of adoption,
 * 7 of grace) on the time-skipping test server. Each test changes a key behind keywarden's back
 * (as its owner or another tool would) at a chosen simulated day and checks the outcome.
 */
describe('the rotation saga at its points of no return and re-checks (time-skipping server)', () => {
  let env: TestWorkflowEnvironment;
  beforeEach(async () => {
    env = await timeSkippingEnv();
  });
  afterEach(async () => env?.teardown());

  const spec = (id: string, overrides: Partial<CampaignSpecInput> = {}) =>
    testSpec({
      id: uniqueId(id),
      scope: { includeAccounts: [account] },
      windows: { adoption: '7d', grace: '7d' },
      approval: { approvers: APPROVERS, timeout: '7d', onTimeout: 'reject' },
      ...overrides,
    });

  /** Runs one campaign over one user; `script` acts on it while it runs. */
  async function campaign(
    name: string,
    opts: {
      overrides?: Partial<CampaignSpecInput>;
      aws?: Parameters<typeof scriptedAws>[1];
      script: (ctx: {
        handle: Awaited<ReturnType<typeof env.client.workflow.start<typeof rotationCampaign>>>;
        aws: ReturnType<typeof scriptedAws>;
      }) => Promise<void>;
    },
  ): Promise<{ status: CampaignStatus; saga: UserRotationReport; aws: ReturnType<typeof scriptedAws> }> {
    const aws = scriptedAws({ [account]: [user(account, 'uma', [oldKey(OLD)])] }, opts.aws);
    const { worker, taskQueue } = await scriptedWorker(env, aws);
    const s = spec(name, opts.overrides);
    return worker.runUntil(async () => {
      const handle = await env.client.workflow.start(rotationCampaign, {
        taskQueue,
        workflowId: s.id,
        args: [{ spec: s }],
      });
      await opts.script({ handle, aws });
      const status = await handle.result();
      const report = (await env.client.workflow
        .getHandle(`${s.id}/${account}`)
        .result()) as AccountRotationReport;
      return { status, saga: report.users[0]!, aws };
    });
  }

  type Ctx = Parameters<Parameters<typeof campaign>[1]['script']>[0];
  const approveWhenAsked = async ({ handle }: Ctx) => {
    await env.sleep('15 days');
    assert.equal((await handle.query(campaignStatusQuery)).phase, 'awaiting-approval');
    await handle.signal(approveSignal, { approver: APPROVERS[0] });
  };

  test('the new key is staged, verified, then promoted, in that order; a verification failure only discards it', async () => {
    const ok = await campaign('order', { script: approveWhenAsked });
    assert.deepEqual(ok.aws.calls.slice(0, 3), [
      `create ${account}/uma`,
      `verify ${account}/uma`,
      `promote ${account}/uma v1`,
    ]);
    assert.equal(ok.saga.status, 'rotated');

    const failed = await campaign('verify-fails', { aws: { verifyFailsFor: 'uma' }, script: async () => {} });
    assert.equal(failed.saga.status, 'compensated');
    assert.ok(!failed.aws.calls.some((c) => c.startsWith('promote')), 'an unverified key is never promoted');
    assert.deepEqual(
      failed.aws.keysOf(account, 'uma').map((k) => k.accessKeyId),
      [OLD],
    );
  });

  test('the owner deletes the old key during adoption: counted as done, the new key is never touched', async () => {
    const { saga, aws } = await campaign('owner-deleted-old', {
      script: async (ctx) => {
        await env.sleep('3 days');
        ctx.aws.outOfBand(account, 'uma', (keys) =>
          keys.splice(
            keys.findIndex((k) => k.accessKeyId === OLD),
            1,
          ),
        );
      },
    });
    assert.equal(saga.status, 'rotated');
    assert.match(saga.timeline.at(-1)?.event ?? '', /already deleted during adoption/);
    assert.ok(
      !aws.calls.some((c) => c.startsWith('discard')),
      'no compensation after the point of no return',
    );
    assert.deepEqual(
      aws.keysOf(account, 'uma').map((k) => [k.accessKeyId, k.status]),
      [['AKIANEW1', 'Active']],
    );
  });

  test('deactivation is denied (an SCP): needs-attention, the verified key stays live, nothing is discarded', async () => {
    const { saga, aws } = await campaign('deny-deactivate', {
      aws: { deactivationDeniedFor: 'uma' },
      script: async () => {},
    });
    assert.equal(saga.status, 'needs-attention');
    assert.match(saga.error ?? '', /service control policy/);
    assert.ok(!aws.calls.some((c) => c.startsWith('discard') || c.startsWith('delete')));
    assert.deepEqual(
      aws.keysOf(account, 'uma').map((k) => [k.accessKeyId, k.status]),
      [
        [OLD, 'Active'],
        ['AKIANEW1', 'Active'],
      ],
    );
  });

  test('the new key is deleted by someone during adoption: the old key is not deactivated', async () => {
    const { saga, aws } = await campaign('new-key-gone', {
      script: async (ctx) => {
        await env.sleep('3 days');
        ctx.aws.outOfBand(account, 'uma', (keys) =>
          keys.splice(
            keys.findIndex((k) => k.accessKeyId === 'AKIANEW1'),
            1,
          ),
        );
      },
    });
    assert.equal(saga.status, 'needs-attention');
    assert.ok(!aws.calls.some((c) => c.startsWith('deactivate')));
    assert.deepEqual(
      aws.keysOf(account, 'uma').map((k) => [k.accessKeyId, k.status]),
      [[OLD, 'Active']],
    );
  });

  test('someone else deactivates the old key during adoption: left inactive, never turned back on by a rollback', async () => {
    const { saga, aws } = await campaign('deactivated-by-responder', {
      script: async (ctx) => {
        await env.sleep('3 days');
        ctx.aws.outOfBand(account, 'uma', (keys) => {
          const old = keys.find((k) => k.accessKeyId === OLD);
          if (old) old.status = 'Inactive';
        });
      },
    });
    assert.equal(saga.status, 'needs-attention');
    assert.match(saga.timeline.at(-1)?.event ?? '', /deactivated by someone else/);
    assert.ok(!aws.calls.some((c) => c.startsWith('activate') || c.startsWith('delete')));
    assert.deepEqual(
      aws.keysOf(account, 'uma').map((k) => [k.accessKeyId, k.status]),
      [
        [OLD, 'Inactive'],
        ['AKIANEW1', 'Active'],
      ],
    );
  });

  test('the old key still in use during adoption: hold leaves it active, proceed deactivates it', async () => {
    const usedOnDay = (days: number) => async (ctx: Ctx) => {
      await env.sleep(`${days} days`);
      const when = new Date(await env.currentTimeMs()).toISOString();
      ctx.aws.outOfBand(account, 'uma', (keys) => {
        const old = keys.find((k) => k.accessKeyId === OLD);
        if (old) old.lastUsedDate = when;
      });
    };
    const held = await campaign('still-used-hold', { script: usedOnDay(3) });
    assert.equal(held.saga.status, 'needs-attention');
    assert.match(held.saga.timeline.at(-1)?.event ?? '', /onOldKeyStillUsed: hold/);
    assert.ok(!held.aws.calls.some((c) => c.startsWith('deactivate')));

    const proceeded = await campaign('still-used-proceed', {
      overrides: { policy: { onOldKeyStillUsed: 'proceed', exemptions: { groups: [] } } },
      script: async (ctx) => {
        await usedOnDay(3)(ctx);
        await env.sleep('12 days');
        await ctx.handle.signal(approveSignal, { approver: APPROVERS[0] });
      },
    });
    assert.equal(proceeded.saga.status, 'rotated');
    assert.equal(proceeded.saga.oldKeyUsedDuringAdoption, true);
  });

  test('reactivated during grace, or used after deactivation: approved, yet not deleted', async () => {
    const reactivated = await campaign('reactivated', {
      script: async ({ handle, aws }) => {
        await env.sleep('10 days');
        aws.outOfBand(account, 'uma', (keys) => {
          const old = keys.find((k) => k.accessKeyId === OLD);
          if (old) old.status = 'Active';
        });
        await env.sleep('5 days');
        await handle.signal(approveSignal, { approver: APPROVERS[0] });
      },
    });
    assert.equal(reactivated.saga.status, 'needs-attention');
    assert.match(reactivated.saga.timeline.at(-1)?.event ?? '', /reactivated during the grace window/);
    assert.ok(!reactivated.aws.calls.some((c) => c === `delete ${account}/${OLD}`));

    const used = await campaign('used-after-deactivation', {
      script: async ({ handle, aws }) => {
        await env.sleep('10 days');
        const when = new Date(await env.currentTimeMs()).toISOString();
        aws.outOfBand(account, 'uma', (keys) => {
          const old = keys.find((k) => k.accessKeyId === OLD);
          if (old) old.lastUsedDate = when;
        });
        await env.sleep('5 days');
        await handle.signal(approveSignal, { approver: APPROVERS[0] });
      },
    });
    assert.equal(used.saga.status, 'needs-attention');
    assert.match(used.saga.timeline.at(-1)?.event ?? '', /used after it was deactivated/);
    assert.ok(!used.aws.calls.some((c) => c === `delete ${account}/${OLD}`));
  });

  test('an approval sent before the gate opens is refused and approves nothing', async () => {
    const { status, saga } = await campaign('too-early', {
      script: async ({ handle }) => {
        await env.sleep('1 day');
        await handle.signal(approveSignal, { approver: APPROVERS[0] });
        await env.sleep('14 days');
        const waiting = await handle.query(campaignStatusQuery);
        assert.equal(waiting.phase, 'awaiting-approval');
        assert.match(waiting.approval.rejectedAttempts[0]?.reason ?? '', /too early/);
        assert.equal(waiting.approval.approvals.length, 0);
        await handle.signal(rejectSignal, { approver: APPROVERS[1] });
      },
    });
    assert.equal(saga.status, 'rolled-back');
    assert.equal(status.approval.pastRounds[0]?.outcome, 'rejected');
  });

  test('abort: during adoption the old key stays active; during grace it is reactivated; nothing is deleted', async () => {
    const inAdoption = await campaign('abort-adoption', {
      script: async ({ handle }) => {
        await env.sleep('3 days');
        await handle.signal(abortSignal, { approver: 'someone@example.com' });
        await env.sleep('1 hour');
        await handle.signal(abortSignal, { approver: INITIATOR, comment: 'wrong scope' });
      },
    });
    assert.equal(inAdoption.status.phase, 'aborted');
    assert.equal(inAdoption.status.aborted?.by, INITIATOR);
    assert.match(inAdoption.status.approval.rejectedAttempts[0]?.reason ?? '', /unknown approver/);
    assert.equal(inAdoption.saga.status, 'rolled-back');
    assert.ok(!inAdoption.aws.calls.some((c) => c.startsWith('deactivate') || c.startsWith('delete')));

    const inGrace = await campaign('abort-grace', {
      script: async ({ handle }) => {
        await env.sleep('10 days');
        await handle.signal(abortSignal, { approver: APPROVERS[0] });
      },
    });
    assert.equal(inGrace.saga.status, 'rolled-back');
    assert.deepEqual(inGrace.aws.calls.slice(-2), [
      `deactivate ${account}/${OLD}`,
      `activate ${account}/${OLD}`,
    ]);
    assert.ok(!inGrace.aws.calls.some((c) => c.startsWith('delete')));
  });

  test('cancelling the saga workflow during grace unwinds it in a non-cancellable scope', async () => {
    const { saga, aws } = await campaign('cancel-saga', {
      script: async () => {
        await env.sleep('10 days');
        await env.client.workflow.getHandle(keyWorkflowId(account, 'uma')).cancel();
      },
    });
    assert.equal(saga.status, 'rolled-back');
    assert.match(saga.timeline.at(-1)?.event ?? '', /cancelled; reactivated old key/);
    assert.deepEqual(
      aws.keysOf(account, 'uma').map((k) => [k.accessKeyId, k.status]),
      [
        [OLD, 'Active'],
        ['AKIANEW1', 'Active'],
      ],
    );
  });

  test('a key the owner made between the inventory and the saga survives: the user is reported, nothing is deleted', async () => {
    const aws = scriptedAws({ [account]: [user(account, 'uma', [oldKey(OLD)])] });
    // The inventory was read before the owner made a second key; the saga's preflight sees it.
    const inventoryPage = aws.activities.inventoryPage!;
    aws.activities.inventoryPage = async (input) => {
      const page = await inventoryPage(input);
      aws.outOfBand(account, 'uma', (keys) =>
        keys.push({ accessKeyId: 'AKIAOWNERMADE', status: 'Active', createDate: new Date().toISOString() }),
      );
      return page;
    };
    const { worker, taskQueue } = await scriptedWorker(env, aws);
    const s = spec('owner-made-key');
    const status = await worker.runUntil(
      env.client.workflow.execute(rotationCampaign, { taskQueue, workflowId: s.id, args: [{ spec: s }] }),
    );
    assert.equal(status.users['needs-attention'], 1);
    assert.equal(aws.calls.length, 0, 'no key made, none deleted');
    assert.deepEqual(
      aws.keysOf(account, 'uma').map((k) => k.accessKeyId),
      [OLD, 'AKIAOWNERMADE'],
    );
  });

  test('one rotation per user: a second campaign skips a user already being rotated; a contained user is skipped', async () => {
    const aws = scriptedAws({
      [account]: [user(account, 'uma', [oldKey(OLD)]), user(account, 'leo', [oldKey('AKIAOLDLEO')])],
    });
    aws.contain(account, 'leo');
    const { worker, taskQueue } = await scriptedWorker(env, aws);
    const first = spec('first');
    const second = spec('second');
    await worker.runUntil(async () => {
      const a = await env.client.workflow.start(rotationCampaign, {
        taskQueue,
        workflowId: first.id,
        args: [{ spec: first }],
      });
      await env.sleep('2 days');
      const b = await env.client.workflow.start(rotationCampaign, {
        taskQueue,
        workflowId: second.id,
        args: [{ spec: second }],
      });
      await env.sleep('1 day');
      const secondReport = (await env.client.workflow
        .getHandle(`${second.id}/${account}`)
        .result()) as AccountRotationReport;
      const uma = secondReport.users.find((u) => u.userName === 'uma');
      assert.equal(uma?.status, 'skipped');
      assert.match(uma?.reason ?? '', /already being rotated by another campaign/);
      assert.equal((await b.result()).phase, 'completed');
      await env.sleep('13 days');
      await a.signal(approveSignal, { approver: APPROVERS[0] });
      const firstReport = (await env.client.workflow
        .getHandle(`${first.id}/${account}`)
        .result()) as AccountRotationReport;
      const leo = firstReport.users.find((u) => u.userName === 'leo');
      assert.equal(leo?.status, 'skipped');
      assert.match(leo?.timeline.at(-1)?.event ?? '', /contained by keywarden/);
      assert.equal(firstReport.users.find((u) => u.userName === 'uma')?.status, 'rotated');
    });
    assert.equal(
      aws.calls.filter((c) => c.startsWith('create')).length,
      1,
      'one new key for uma, none for leo',
    );
  });
});
