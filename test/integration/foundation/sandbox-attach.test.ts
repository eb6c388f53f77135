import { ListAccessKeysCommand, ListUserPoliciesCommand } from '@aws-sdk/client-iam';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { memberRef } from '../../support/aws-snapshot';
import { motoReady } from '../../../sandbox/moto-server';
import { isAlive, stopProcess } from '../../../sandbox/processes';
import { SandboxStateSchema, type SandboxState } from '../../../sandbox/sandbox-state';
import type { SeededOrg } from '../../../sandbox/seed-org';
import { runKeywarden, runKeywardenFor } from '../../support/cli-process';
import { awsClientsFor, freshOrg, testStack } from '../../support/test-stack';

const stack = testStack();
const state = mkdtempSync(path.join(tmpdir(), 'keywarden-attach-'));

describe('keywarden sandbox up --aws-endpoint --no-seed, and offboard --wait', () => {
  let org: SeededOrg;
  let env: NodeJS.ProcessEnv;
  let recorded: SandboxState;

  before(async () => {
    org = await freshOrg(stack, { memberAccounts: 2 });
    const inherited = Object.fromEntries(
      Object.entries(process.env).filter(
        ([name]) => !name.startsWith('TEMPORAL_') && !name.startsWith('AWS_'),
      ),
    );
    env = {
      ...inherited,
      KEYWARDEN_STATE_DIR: state,
      TEMPORAL_CONFIG_FILE: '',
      AWS_ACCESS_KEY_ID: org.operatorCredentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: org.operatorCredentials.secretAccessKey,
    };
  });
  after(async () => {
    await runKeywarden(env, 'sandbox', 'down');
    // Whatever a failed test left behind: only the processes this sandbox recorded.
    for (const p of recorded?.processes ?? []) if (isAlive(p.pid)) await stopProcess(p.pid);
    rmSync(state, { recursive: true, force: true });
  });

  test('--no-seed without --aws-endpoint is refused with what to do', async () => {
    const noEndpoint = await runKeywarden(env, 'sandbox', 'up', '--no-seed');
    assert.notEqual(noEndpoint.code, 0);
    assert.match(noEndpoint.stderr, /--no-seed needs --aws-endpoint <url>/);
  });

  test('up attaches to the running emulator: Temporal and a worker, the org read as it is, nothing seeded', async () => {
    const up = await runKeywardenFor(
      300_000,
      env,
      'sandbox',
      'up',
      '--aws-endpoint',
      stack.awsEndpoint,
      '--no-seed',
    );
    assert.equal(up.code, 0, up.stderr);
    assert.match(up.stdout, /attached: not started or stopped by the sandbox/);
    recorded = SandboxStateSchema.parse(JSON.parse(readFileSync(path.join(state, 'sandbox.json'), 'utf8')));
    assert.deepEqual(
      recorded.processes.map((p) => p.name),
      ['temporal', 'worker'],
      'no emulator of its own',
    );
    assert.equal(recorded.aws.endpoint, stack.awsEndpoint);
    assert.equal(recorded.aws.attached, true);
    assert.equal(recorded.aws.managementAccountId, org.managementAccountId);
    assert.deepEqual(
      recorded.org.accounts.map((a) => `${a.accountId} ${a.ouName}`).sort(),
      org.accounts.map((a) => `${a.accountId} ${a.ouName}`).sort(),
    );
    assert.deepEqual(recorded.org.ous.map((o) => o.path).sort(), org.ous.map((o) => o.path).sort());
  });

  test('offboard --wait returns when the leaver is contained and prints the time to containment', async () => {
    const run = await runKeywardenFor(
      180_000,
      env,
      'offboard',
      '--employee',
      'e-attach',
      '--email',
      'mallory@example.com',
      '--initiator',
      'hr@example.com',
      '--approver',
      'security-lead@example.com',
      '--exclude-account',
      org.managementAccountId,
      '--wait',
    );
    assert.equal(run.code, 0, run.stderr);
    assert.match(
      run.stdout,
      /contained in \d+\.\d\d s \(request to contained\): 2 user\(s\) in 2 account\(s\); 2 account\(s\) searched/,
    );
    const aws = awsClientsFor(stack, org);
    try {
      for (const { accountId, userName } of [
        { accountId: org.accounts[0]!.accountId, userName: 'mallory' },
        { accountId: org.accounts[1]!.accountId, userName: 'mallory-admin' },
      ]) {
        const iam = aws.member(memberRef(accountId)).iam;
        const keys = await iam.send(new ListAccessKeysCommand({ UserName: userName }));
        assert.ok(
          (keys.AccessKeyMetadata ?? []).every((k) => k.Status === 'Inactive'),
          `${userName} keys inactive`,
        );
        const policies = await iam.send(new ListUserPoliciesCommand({ UserName: userName }));
        assert.deepEqual(policies.PolicyNames, ['keywarden-offboarding-deny-all']);
      }
    } finally {
      aws.destroy();
    }
  });

  test('--wait --until a phase returns at that phase; a phase that does not exist is refused', async () => {
    const common = [
      '--email',
      'mallory@example.com',
      '--initiator',
      'hr@example.com',
      '--approver',
      'security-lead@example.com',
    ];
    const atGate = await runKeywardenFor(
      180_000,
      env,
      'offboard',
      '--employee',
      'e-attach-gate',
      ...common,
      '--exclude-account',
      org.managementAccountId,
      '--wait',
      '--until',
      'awaiting-approval',
    );
    assert.equal(atGate.code, 0, atGate.stderr);
    assert.match(atGate.stdout, /phase awaiting-approval reached/);
    const timedOut = await runKeywardenFor(
      60_000,
      env,
      'offboard',
      '--employee',
      'e-attach-gate',
      ...common,
      '--wait',
      '--until',
      'completed',
      '--wait-timeout',
      '1s',
    );
    assert.equal(timedOut.code, 1);
    assert.match(timedOut.stdout, /already running, nothing new started/);
    assert.match(timedOut.stderr, /still in phase awaiting-approval after waiting 1s for completed/);
    const bogus = await runKeywarden(
      env,
      'offboard',
      '--employee',
      'e-x',
      ...common,
      '--wait',
      '--until',
      'done',
    );
    assert.notEqual(bogus.code, 0);
    assert.match(bogus.stderr, /--until takes contained or a phase \(discovering, containing/);
  });

  test('down stops Temporal and the worker, and leaves the emulator it did not start running', async () => {
    const down = await runKeywarden(env, 'sandbox', 'down');
    assert.equal(down.code, 0, down.stderr);
    for (const p of recorded.processes) assert.ok(!isAlive(p.pid), `${p.name} (pid ${p.pid}) is gone`);
    assert.ok(await motoReady(stack.awsEndpoint), 'the emulator still answers');
  });
});
