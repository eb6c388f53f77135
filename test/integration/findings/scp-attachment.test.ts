import { ListPoliciesCommand, ListPoliciesForTargetCommand } from '@aws-sdk/client-organizations';
import type { Client } from '@temporalio/client';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import type { AwsClients } from '../../../activities/aws/clients';
import { buildScp, scpAttachmentWorkflowId, type ScpAttachmentStatus } from '../../../domain/scp';
import type { SeededOrg } from '../../../sandbox/seed-org';
import { paths } from '../../../sandbox/project-paths';
import {
  awsClientsFor,
  freshOrg,
  startTestWorker,
  testStack,
  type RunningWorker,
} from '../../support/test-stack';

interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

const INITIATOR = 'platform-team@example.com';
const APPROVER = 'security-lead@example.com';

async function statusUntil(
  client: Client,
  workflowId: string,
  holds: (s: ScpAttachmentStatus) => boolean,
): Promise<ScpAttachmentStatus> {
  const deadline = Date.now() + 60_000;
  let last: ScpAttachmentStatus | undefined;
  while (Date.now() < deadline) {
    last = await client.workflow
      .getHandle(workflowId)
      .query<ScpAttachmentStatus>('status')
      .catch(() => undefined);
    if (last !== undefined && holds(last)) return last;
    await delay(250);
  }
  assert.fail(`${workflowId} never got there; last status ${JSON.stringify(last)}`);
}

