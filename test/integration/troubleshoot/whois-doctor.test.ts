import { ListAccessKeysCommand, PutGroupPolicyCommand, TagUserCommand } from '@aws-sdk/client-iam';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { AwsClients } from '../../../activities/aws/clients';
import type { KeyCauseCode } from '../../../domain/key-diagnosis';
import { paths } from '../../../sandbox/project-paths';
import type { SeededOrg } from '../../../sandbox/seed-org';
import { keyWorkflowId } from '../../../workflows/key-rotation';
import type { DoctorReport, WhoisReport } from '../../../client/troubleshoot/render-troubleshoot';
import { memberIam } from '../../support/aws-snapshot';
import { rotateWithApproval, startOffboardingOf } from '../../support/permission-scenarios';
import {
  awsClientsFor,
  freshOrg,
  startTestWorker,
  testStack,
  type RunningWorker,
} from '../../support/test-stack';
import { offboardingBody, waitForStatus } from '../offboarding/offboarding-fixtures';

interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

describe('keywarden whois and doctor on the emulated org', () => {
  const stack = testStack();
  let org: SeededOrg;
  let observer: AwsClients;
  let worker: RunningWorker;
  let accountId: string;
  let env: NodeJS.ProcessEnv;
  const started: string[] = [];

  before(async () => {
    org = await freshOrg(stack, { memberAccounts: 1 });
    observer = awsClientsFor(stack, org);
    worker = await startTestWorker(stack, org);
    accountId = org.accounts[0]!.accountId;
    // The seed grants nothing: give the developers group (alice.ops, carol.dev, grace.console, mallory) a policy.
    await memberIam(observer, accountId).send(
      new PutGroupPolicyCommand({
        GroupName: 'developers',
        PolicyName: 'read-s3',
        PolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }],
        }),
      }),
    );
    env = {
      ...process.env,
      TEMPORAL_ADDRESS: stack.temporalAddress,
      TEMPORAL_NAMESPACE: stack.namespace,
      KEYWARDEN_TASK_QUEUE: worker.taskQueue,
      ...(stack.uiUrl === '' ? {} : { TEMPORAL_UI_URL: stack.uiUrl }),
    };
  });
  after(async () => {
    for (const id of started)
      await worker.client.workflow
        .getHandle(id)
        .terminate('test cleanup')
        .catch(() => undefined);
    await worker?.stop();
    observer?.destroy();
  });

  const keywarden = (...args: string[]) =>
    new Promise<CliRun>((resolve) => {
      execFile(
        process.execPath,
        [path.join(paths.root, 'bin', 'keywarden.js'), ...args],
        { cwd: paths.root, env, timeout: 120_000 },
        (error, stdout, stderr) => {
          const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
          resolve({ code, stdout, stderr });
        },
      );
    });

  async function keysOf(userName: string) {
    const out = await memberIam(observer, accountId).send(new ListAccessKeysCommand({ UserName: userName }));
    return (out.AccessKeyMetadata ?? []).map((k) => ({ id: k.AccessKeyId ?? '', status: k.Status ?? '' }));
  }

  async function doctor(...args: string[]): Promise<DoctorReport> {
    const run = await keywarden('doctor', ...args, '--json');
    assert.equal(run.code, 0, run.stderr);
    return JSON.parse(run.stdout) as DoctorReport;
  }

  const codes = (report: DoctorReport): KeyCauseCode[] => report.causes.map((c) => c.code);

  let rotatedOldKey: string;

  test('whois on a key keywarden rotated: account, user, status, last use, where stored, the saga', async () => {
    const rotation = await rotateWithApproval(worker, [accountId]);
    const alice = rotation.reports[0]?.users.find((u) => u.userName === 'alice.ops');
    assert.equal(alice?.status, 'rotated', JSON.stringify(alice));
    const newKey = alice.newAccessKeyId ?? '';
    rotatedOldKey = alice.oldAccessKeyId ?? '';
    await memberIam(observer, accountId).send(
      new TagUserCommand({ UserName: 'alice.ops', Tags: [{ Key: newKey, Value: 'payments-api, prod' }] }),
    );

    const run = await keywarden('whois', newKey);
    assert.equal(run.code, 0, run.stderr);
    const account = org.accounts[0]!;
    assert.match(run.stdout, new RegExp(`^account: +${accountId} \\(${account.name}\\), OU Root/`, 'm'));
    assert.match(run.stdout, /^user: +alice\.ops \(arn:aws:iam::\d{12}:user\/alice\.ops\)$/m);
    assert.match(run.stdout, /^status: +Active, 0 days old \(created \d{4}-/m);
    // keywarden's own verification (sts:GetCallerIdentity) is the new key's first use.
    assert.match(run.stdout, /^last used: +\d{4}-[\d-]+T[\d:.]+Z \(sts in us-east-1\)$/m);
    assert.match(run.stdout, /^description: +payments-api, prod$/m);
    assert.match(run.stdout, /^stored in: +secret keywarden\/alice\.ops, version [\w-]+ \(AWSCURRENT\)$/m);
    const sagaId = keyWorkflowId(accountId, 'alice.ops');
    assert.match(
      run.stdout,
      new RegExp(`^last touched: ${sagaId.replace(/\./g, '\\.')} \\(key-rotation, completed, closed `, 'm'),
    );
    if (stack.uiUrl !== '')
      assert.ok(run.stdout.includes(`/workflows/${encodeURIComponent(sagaId)}`), run.stdout);
    assert.doesNotMatch(run.stdout, /SecretAccessKey/);

    const json = await keywarden('whois', newKey, '--json');
    assert.equal(json.code, 0, json.stderr);
    const report = JSON.parse(json.stdout) as WhoisReport;
    assert.equal(report.accessKeyId, newKey);
    assert.equal(report.userName, 'alice.ops');
    assert.equal(report.account.accountId, accountId);
    assert.equal(report.key.status, 'Active');
    assert.equal(report.key.description, 'payments-api, prod');
    assert.equal(report.stored[0]?.name, 'keywarden/alice.ops');
    assert.deepEqual(
      report.stored[0]?.versions.map((v) => v.stages),
      [['AWSCURRENT']],
    );
    assert.equal(report.lastTouched?.workflowId, sagaId);
    assert.doesNotMatch(json.stdout, /SecretAccessKey/);

    // The rotated key works as far as AWS shows: nothing to report.
    const healthy = await doctor(newKey);
    assert.deepEqual(codes(healthy), []);
    const text = await keywarden('doctor', newKey);
    assert.match(text.stdout, /no cause found/);
  });

  test('a deleted key: doctor says deleted or unknown, whois refuses it with exit code 2', async () => {
    assert.ok(rotatedOldKey, 'the rotation deleted an old key');
    // AWS decodes a key's account from its ID, deleted or not; the emulator knows only keys that
    // exist (it names its default account for others), so the account is given here.
    const report = await doctor(rotatedOldKey, '--account', accountId);
    assert.deepEqual(codes(report), ['deleted-or-unknown']);
    assert.match(
      report.causes[0]?.problem ?? '',
      new RegExp(`key ${rotatedOldKey} does not exist in account ${accountId}`),
    );

    const run = await keywarden('whois', rotatedOldKey, '--account', accountId);
    assert.equal(run.code, 2, run.stderr);
    assert.match(
      run.stderr,
      new RegExp(`no access key ${rotatedOldKey} in account ${accountId}.*deleted, or never existed`),
    );
    assert.equal(run.stdout, '');
  });

  test('an account outside the organization, or a key keywarden cannot reach: a clear error', async () => {
    for (const command of ['whois', 'doctor']) {
      const run = await keywarden(command, 'AKIAIOSFODNN7EXAMPLE', '--account', '999999999999');
      assert.equal(run.code, 2, run.stderr);
      assert.match(run.stderr, /account 999999999999 is not an account of this organization/);
      assert.doesNotMatch(run.stderr, /\n\s+at .*\.js:\d+/, 'no stack trace');
      assert.equal(run.stdout, '');
    }
    // AWS would name the account the ID encodes; the emulator names the management account for a
    // key it does not know, and the seeded management account has no member role to read it with.
    const unknown = await keywarden('doctor', 'AKIAIOSFODNN7EXAMPLE');
    assert.equal(unknown.code, 1, unknown.stderr);
    assert.match(
      unknown.stderr,
      /^keywarden: could not read AKIAIOSFODNN7EXAMPLE: finding the user of key AKIAIOSFODNN7EXAMPLE in account \d{12}: AccessDenied: missing permission sts:AssumeRole/,
    );
    assert.equal(unknown.stdout, '');
  });

  test('doctor on an inactive key (its user holds two)', async () => {
    const inactive = (await keysOf('ivan.rotated')).find((k) => k.status === 'Inactive');
    assert.ok(inactive);
    const report = await doctor(inactive.id);
    assert.deepEqual(codes(report), ['inactive', 'no-permissions', 'two-keys']);
    assert.match(
      report.causes[0]?.fix ?? '',
      /update-access-key --user-name ivan\.rotated .* --status Active/,
    );

    const text = await keywarden('doctor', inactive.id);
    assert.equal(text.stdout.trim().split('\n').length, 3, 'one cause a line');
    assert.match(text.stdout, /^inactive: key AKIA\w+ of ivan\.rotated is Inactive\. Fix: /m);
  });

  test('doctor on a user with no permissions, a user with two keys, a user with none', async () => {
    assert.deepEqual(codes(await doctor('--account', accountId, '--user', 'build-bot')), ['no-permissions']);
    const dave = await doctor('--account', accountId, '--user', 'dave.legacy');
    assert.deepEqual(codes(dave), ['no-permissions', 'two-keys']);
    assert.match(dave.causes[1]?.problem ?? '', /dave\.legacy holds two keys/);
    assert.deepEqual(codes(await doctor('--account', accountId, '--user', 'grace.console')), ['no-keys']);
    assert.deepEqual(codes(await doctor('--account', accountId, '--user', 'nobody.here')), ['user-unknown']);
  });

  test('doctor on a contained user names the offboarding that contained it', async () => {
    const workflowId = await startOffboardingOf(
      worker,
      offboardingBody(`emp-doctor-${Date.now().toString(36)}`, { scope: { includeAccounts: [accountId] } }),
    );
    started.push(workflowId);
    await waitForStatus(worker.client, workflowId, (s) => s.phase === 'awaiting-approval', 120_000);
    const active = (await keysOf('mallory'))[0];
    assert.ok(active);
    const report = await doctor(active.id);
    assert.deepEqual(codes(report), ['inactive', 'contained', 'two-keys']);
    assert.match(
      report.causes[1]?.problem ?? '',
      new RegExp(`attached by offboarding ${workflowId} \\(running\\)`),
    );
    assert.match(report.causes[1]?.fix ?? '', new RegExp(`keywarden cancel ${workflowId}`));

    const whois = await keywarden('whois', active.id, '--json');
    assert.equal(whois.code, 0, whois.stderr);
    assert.equal((JSON.parse(whois.stdout) as WhoisReport).lastTouched?.workflowId, workflowId);
  });

  test('malformed input: a clear error, exit code 2, nothing started', async () => {
    const lookups = async () => {
      let n = 0;
      for await (const _ of worker.client.workflow.list({ query: 'WorkflowType = "keyLookup"' })) n++;
      return n;
    };
    const before = await lookups();
    const cases: Array<[string[], RegExp]> = [
      [
        ['whois', 'not-a-key'],
        /"not-a-key" is not an access key ID: .*"AKIA" followed by 16 capital letters or digits/,
      ],
      [['doctor', 'ASIAIOSFODNN7EXAMPLE'], /temporary key of a role session/],
      [['doctor', '--account', '12345', '--user', 'x'], /an account ID is exactly 12 digits/],
      [['doctor', '--account', accountId], /give an access key ID, or both --account <id> and --user <name>/],
      [
        ['doctor', 'AKIAIOSFODNN7EXAMPLE', '--user', 'x'],
        /either an access key ID or --account and --user, not both/,
      ],
    ];
    for (const [args, message] of cases) {
      const run = await keywarden(...args);
      assert.equal(run.code, 2, `${args.join(' ')}: ${run.stderr}`);
      assert.match(run.stderr, message);
      assert.doesNotMatch(run.stderr, /\n\s+at .*\.js:\d+/, 'no stack trace');
      assert.equal(run.stdout, '');
    }
    assert.equal(await lookups(), before, 'no lookup workflow was started');
  });
});
