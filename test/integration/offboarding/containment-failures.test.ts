import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { AwsClients, type MemberClients } from '../../../activities/aws/clients';
import type { MemberRoleRef } from '../../../activities/aws/credentials';
import { sessionsIssuedBefore } from '../../../activities/offboarding-policy';
import { startOffboarding } from '../../../client/offboarding-client';
import type { OffboardingStatus } from '../../../domain/offboarding-report';
import { parseOffboardingRequest } from '../../../domain/offboarding-request';
import type { SeededOrg } from '../../../sandbox/seed-org';
import { snapshotIam } from '../../support/aws-snapshot';
import {
  awsClientsFor,
  freshOrg,
  startTestWorker,
  testStack,
  type RunningWorker,
} from '../../support/test-stack';
import { APPROVER, DENY_POLICY, offboardingBody, waitForStatus } from './offboarding-fixtures';

/** One IAM request the emulator is made to refuse: the request is sent, altered so that it fails. */
interface Refusal {
  commandName: 'PutUserPolicyCommand' | 'UpdateAccessKeyCommand';
  userName: string;
  alter: (input: Record<string, unknown>) => Record<string, unknown>;
}

type Middleware = (
  next: (args: { input: object }) => Promise<unknown>,
  context: { commandName?: string },
) => (args: { input: object }) => Promise<unknown>;

/**
 * The worker's AWS clients, with one request altered on its way to the emulator so that the
 * emulator itself refuses it. The emulator enforces neither IAM's inline-policy quota nor SCPs,
 * so this is how a real error answer (parsed by the SDK, classified by the activity) reaches
 * containment for exactly one of its two steps.
 */
class RefusingAwsClients extends AwsClients {
  refusal: Refusal | undefined;
  private readonly wired = new WeakSet<object>();

  override member(ref: MemberRoleRef): MemberClients {
    const clients = super.member(ref);
    if (!this.wired.has(clients.iam)) {
      this.wired.add(clients.iam);
      const refuse: Middleware = (next, context) => (args) => {
        const input = args.input as Record<string, unknown>;
        const r = this.refusal;
        if (r && context.commandName === r.commandName && input.UserName === r.userName) {
          return next({ ...args, input: r.alter(input) });
        }
        return next(args);
      };
      (clients.iam.middlewareStack as unknown as { add(m: Middleware, o: object): void }).add(refuse, {
        step: 'initialize',
        name: 'testRefusal',
      });
    }
    return clients;
  }
}

describe('containment on the emulator: one step refused, the other still holds', () => {
  const stack = testStack();
  let org: SeededOrg;
  let verifyAws: AwsClients;
  let workerAws: RefusingAwsClients;
  let worker: RunningWorker;
  let account: string;

  before(async () => {
    org = await freshOrg(stack, { memberAccounts: 2 });
    verifyAws = awsClientsFor(stack, org);
    workerAws = new RefusingAwsClients(verifyAws.env);
    account = org.users.find((u) => u.userName === 'mallory')!.accountId;
    worker = await startTestWorker(stack, org, { aws: workerAws });
  });
  after(async () => {
    await worker?.stop();
    workerAws?.destroy();
    verifyAws?.destroy();
  });

  const contain = async (employeeId: string): Promise<OffboardingStatus> => {
    const parsed = parseOffboardingRequest(
      offboardingBody(employeeId, {
        match: { userNames: ['mallory'] },
        scope: { includeAccounts: [account] },
      }),
    );
    assert.ok(parsed.ok);
    const { workflowId } = await startOffboarding(worker.client, {
      taskQueue: worker.taskQueue,
      request: parsed.request,
      requestedAt: new Date().toISOString(),
    });
    return waitForStatus(worker.client, workflowId, (s) => s.phase === 'awaiting-approval');
  };
  const cancel = async (status: OffboardingStatus): Promise<OffboardingStatus> => {
    const handle = worker.client.workflow.getHandle(status.workflowId);
    await handle.signal('cancel', { approver: APPROVER, comment: 'test done' });
    return (await handle.result()) as OffboardingStatus;
  };

  test('the deny policy is refused (MalformedPolicyDocument from the emulator): every key is still deactivated', async () => {
    const before_ = await snapshotIam(verifyAws, [account]);
    assert.ok(before_[account]!.mallory!.keys.some((k) => k.status === 'Active'));
    workerAws.refusal = {
      commandName: 'PutUserPolicyCommand',
      userName: 'mallory',
      alter: (input) => ({ ...input, PolicyDocument: 'not a policy document' }),
    };
    const status = await contain(`emp-policy-refused-${Date.now()}`);
    workerAws.refusal = undefined;

    const user = status.users[0]!;
    assert.equal(user.containedAt, undefined, 'not reported contained');
    assert.deepEqual(
      { keys: user.containment?.keysDeactivated, policy: user.containment?.denyPolicyAttached },
      { keys: true, policy: false },
    );
    assert.match(user.error ?? '', /deny policy NOT attached.*MalformedPolicyDocument/);
    assert.equal(status.containmentComplete, false);
    const now = (await snapshotIam(verifyAws, [account]))[account]!.mallory!;
    assert.ok(
      now.keys.every((k) => k.status === 'Inactive'),
      'the emulator holds every key inactive',
    );
    assert.equal(now.inlinePolicies[DENY_POLICY], undefined, 'and no deny policy');

    const restored = await cancel(status);
    assert.equal(restored.phase, 'restored');
    assert.deepEqual(await snapshotIam(verifyAws, [account]), before_, 'restored exactly');
  });

  test('key deactivation is refused (NoSuchEntity from the emulator): the deny policy still goes on', async () => {
    const before_ = await snapshotIam(verifyAws, [account]);
    workerAws.refusal = {
      commandName: 'UpdateAccessKeyCommand',
      userName: 'mallory',
      alter: (input) => ({ ...input, AccessKeyId: 'AKIAKEYWARDENTEST000' }),
    };
    const status = await contain(`emp-keys-refused-${Date.now()}`);
    workerAws.refusal = undefined;

    const user = status.users[0]!;
    assert.equal(user.containedAt, undefined);
    assert.deepEqual(
      { keys: user.containment?.keysDeactivated, policy: user.containment?.denyPolicyAttached },
      { keys: false, policy: true },
    );
    assert.match(user.error ?? '', /keys NOT all deactivated.*NoSuchEntity/);
    const now = (await snapshotIam(verifyAws, [account]))[account]!.mallory!;
    const issuedBefore = sessionsIssuedBefore(now.inlinePolicies[DENY_POLICY]);
    assert.ok(issuedBefore, 'the emulator holds the deny policy, with its aws:TokenIssueTime condition');
    assert.ok(Date.parse(issuedBefore) >= Date.parse(status.requestedAt));
    assert.deepEqual(
      now.keys.map((k) => k.status),
      before_[account]!.mallory!.keys.map((k) => k.status),
      'the keys are as they were',
    );

    const restored = await cancel(status);
    assert.equal(restored.phase, 'restored');
    assert.deepEqual(await snapshotIam(verifyAws, [account]), before_, 'restored exactly');
  });
});
