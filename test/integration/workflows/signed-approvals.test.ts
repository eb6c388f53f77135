import type { TestWorkflowEnvironment } from '@temporalio/testing';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type {
  AccountRotationReport,
  CampaignStatus,
  UserRotationReport,
} from '../../../domain/rotation-report';
import { signedPayload } from '../../../client/approval-keys';
import { keyWorkflowId } from '../../../workflows/key-rotation';
import {
  accountStatusQuery,
  approveSignal,
  approveUpdate,
  campaignStatusQuery,
  keyStatusQuery,
} from '../../../workflows/messages';
import { rotationCampaign } from '../../../workflows/rotation-campaign';
import { APPROVERS, INITIATOR, testSpec, uniqueId } from '../../support/campaign-helpers';
import { ACCOUNTS, oldKey, scriptedAws, user } from '../../support/scripted-aws';
import { scriptedWorker, simulatedDay, timeSkippingEnv } from '../../support/time-skipping';
import { newApprovalKey, refusedWith } from '../../support/approval-test-keys';

const account = ACCOUNTS[0]!;
const OLD = 'AKIAOLDUSER';
const HOUR = 3_600_000;

/**
 * Signed approvals at production windows: a campaign that requires signatures refuses every
 * approval that is unsigned, forged, expired, or signed for another workflow or plan; a decision
 * forged straight to a saga deletes nothing; a payload the worker cannot decode is recorded as an
 * invalid attempt and the workflow goes on answering. Only a valid signature deletes the old key.
 */
