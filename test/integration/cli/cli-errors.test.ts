import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Client, Connection, WorkflowNotFoundError } from '@temporalio/client';
import { KeywardenCampaignId, KeywardenInitiator, KeywardenKind } from '../../../domain/search-attributes';
import { paths } from '../../../sandbox/project-paths';
import { testStack } from '../../support/test-stack';

interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

describe('the keywarden CLI refuses bad input clearly, with exit code 2, and starts nothing', () => {
  const stack = testStack();
  // A task queue no worker polls: whatever the CLI starts stays put, and nothing touches AWS.
  const taskQueue = `cli-errors-${Date.now()}`;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    TEMPORAL_ADDRESS: stack.temporalAddress,
    TEMPORAL_NAMESPACE: stack.namespace,
    KEYWARDEN_TASK_QUEUE: taskQueue,
  };
  const dir = mkdtempSync(path.join(tmpdir(), 'keywarden-cli-'));
  let connection: Connection;
  let client: Client;
  const started: string[] = [];

  before(async () => {
    connection = await Connection.connect({ address: stack.temporalAddress });
    client = new Client({ connection, namespace: stack.namespace });
  });
  after(async () => {
    for (const id of started)
      await client.workflow
        .getHandle(id)
        .terminate('test cleanup')
        .catch(() => undefined);
    await connection?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const keywarden = (...args: string[]) =>
    new Promise<CliRun>((resolve) => {
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

  const specText = (id: string, extra = '') =>
    `id: ${id}\nname: CLI test\ninitiator: ops@example.com\nscope:\n  allAccounts: true\n` +
    `approval:\n  approvers: [alice@example.com]\n${extra}`;

  async function assertNotStarted(id: string): Promise<void> {
    await assert.rejects(client.workflow.getHandle(id).describe(), WorkflowNotFoundError);
  }

  test('a spec with a wrong type: exit 2, the field is named, no workflow', async () => {
    const id = `cli-bad-type-${Date.now()}`;
    const file = path.join(dir, 'bad-type.yaml');
    writeFileSync(file, specText(id, 'policy:\n  maxKeyAgeDays: ninety\n'));
    const run = await keywarden('rotate', file);
    assert.equal(run.code, 2, run.stderr);
    assert.match(run.stderr, /bad-type\.yaml is not a valid campaign spec/);
    assert.match(run.stderr, /→ at policy\.maxKeyAgeDays/);
    assert.doesNotMatch(run.stderr, /\n\s+at .*\.js:\d+/, 'no stack trace');
    assert.equal(run.stdout, '');
    await assertNotStarted(id);
  });

  test('a misspelt key and a bad duration (JSON spec): exit 2, both named, no workflow', async () => {
    const id = `cli-bad-json-${Date.now()}`;
    const file = path.join(dir, 'bad.json');
    writeFileSync(
      file,
      JSON.stringify({
        id,
        name: 'CLI test',
        initiator: 'ops@example.com',
        scope: { allAccounts: true },
        approval: { approvers: ['alice@example.com'], timout: '1d' },
        windows: { grace: 'soon' },
      }),
    );
    const run = await keywarden('rotate', file, '--dry-run');
    assert.equal(run.code, 2, run.stderr);
    assert.match(run.stderr, /Unrecognized key: "timout"/);
    assert.match(run.stderr, /→ at windows\.grace/);
    await assertNotStarted(id);
  });

  test('a missing spec file: exit 2', async () => {
    const run = await keywarden('rotate', path.join(dir, 'nope.yaml'));
    assert.equal(run.code, 2);
    assert.match(run.stderr, /nope\.yaml does not exist/);
  });

  test('status of an unknown ID: exit 2, names the ID and the namespace', async () => {
    const run = await keywarden('status', 'no-such-id');
    assert.equal(run.code, 2, run.stderr);
    assert.equal(
      run.stderr.trim(),
      `keywarden: no campaign or offboarding with ID no-such-id in namespace ${stack.namespace}`,
    );
  });

  test('approve and report of an unknown ID: exit 2', async () => {
    const approve = await keywarden('approve', 'no-such-id', '--approver', 'alice@example.com');
    assert.equal(approve.code, 2, approve.stderr);
    assert.match(approve.stderr, /no campaign or offboarding with ID no-such-id/);
    const report = await keywarden('report', 'no-such-id', '--format', 'csv');
    assert.equal(report.code, 2, report.stderr);
  });

  test('bad options are usage errors: exit 2', async () => {
    assert.equal((await keywarden('report', 'x', '--format', 'xml')).code, 2);
    assert.equal((await keywarden('approve', 'x')).code, 2, '--approver is required');
  });

  test('a campaign ID that already exists: exit 2 and the first run is left alone', async () => {
    const id = `cli-dup-${Date.now()}`;
    const file = path.join(dir, 'dup.yaml');
    writeFileSync(file, specText(id));
    const first = await keywarden('rotate', file, '--dry-run');
    started.push(id);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, new RegExp(`started campaign ${id} \\(dry run`));
    const description = await client.workflow.getHandle(id).describe();
    assert.equal(description.type, 'rotationCampaign');
    assert.equal(description.taskQueue, taskQueue);
    assert.equal(description.typedSearchAttributes.get(KeywardenKind), 'campaign');
    assert.equal(description.typedSearchAttributes.get(KeywardenCampaignId), id);
    assert.equal(description.typedSearchAttributes.get(KeywardenInitiator), 'ops@example.com');

    const second = await keywarden('rotate', file);
    assert.equal(second.code, 2, second.stderr);
    assert.equal(
      second.stderr.trim(),
      `keywarden: a campaign with ID ${id} already exists: choose another spec.id`,
    );
    const after = await client.workflow.getHandle(id).describe();
    assert.equal(after.runId, description.runId);
  });
});
