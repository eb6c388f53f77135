import {
  CreateAccessKeyCommand,
  CreateRoleCommand,
  CreateUserCommand,
  IAMClient,
  ListAccessKeysCommand,
} from '@aws-sdk/client-iam';
import type { WorkflowHandle } from '@temporalio/client';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { AwsClients } from '../../../activities/aws/clients';
import { SdkIamGateway } from '../../../activities/aws/iam-gateway';
import { verifyKeyWorks } from '../../../activities/aws/sts-gateway';
import { startRevocation } from '../../../client/revocation-client';
import { revocationMarkdown } from '../../../client/report/revocation';
import { DEFAULT_MEMBER_ROLE_NAME } from '../../../domain/access';
import { parseRevokeRequest, type RevokeRequestInput } from '../../../domain/revoke-request';
import type { RevokeStatus } from '../../../domain/revoke-report';
import { paths } from '../../../sandbox/project-paths';
import type { SeededOrg } from '../../../sandbox/seed-org';
import { approveSignal, rejectSignal } from '../../../workflows/messages';
import { currentSecret, memberIam } from '../../support/aws-snapshot';
import {
  awsClientsFor,
  freshOrg,
  startTestWorker,
  testStack,
  type RunningWorker,
} from '../../support/test-stack';

const INITIATOR = 'incident-responder@example.com';
const APPROVER = 'security-lead@example.com';
/** An account that is not a member of the seeded organization. */
const STRANGER_ACCOUNT = '999988887777';

async function waitForPhase(
  handle: WorkflowHandle,
  phases: string[],
  timeoutMs = 60_000,
): Promise<RevokeStatus> {
  const deadline = Date.now() + timeoutMs;
  let last: RevokeStatus | undefined;
  while (Date.now() < deadline) {
    last = await handle.query<RevokeStatus>('status');
    if (phases.includes(last.phase)) return last;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`revocation never reached ${phases.join('/')}; last: ${JSON.stringify(last)}`);
}

async function keyStatus(iam: IAMClient, userName: string, accessKeyId: string): Promise<string | undefined> {
  const out = await iam.send(new ListAccessKeysCommand({ UserName: userName }));
  return out.AccessKeyMetadata?.find((k) => k.AccessKeyId === accessKeyId)?.Status;
}