describe('signed approvals and forged messages (time-skipping server)', () => {
  let env: TestWorkflowEnvironment;
  before(async () => {
    env = await timeSkippingEnv();
  });
  after(async () => env?.teardown());

  test('only a valid signature deletes; every forgery is refused with its reason and changes nothing', async () => {
    const alice = newApprovalKey(APPROVERS[0]!);
    const bob = newApprovalKey(APPROVERS[1]!);
    const initiator = newApprovalKey(INITIATOR);
    const mallory = newApprovalKey(APPROVERS[0]!); // claims to be alice with another key
    const spec = testSpec({
      id: uniqueId('signed'),
      scope: { includeAccounts: [account] },
      windows: { adoption: '7d', grace: '7d' },
      approval: {
        approvers: APPROVERS,
        timeout: '7d',
        onTimeout: 'reject',
        signatures: 'required',
        publicKeys: {
          [alice.approver]: alice.publicKey,
          [bob.approver]: bob.publicKey,
          [INITIATOR]: initiator.publicKey,
        },
      },
    });
    const aws = scriptedAws({ [account]: [user(account, 'uma', [oldKey(OLD)])] });
    const { worker, taskQueue } = await scriptedWorker(env, aws);
    const sagaId = keyWorkflowId(account, 'uma');

    await worker.runUntil(async () => {
      const handle = await env.client.workflow.start(rotationCampaign, {
        taskQueue,
        workflowId: spec.id,
        args: [{ spec }],
      });
      const startMs = await env.currentTimeMs();
      await env.sleep('15 days');
      let status = await handle.query(campaignStatusQuery);
      assert.equal(status.phase, 'awaiting-approval');
      const plan = status.approval.plan;
      assert.ok(plan, 'the gate shows the plan awaiting decision');
      assert.match(plan.digest, /^[0-9a-f]{64}$/);
      console.log(`# awaiting approval on simulated day ${await simulatedDay(env, startMs)}`);
      const now = new Date(await env.currentTimeMs());
      const target = {
        workflowId: spec.id,
        action: 'approve' as const,
        round: status.approval.round,
        planDigest: plan.digest,
      };

      // A decision forged straight to the saga, and internal messages of the wrong shape.
      await env.client.workflow.getHandle(sagaId).signal('keywarden.keyDecision', {
        outcome: 'approved',
        by: [alice.approver],
        at: now.toISOString(),
        reason: 'forged',
        round: 1,
        accessKeyIds: [OLD],
      });
      // A forged rejection, timeout or abort would turn the old key back on: each is refused too.
      const saga = env.client.workflow.getHandle(sagaId);
      for (const outcome of ['rejected', 'timed-out'] as const) {
        await saga.signal('keywarden.keyDecision', {
          outcome,
          by: [alice.approver],
          at: now.toISOString(),
          reason: 'forged',
          round: 1,
          accessKeyIds: [OLD],
          approvals: [{ approver: alice.approver, at: now.toISOString() }],
        });
      }
      await saga.signal('keywarden.abort', { by: INITIATOR, reason: 'forged', at: now.toISOString() });
      await env.client.workflow
        .getHandle(`${spec.id}/${account}`)
        .signal('keywarden.abort', { by: INITIATOR, reason: 'forged', at: now.toISOString() });
      await handle.signal('keywarden.accountProgress', { accountId: account, stage: 'finished', seq: 'x' });
      await env.client.workflow.getHandle(sagaId).signal('keywarden.keyDecision', 'not an object');

      // Approvals the gate must refuse, each with its reason.
      const attempts: Array<[string, unknown, RegExp]> = [
        ['unsigned', { approver: alice.approver }, /^unsigned/],
        ['another key', signedPayload(mallory, target, undefined, HOUR, now), /^bad signature/],
        [
          'another workflow',
          signedPayload(alice, { ...target, workflowId: 'other-campaign' }, undefined, HOUR, now),
          /^bad signature/,
        ],
        [
          'another action',
          signedPayload(alice, { ...target, action: 'reject' }, undefined, HOUR, now),
          /^bad signature/,
        ],
        [
          'another plan',
          signedPayload(alice, { ...target, planDigest: 'a'.repeat(64) }, undefined, HOUR, now),
          /^signed for another plan/,
        ],
        [
          'another round',
          signedPayload(alice, { ...target, round: 2 }, undefined, HOUR, now),
          /^signed for round 2/,
        ],
        [
          'expired',
          signedPayload(alice, target, undefined, HOUR, new Date(now.getTime() - 2 * HOUR)),
          /^expired at/,
        ],
        [
          'tampered comment',
          { ...signedPayload(alice, target, 'ok', HOUR, now), comment: 'changed after signing' },
          /^bad signature/,
        ],
        ['self-approval', signedPayload(initiator, target, undefined, HOUR, now), /^self-approval/],
      ];
      for (const [, payload] of attempts) await handle.signal(approveSignal, payload);

      // A payload in an encoding the worker cannot decode, as the Web UI's json/protobuf option sends it.
      const bytes = (text: string) => new TextEncoder().encode(text);
      for (const [encoding, data] of [
        ['json/protobuf', '{"approver":"security-lead@example.com"}'],
        ['binary/encrypted', 'x'],
        ['json/plain', '{not json'],
      ] as const) {
        await env.client.workflowService.signalWorkflowExecution({
          namespace: 'default',
          workflowExecution: { workflowId: spec.id },
          signalName: 'approve',
          input: {
            payloads: [
              { metadata: { encoding: bytes(encoding), messageType: bytes('x.Y') }, data: bytes(data) },
            ],
          },
          identity: 'test',
          requestId: randomUUID(),
        });
      }

      // An Update is refused at once, before anything is recorded.
      await assert.rejects(
        handle.executeUpdate(approveUpdate, { args: [{ approver: bob.approver }] }),
        refusedWith(/unsigned/),
      );
      // An approval sent to the account workflow: refused, naming the workflow with the gate.
      await env.client.workflow
        .getHandle(`${spec.id}/${account}`)
        .signal(approveSignal, signedPayload(alice, target, undefined, HOUR, now));

      status = await handle.query(campaignStatusQuery);
      assert.equal(status.phase, 'awaiting-approval', 'nothing above decided anything');
      const reasons = status.approval.rejectedAttempts.map((a) => a.reason);
      for (const [what, , pattern] of attempts) {
        assert.ok(
          reasons.some((r) => pattern.test(r)),
          `${what} refused with ${String(pattern)}; got ${reasons.join(' | ')}`,
        );
      }
      assert.ok(
        reasons.some(
          (r) =>
            r === 'undecodable: encoding json/protobuf is not supported: send JSON (encoding json/plain)',
        ),
      );
      assert.ok(reasons.some((r) => r.startsWith('undecodable: encoding binary/encrypted')));
      assert.ok(reasons.some((r) => r === 'undecodable: the payload is not valid JSON'));
      assert.equal(status.approval.approvals.length, 0);
      const accountStatus: AccountRotationReport = await env.client.workflow
        .getHandle(`${spec.id}/${account}`)
        .query(accountStatusQuery);
      assert.match(
        accountStatus.refused?.join('\n') ?? '',
        new RegExp(`send it to the workflow ${spec.id},`),
      );
      const sagaReport: UserRotationReport = await saga.query(keyStatusQuery);
      assert.ok(
        sagaReport.timeline.some((t) =>
          /refused the approved decision for key AKIAOLDUSER: the decision carries 0 valid approval/.test(
            t.event,
          ),
        ),
        'the saga refused the forged decision itself',
      );
      const refusedEvents = sagaReport.timeline.map((t) => t.event).join('\n');
      assert.match(
        refusedEvents,
        /refused the rejected decision for key AKIAOLDUSER: the rejected decision rests on no valid reject/,
      );
      assert.match(
        refusedEvents,
        /refused the timed-out decision for key AKIAOLDUSER: a timeout after \d+ minute\(s\) of waiting is sooner/,
      );
      assert.match(refusedEvents, /refused an abort: abort by platform-team@example.com: unsigned/);
      assert.match(
        accountStatus.refused?.join('\n') ?? '',
        /abort: abort by platform-team@example.com: unsigned/,
      );
      assert.ok(!aws.calls.some((c) => c.startsWith('delete')), 'nothing was deleted');
      assert.ok(!aws.calls.some((c) => c.startsWith('activate')), 'the old key was not turned back on');

      // A valid signature, sent as an Update: recorded, decides, and the saga deletes the old key.
      const verdict = await handle.executeUpdate(approveUpdate, {
        args: [signedPayload(alice, target, 'reviewed the plan', HOUR, now)],
      });
      assert.deepEqual(verdict, { recorded: true, approvals: 1, requiredApprovals: 1, decision: 'approved' });
      console.log(`# approved with a valid signature on simulated day ${await simulatedDay(env, startMs)}`);
      const final: CampaignStatus = await handle.result();
      assert.equal(final.phase, 'completed');
      assert.equal(final.approval.pastRounds[0]?.approvals?.[0]?.signed?.planDigest, plan.digest);
      assert.ok(aws.calls.includes(`delete ${account}/${OLD}`), 'the approved deletion happened');
    });
  });

  test("the worker's approver key registry requires signatures and overrides keys a spec brings", async () => {
    const alice = newApprovalKey(APPROVERS[0]!);
    const planted = newApprovalKey(APPROVERS[0]!); // the spec's author holds this one
    const registry = {
      configured: true,
      requireSignatures: true,
      publicKeys: {
        [alice.approver]: alice.publicKey,
        [APPROVERS[1]!]: newApprovalKey(APPROVERS[1]!).publicKey,
        [INITIATOR]: newApprovalKey(INITIATOR).publicKey,
      },
    };
    const spec = testSpec({
      id: uniqueId('registry'),
      scope: { includeAccounts: [account] },
      windows: { adoption: '7d', grace: '7d' },
      approval: {
        approvers: APPROVERS,
        timeout: '7d',
        signatures: 'off',
        publicKeys: { [APPROVERS[0]!]: planted.publicKey },
      },
    });
    const aws = scriptedAws({ [account]: [user(account, 'uma', [oldKey(OLD)])] });
    const { worker, taskQueue } = await scriptedWorker(env, aws, { approverRegistry: registry });
    await worker.runUntil(async () => {
      const handle = await env.client.workflow.start(rotationCampaign, {
        taskQueue,
        workflowId: spec.id,
        args: [{ spec }],
      });
      await env.sleep('15 days');
      const status = await handle.query(campaignStatusQuery);
      assert.equal(status.phase, 'awaiting-approval');
      assert.equal(
        status.approval.signatures,
        'required',
        'the registry requires signatures though the spec says off',
      );
      assert.equal(status.approval.keySource, 'registry');
      const now = new Date(await env.currentTimeMs());
      const target = {
        workflowId: spec.id,
        action: 'approve' as const,
        round: status.approval.round,
        planDigest: status.approval.plan!.digest,
      };
      await assert.rejects(
        handle.executeUpdate(approveUpdate, { args: [{ approver: alice.approver }] }),
        refusedWith(/unsigned/),
      );
      await assert.rejects(
        handle.executeUpdate(approveUpdate, { args: [signedPayload(planted, target, undefined, HOUR, now)] }),
        refusedWith(/bad signature/),
        "a key planted in the spec is not the approver's",
      );
      await handle.executeUpdate(approveUpdate, {
        args: [signedPayload(alice, target, undefined, HOUR, now)],
      });
      assert.equal((await handle.result()).phase, 'completed');
      assert.ok(aws.calls.includes(`delete ${account}/${OLD}`));
    });

    const keyless = testSpec({
      id: uniqueId('keyless'),
      scope: { includeAccounts: [account] },
      approval: { approvers: [...APPROVERS, 'newcomer@example.com'] },
    });
    const second = await scriptedWorker(env, scriptedAws({ [account]: [] }), { approverRegistry: registry });
    const failed = await second.worker.runUntil(
      env.client.workflow.execute(rotationCampaign, {
        taskQueue: second.taskQueue,
        workflowId: keyless.id,
        args: [{ spec: keyless }],
      }),
    );
    assert.equal(failed.phase, 'failed');
    assert.match(failed.error ?? '', /no public key is known for newcomer@example.com/);
  });
});
