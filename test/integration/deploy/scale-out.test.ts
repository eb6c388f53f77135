import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import { Client, Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { paths } from '../../../sandbox/project-paths';
import type { SeededOrg } from '../../../sandbox/seed-org';
import { runKeywardenFor } from '../../support/cli-process';
import { APPROVERS, listWorkflowIds, uniqueId } from '../../support/campaign-helpers';
import { freshOrg, testStack } from '../../support/test-stack';

const WORKERS = 3;
const { EventType } = temporal.api.enums.v1;

interface WorkerProcess {
  child: ChildProcess;
  output: string[];
  identity?: string;
}

describe('scaling out: a campaign runs on three `keywarden worker` processes sharing a task queue', () => {
  const stack = testStack();
  const taskQueue = `scale-out-${Date.now().toString(36)}`;
  const campaignId = uniqueId('scale-out');
  const dir = mkdtempSync(path.join(tmpdir(), 'keywarden-scale-out-'));
  const workers: WorkerProcess[] = [];
  let org: SeededOrg;
  let env: NodeJS.ProcessEnv;
  let connection: Connection;
  let client: Client;

  before(async () => {
    org = await freshOrg(stack, { memberAccounts: 3 });
    // What a deployment sets: the Temporal frontend and task queue, the AWS region and endpoint
    // (the emulator here), and base credentials through the standard variables.
    const { AWS_PROFILE: _profile, ...inherited } = process.env;
    env = {
      ...inherited,
      TEMPORAL_CONFIG_FILE: '',
      TEMPORAL_ADDRESS: stack.temporalAddress,
      TEMPORAL_NAMESPACE: stack.namespace,
      KEYWARDEN_TASK_QUEUE: taskQueue,
      AWS_REGION: org.region,
      AWS_ENDPOINT_URL: stack.awsEndpoint,
      AWS_ACCESS_KEY_ID: org.operatorCredentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: org.operatorCredentials.secretAccessKey,
    };
    for (let i = 0; i < WORKERS; i++) {
      const child = spawn(process.execPath, [path.join(paths.root, 'bin', 'keywarden.js'), 'worker'], {
        cwd: paths.root,
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const worker: WorkerProcess = { child, output: [] };
      const collect = (chunk: Buffer) => {
        const text = chunk.toString('utf8');
        worker.output.push(text);
        worker.identity ??= /^worker identity: (\S+)$/m.exec(worker.output.join(''))?.[1];
      };
      child.stdout?.on('data', collect);
      child.stderr?.on('data', collect);
      workers.push(worker);
    }
    // Each process bundles the workflow code before it polls: that takes a while on a busy machine.
    const deadline = Date.now() + 240_000;
    while (workers.some((w) => w.identity === undefined)) {
      const dead = workers.find((w) => w.child.exitCode !== null);
      if (dead) throw new Error(`a worker exited early:\n${dead.output.join('')}`);
      if (Date.now() > deadline) throw new Error('the workers did not start in time');
      await delay(250);
    }
    connection = await Connection.connect({ address: stack.temporalAddress });
    client = new Client({ connection, namespace: stack.namespace });
  });

  after(async () => {
    await Promise.all(
      workers.map(
        (w) =>
          new Promise<void>((resolve) => {
            if (w.child.exitCode !== null) return resolve();
            w.child.once('exit', () => resolve());
            w.child.kill('SIGTERM');
          }),
      ),
    );
    await connection?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('the campaign completes, and its activities ran on more than one process', async (t) => {
    assert.equal(new Set(workers.map((w) => w.identity)).size, WORKERS, 'every process has its own identity');
    const spec = path.join(dir, 'campaign.yaml');
    writeFileSync(
      spec,
      [
        `id: ${campaignId}`,
        'name: scale-out test',
        'initiator: platform-team@example.com',
        'scope: { allAccounts: true }',
        'policy: { exemptions: { groups: [keywarden-exempt] } }',
        'windows: { adoption: 1s, grace: 1s }',
        `approval: { approvers: [${APPROVERS.join(', ')}], timeout: 10m }`,
        '',
      ].join('\n'),
    );
    const run = await runKeywardenFor(300_000, env, 'rotate', spec, '--approve-as', APPROVERS[0] ?? '');
    assert.equal(run.code, 0, `${run.stdout}${run.stderr}`);
    const status = await client.workflow.getHandle(campaignId).describe();
    assert.equal(status.status.name, 'COMPLETED');

    const ids = await listWorkflowIds(
      client,
      `KeywardenCampaignId = '${campaignId}'`,
      1 + org.accounts.length,
    );
    const ranActivities = new Map<string, number>();
    for (const id of ids) {
      const history = await client.workflow.getHandle(id).fetchHistory();
      for (const event of history.events ?? []) {
        if (event.eventType !== EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED) continue;
        const identity = event.activityTaskStartedEventAttributes?.identity ?? '';
        ranActivities.set(identity, (ranActivities.get(identity) ?? 0) + 1);
      }
    }
    t.diagnostic(`activities per worker: ${JSON.stringify(Object.fromEntries(ranActivities))}`);
    const identities = new Set(workers.map((w) => w.identity));
    for (const identity of ranActivities.keys())
      assert.ok(identities.has(identity), `${identity} is one of ours`);
    assert.ok(
      ranActivities.size > 1,
      `activities ran on ${ranActivities.size} process(es): ${JSON.stringify([...ranActivities])}`,
    );
  });
});