describe('revoking a leaked key on the emulator and the dev server', () => {
  const stack = testStack();
  let org: SeededOrg;
  let aws: AwsClients;
  let worker: RunningWorker;
  let accountId: string;

  const revoke = async (input: Partial<RevokeRequestInput> & { accessKeyId: string }) => {
    const parsed = parseRevokeRequest({
      reason: 'pushed to a public repository',
      initiator: INITIATOR,
      ...input,
    });
    assert.ok(parsed.ok, parsed.ok ? '' : parsed.message);
    const started = await startRevocation(worker.client, {
      taskQueue: worker.taskQueue,
      request: parsed.request,
      requestedAt: new Date().toISOString(),
    });
    return { started, handle: worker.client.workflow.getHandle(started.workflowId), request: parsed.request };
  };
  const seededKey = (userName: string): string => {
    const user = org.users.find((u) => u.accountId === accountId && u.userName === userName);
    assert.ok(user?.accessKeyIds[0], `seeded user ${userName}`);
    return user.accessKeyIds[0];
  };

  before(async () => {
    org = await freshOrg(stack, { memberAccounts: 1 });
    accountId = org.accounts[0]!.accountId;
    aws = awsClientsFor(stack, org);
    worker = await startTestWorker(stack, org);
  });
  after(async () => {
    await worker?.stop();
    aws?.destroy();
  });

  test('deactivates at once, denies earlier sessions, replaces, and deletes after approval', async () => {
    const leaked = seededKey('alice.ops');
    const iam = memberIam(aws, accountId);
    const { started, handle } = await revoke({
      accessKeyId: leaked,
      replace: true,
      approval: { approvers: [APPROVER] },
    });
    assert.equal(started.workflowId, `revoke-${leaked}`);
    const waiting = await waitForPhase(handle, ['awaiting-approval', 'needs-attention', 'failed']);
    assert.equal(waiting.phase, 'awaiting-approval', waiting.summary + (waiting.error ?? ''));
    assert.equal(waiting.userName, 'alice.ops');
    assert.equal(waiting.accountId, accountId);
    assert.equal(waiting.revokedBy, INITIATOR);
    assert.ok(waiting.lastUse?.lastUsedDate, 'the seeded key has a last use, and the report has it');

    // Deactivated before anyone approved, and sessions issued before the revocation are denied.
    assert.equal(await keyStatus(iam, 'alice.ops', leaked), 'Inactive');
    const document = await new SdkIamGateway(iam).getUserPolicy('alice.ops', 'keywarden-revoked-sessions');
    const policy = JSON.parse(document ?? '{}') as {
      Statement: Array<{ Effect: string; Condition: unknown }>;
    };
    assert.equal(policy.Statement[0]?.Effect, 'Deny');
    assert.deepEqual(policy.Statement[0]?.Condition, {
      DateLessThan: { 'aws:TokenIssueTime': waiting.sessionsDeniedBefore },
    });
    assert.ok(Date.parse(waiting.sessionsDeniedBefore ?? '') >= Date.parse(waiting.requestedAt));

    // The replacement is stored as AWSCURRENT and works as alice.ops.
    const replacement = waiting.replacement;
    assert.ok(replacement?.verified && replacement.promoted, JSON.stringify(replacement));
    assert.equal(await keyStatus(iam, 'alice.ops', replacement.accessKeyId), 'Active');
    const stored = await currentSecret(aws, accountId, 'keywarden/alice.ops');
    assert.equal(stored?.AccessKeyId, replacement.accessKeyId);
    const identity = await verifyKeyWorks(
      { accessKeyId: stored.AccessKeyId, secretAccessKey: stored.SecretAccessKey },
      aws.env,
    );
    assert.match(identity.arn, /:user\/alice\.ops$/);

    // A second request finds the running revocation.
    const again = await revoke({ accessKeyId: leaked, replace: true, approval: { approvers: [APPROVER] } });
    assert.equal(again.started.duplicate, true);
    assert.equal(again.started.runId, started.runId);

    await handle.signal(approveSignal, { approver: APPROVER, comment: 'confirmed leaked' });
    const final = (await handle.result()) as RevokeStatus;
    assert.equal(final.phase, 'deleted', final.summary);
    assert.equal(await keyStatus(iam, 'alice.ops', leaked), undefined);
    assert.equal(await keyStatus(iam, 'alice.ops', replacement.accessKeyId), 'Active');
    assert.equal(final.approval?.decision?.outcome, 'approved');
    assert.deepEqual(final.approval?.decision?.by, [APPROVER]);

    const report = revocationMarkdown(final);
    for (const fact of [
      leaked,
      INITIATOR,
      'pushed to a public repository',
      final.lastUse?.lastUsedDate ?? '?',
    ]) {
      assert.ok(report.includes(fact), `the report names ${fact}`);
    }
    // The replacement's secret never reaches the history or the report.
    const history = JSON.stringify(await handle.fetchHistory());
    assert.ok(!history.includes(stored.SecretAccessKey), 'no secret in the history');
    assert.ok(!report.includes(stored.SecretAccessKey), 'no secret in the report');
  });

  test('the CLI revokes, finds the running revocation, approves, and reports', async () => {
    const leaked = seededKey('dave.legacy');
    const env = {
      ...process.env,
      TEMPORAL_ADDRESS: stack.temporalAddress,
      TEMPORAL_NAMESPACE: stack.namespace,
      TEMPORAL_CONFIG_FILE: '',
      KEYWARDEN_TASK_QUEUE: worker.taskQueue,
    };
    const keywarden = (...args: string[]) =>
      new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
        execFile(
          process.execPath,
          [path.join(paths.root, 'bin', 'keywarden.js'), ...args],
          { cwd: paths.root, env, timeout: 60_000 },
          (error, stdout, stderr) => {
            const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
            resolve({ code, stdout, stderr });
          },
        );
      });
    const args = ['revoke', leaked, '--reason', 'found in a CI log', '--initiator', INITIATOR];
    const first = await keywarden(...args, '--approver', APPROVER);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, new RegExp(`revocation started: revoke-${leaked}`));
    assert.match(first.stdout, new RegExp(`deactivated key ${leaked}`));
    assert.match(first.stdout, /# Revocation of/);
    assert.match(first.stdout, /keywarden approve\|reject/);

    const second = await keywarden(...args, '--approver', APPROVER);
    assert.equal(second.code, 0, second.stderr);
    assert.match(second.stdout, new RegExp(`already running, nothing new started: revoke-${leaked}`));

    const handle = worker.client.workflow.getHandle(`revoke-${leaked}`);
    await waitForPhase(handle, ['awaiting-approval']);
    const approved = await keywarden('approve', `revoke-${leaked}`, '--approver', APPROVER);
    assert.equal(approved.code, 0, approved.stderr);
    assert.equal(((await handle.result()) as RevokeStatus).phase, 'deleted');

    const report = await keywarden('report', `revoke-${leaked}`, '--format', 'json');
    assert.equal(report.code, 0, report.stderr);
    const json = JSON.parse(report.stdout) as RevokeStatus;
    assert.equal(json.phase, 'deleted');
    assert.equal(json.revokedBy, INITIATOR);
    assert.equal(json.reason, 'found in a CI log');
    const status = await keywarden('status', `revoke-${leaked}`);
    assert.equal(status.code, 0, status.stderr);
    assert.match(status.stdout, /\*\*deleted\*\*/);
  });

  test('a rejection leaves the key inactive, undeleted', async () => {
    const leaked = seededKey('carol.dev');
    const iam = memberIam(aws, accountId);
    const { handle } = await revoke({ accessKeyId: leaked, approval: { approvers: [APPROVER] } });
    await waitForPhase(handle, ['awaiting-approval']);
    await handle.signal(rejectSignal, { approver: APPROVER, comment: 'false alarm, keep it off anyway' });
    const final = (await handle.result()) as RevokeStatus;
    assert.equal(final.phase, 'kept-inactive', final.summary);
    assert.equal(await keyStatus(iam, 'carol.dev', leaked), 'Inactive');
    assert.equal(final.deletedAt, undefined);
  });

  test('an approval from the initiator is refused: four eyes, nothing deleted', async () => {
    const leaked = seededKey('build-bot');
    const iam = memberIam(aws, accountId);
    const { handle } = await revoke({ accessKeyId: leaked, approval: { approvers: [APPROVER, INITIATOR] } });
    await waitForPhase(handle, ['awaiting-approval']);
    await assert.rejects(handle.executeUpdate('approve', { args: [{ approver: INITIATOR }] }));
    assert.equal(await keyStatus(iam, 'build-bot', leaked), 'Inactive');
    await handle.signal(rejectSignal, { approver: APPROVER });
    assert.equal(((await handle.result()) as RevokeStatus).phase, 'kept-inactive');
  });

  test('a key no user holds ends not-found, and nothing is changed', async () => {
    // The emulator answers GetAccessKeyInfo for an unknown key with the caller's (management)
    // account: give it the member role, so that account can be searched as AWS would search the real one.
    await aws.management().iam.send(
      new CreateRoleCommand({
        RoleName: DEFAULT_MEMBER_ROLE_NAME,
        AssumeRolePolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Principal: { AWS: '*' }, Action: 'sts:AssumeRole' }],
        }),
      }),
    );
    const { handle } = await revoke({
      accessKeyId: 'AKIAZZZZZZZZZZZZZZZZ',
      approval: { approvers: [APPROVER] },
    });
    const final = (await handle.result()) as RevokeStatus;
    assert.equal(final.phase, 'not-found', final.summary);
    assert.match(
      final.summary,
      /no IAM user of account \d{12} .*holds key AKIAZZZZZZZZZZZZZZZZ.*nothing was changed/,
    );
    assert.equal(final.deactivatedAt, undefined);
  });

  test('a key of an account outside the organization is refused, and nothing is changed', async () => {
    const stranger = new IAMClient({
      region: org.region,
      endpoint: stack.awsEndpoint,
      credentials: { accessKeyId: 'AKIASTRANGERSTRANGER', secretAccessKey: 'stranger' },
    });
    stranger.middlewareStack.add(
      (next) => (args) => {
        (args.request as { headers: Record<string, string> }).headers['x-moto-account-id'] = STRANGER_ACCOUNT;
        return next(args);
      },
      { step: 'build', name: 'strangerAccount' },
    );
    try {
      await stranger.send(new CreateUserCommand({ UserName: 'outsider' }));
      const key = (await stranger.send(new CreateAccessKeyCommand({ UserName: 'outsider' }))).AccessKey;
      assert.ok(key?.AccessKeyId);
      const { handle } = await revoke({ accessKeyId: key.AccessKeyId });
      const final = (await handle.result()) as RevokeStatus;
      assert.equal(final.phase, 'outside-organization', final.summary);
      assert.match(final.summary, new RegExp(`account ${STRANGER_ACCOUNT}, which is not a member`));
      assert.equal(await keyStatus(stranger, 'outsider', key.AccessKeyId), 'Active');
    } finally {
      stranger.destroy();
    }
  });
});
