import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Client, Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import type { SeededOrg } from '../../../sandbox/seed-org';
import { runKeywardenFor } from '../../support/cli-process';
import { APPROVERS, listWorkflowIds, uniqueId } from '../../support/campaign-helpers';
import { freshOrg, testStack } from '../../support/test-stack';
import { WorkerPool, workerEnv } from '../../support/worker-processes';

const WORKERS = 3;
const { EventType } = temporal.api.enums.v1;

describe('scaling out: a campaign runs on three `keywarden worker` processes sharing a task queue', () => {
  const stack = testStack();
  const taskQueue = `scale-out-${Date.now().toString(36)}`;
  const campaignId = uniqueId('scale-out');
  const dir = mkdtempSync(path.join(tmpdir(), 'keywarden-scale-out-'));
  let pool: WorkerPool | undefined;
  let org: SeededOrg;
  let env: NodeJS.ProcessEnv;
  let connection: Connection;
  let client: Client;

  before(async () => {
    org = await freshOrg(stack, { memberAccounts: 3 });
    env = workerEnv({
      temporalAddress: stack.temporalAddress,
      namespace: stack.namespace,
      taskQueue,
      region: org.region,
      awsEndpoint: stack.awsEndpoint,
      credentials: org.operatorCredentials,
    });
    pool = await WorkerPool.start(WORKERS, env);
    connection = await Connection.connect({ address: stack.temporalAddress });
    client = new Client({ connection, namespace: stack.namespace });
  });

  after(async () => {
    await pool?.stop();
    await connection?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('the campaign completes, and its activities ran on more than one process', async (t) => {
    const identities = pool?.identities() ?? new Set<string>();
    assert.equal(identities.size, WORKERS, 'every process has its own identity');
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
    for (const identity of ranActivities.keys())
      assert.ok(identities.has(identity), `${identity} is one of ours`);
    assert.ok(
      ranActivities.size > 1,
      `activities ran on ${ranActivities.size} process(es): ${JSON.stringify([...ranActivities])}`,
    );
  });
});