describe('keywarden scp: the document, and --attach only after approval', () => {
  const stack = testStack();
  let org: SeededOrg;
  let aws: AwsClients;
  let worker: RunningWorker;

  const keywarden = (...args: string[]) =>
    new Promise<CliRun>((resolve) => {
      execFile(
        process.execPath,
        [path.join(paths.root, 'bin', 'keywarden.js'), ...args],
        {
          cwd: paths.root,
          timeout: 120_000,
          env: {
            ...process.env,
            TEMPORAL_ADDRESS: stack.temporalAddress,
            TEMPORAL_NAMESPACE: stack.namespace,
            KEYWARDEN_TASK_QUEUE: worker.taskQueue,
          },
        },
        (error, stdout, stderr) => {
          resolve({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr });
        },
      );
    });
  const ouId = (name: string) => org.ous.find((o) => o.name === name)!.id;
  /** The SCPs attached to the target, AWS's own FullAWSAccess (on every OU) left out. */
  const policiesOn = async (target: string) =>
    (
      (
        await aws
          .management()
          .organizations.send(
            new ListPoliciesForTargetCommand({ TargetId: target, Filter: 'SERVICE_CONTROL_POLICY' }),
          )
      ).Policies ?? []
    ).filter((p) => p.AwsManaged !== true);
  const scpNames = async () =>
    (
      (
        await aws
          .management()
          .organizations.send(new ListPoliciesCommand({ Filter: 'SERVICE_CONTROL_POLICY' }))
      ).Policies ?? []
    ).map((p) => p.Name);

  before(async () => {
    org = await freshOrg(stack, { memberAccounts: 1 });
    aws = awsClientsFor(stack, org);
    worker = await startTestWorker(stack, org);
  });
  after(async () => {
    await worker?.stop();
    aws?.destroy();
  });

  test('prints the policy that denies key creation to all but keywarden and break-glass roles', async () => {
    const run = await keywarden('scp', '--role', 'KeywardenMemberRole', '--break-glass-role', 'BreakGlass');
    assert.equal(run.code, 0, run.stderr);
    const built = buildScp({ keywardenRole: 'KeywardenMemberRole', breakGlassRoles: ['BreakGlass'] });
    assert.ok(built.ok);
    assert.equal(run.stdout.trim(), built.text);
    const doc = JSON.parse(run.stdout) as { Statement: Array<{ Condition: unknown }> };
    assert.deepEqual(doc.Statement[0]?.Condition, {
      ArnNotLike: {
        'aws:PrincipalARN': ['arn:aws:iam::*:role/KeywardenMemberRole', 'arn:aws:iam::*:role/BreakGlass'],
      },
    });
  });

  test('bad input is refused with what to fix, and nothing is started or changed', async () => {
    const before = await scpNames();
    const cases: Array<[string[], RegExp]> = [
      [
        ['scp', '--attach', 'Prod', '--approver', APPROVER, '--initiator', INITIATOR],
        /--attach: an OU ID looks like/,
      ],
      [['scp', '--attach', ouId('Prod'), '--initiator', INITIATOR], /--approver: list at least one approver/],
      [['scp', '--attach', ouId('Prod'), '--approver', APPROVER], /--attach needs --initiator/],
      [
        ['scp', '--attach', ouId('Prod'), '--approver', INITIATOR, '--initiator', INITIATOR],
        /only 0 approvers other than the initiator/,
      ],
      [['scp', '--role', 'a/b'], /--role: "a\/b" is neither a role name/],
      [['scp', '--approver', APPROVER], /go with --attach/],
    ];
    for (const [args, message] of cases) {
      const run = await keywarden(...args);
      assert.equal(run.code, 2, `${args.join(' ')}: ${run.stderr}`);
      assert.match(run.stderr, message, args.join(' '));
    }
    // An OU that does not exist: the run checks it before anyone is asked, and attaches nothing.
    const missing = 'ou-zzzz-zzzzzzzz';
    const run = await keywarden('scp', '--attach', missing, '--approver', APPROVER, '--initiator', INITIATOR);
    assert.equal(run.code, 1, run.stderr);
    assert.match(run.stderr, /nothing was attached: there is no OU ou-zzzz-zzzzzzzz in this organization/);
    assert.deepEqual(await scpNames(), before);
  });

  test('attaches only after approval; ListPoliciesForTarget shows it', async () => {
    const prod = ouId('Prod');
    const run = await keywarden('scp', '--attach', prod, '--approver', APPROVER, '--initiator', INITIATOR);
    assert.equal(run.code, 0, run.stderr);
    const workflowId = scpAttachmentWorkflowId(prod);
    assert.match(run.stdout, new RegExp(`keywarden approve ${workflowId} --approver`));

    const waiting = await statusUntil(worker.client, workflowId, (s) => s.phase === 'awaiting-approval');
    assert.equal(waiting.ouName, 'Prod');
    assert.match(waiting.approval.plan?.digest ?? '', /^[0-9a-f]{64}$/);
    assert.deepEqual(await policiesOn(prod), [], 'nothing is attached while approval is pending');
    assert.ok(!(await scpNames()).includes('keywarden-deny-access-key-creation'), 'nor created');

    // The initiator may not approve (four eyes): the gate refuses, still nothing attached.
    const selfApproval = await keywarden('approve', workflowId, '--approver', INITIATOR);
    assert.notEqual(selfApproval.code, 0);
    assert.deepEqual(await policiesOn(prod), []);

    const approve = await keywarden(
      'approve',
      workflowId,
      '--approver',
      APPROVER,
      '--comment',
      'lock it down',
    );
    assert.equal(approve.code, 0, approve.stderr);
    const result = (await worker.client.workflow.getHandle(workflowId).result()) as ScpAttachmentStatus;
    assert.equal(result.phase, 'attached', result.error);
    assert.equal(result.created, true);
    const attached = await policiesOn(prod);
    assert.deepEqual(
      attached.map((p) => [p.Name, p.Id]),
      [['keywarden-deny-access-key-creation', result.policyId]],
    );
  });

  test('a second OU reuses the policy found by name; a rejection attaches nothing', async () => {
    const dev = ouId('Dev');
    const devRun = await keywarden('scp', '--attach', dev, '--approver', APPROVER, '--initiator', INITIATOR);
    assert.equal(devRun.code, 0, devRun.stderr);
    const devId = scpAttachmentWorkflowId(dev);
    await worker.client.workflow.getHandle(devId).signal('approve', { approver: APPROVER });
    const devResult = (await worker.client.workflow.getHandle(devId).result()) as ScpAttachmentStatus;
    assert.equal(devResult.phase, 'attached', devResult.error);
    assert.equal(devResult.created, false, 'found by name, with the same document');
    assert.equal((await policiesOn(dev)).length, 1);

    const sandbox = ouId('Sandbox');
    const run = await keywarden(
      'scp',
      '--attach',
      sandbox,
      '--policy-name',
      'keywarden-rejected',
      '--approver',
      APPROVER,
      '--initiator',
      INITIATOR,
    );
    assert.equal(run.code, 0, run.stderr);
    const workflowId = scpAttachmentWorkflowId(sandbox);
    const reject = await keywarden('reject', workflowId, '--approver', APPROVER, '--comment', 'not now');
    assert.equal(reject.code, 0, reject.stderr);
    const result = (await worker.client.workflow.getHandle(workflowId).result()) as ScpAttachmentStatus;
    assert.equal(result.phase, 'rejected');
    assert.deepEqual(await policiesOn(sandbox), [], 'a rejection attaches nothing');
    assert.ok(!(await scpNames()).includes('keywarden-rejected'), 'and creates nothing');
  });
});
