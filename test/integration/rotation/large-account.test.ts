import { CreateAccessKeyCommand, CreateUserCommand } from '@aws-sdk/client-iam';
import type { temporal } from '@temporalio/proto';
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { mapWithConcurrency } from '../../../activities/aws/iam-gateway';
import { backdate } from '../../../sandbox/moto-server';
import type { SeededOrg } from '../../../sandbox/seed-org';
import { ORG_ACCESS_ROLE } from '../../../sandbox/seed-org';
import { approveSignal } from '../../../workflows/messages';
import {
  APPROVERS,
  listWorkflowIds,
  startCampaign,
  testSpec,
  uniqueId,
  waitForPhase,
} from '../../support/campaign-helpers';
import { freshOrg, startTestWorker, testStack, type RunningWorker } from '../../support/test-stack';

/** 1,000 in npm test; KEYWARDEN_LARGE_ACCOUNT_USERS=3000 (or more) for a longer run. */
const EXTRA_USERS = Number(process.env.KEYWARDEN_LARGE_ACCOUNT_USERS ?? 1000);
/** Small enough that the rotations alone make the account workflow continue as new several times. */
const CONTINUE_AS_NEW_AFTER_USERS = 25;
const DAY = 86_400_000;

/** The largest payload of a history (inputs, results, signal arguments), in bytes, and its length in events. */
function measure(history: temporal.api.history.v1.IHistory): { events: number; largestPayload: number } {
  let largestPayload = 0;
  const walk = (node: unknown): void => {
    if (node === null || typeof node !== 'object') return;
    if (node instanceof Uint8Array) return;
    const payload = node as { data?: unknown; metadata?: unknown };
    if (payload.data instanceof Uint8Array && payload.metadata !== undefined) {
      largestPayload = Math.max(largestPayload, payload.data.length);
      return;
    }
    for (const value of Object.values(node)) walk(value);
  };
  walk(history.events);
  return { events: history.events?.length ?? 0, largestPayload };
}

/**
 * One member account with 1,000 more IAM users (a tenth with a key past the age limit, a tenth
 * with a young key, the rest without keys) inventoried page by page and rotated on the emulator.
 * The account workflow continues as new every 25 users; nothing comes near Temporal's limits.
 */
describe(`an account with ${EXTRA_USERS.toLocaleString('en-US')} more IAM users, on the real stack`, () => {
  const stack = testStack();
  let org: SeededOrg;
  let worker: RunningWorker;

  before(async () => {
    org = await freshOrg(stack, { memberAccounts: 1 });
    worker = await startTestWorker(stack, org);
  });
  after(async () => worker?.stop());

  test('inventories and rotates; prints the largest payload and the largest history', async () => {
    const accountId = org.accounts[0]!.accountId;
    const iam = worker.aws.member({
      accountId,
      roleName: ORG_ACCESS_ROLE,
      sessionName: 'keywarden-test-seed',
    }).iam;
    const seedStart = Date.now();
    const names = Array.from({ length: EXTRA_USERS }, (_, i) => `bulk-${String(i).padStart(4, '0')}`);
    await mapWithConcurrency(names, 16, async (userName, i) => {
      await iam.send(new CreateUserCommand({ UserName: userName }));
      if (i % 10 !== 0 && i % 10 !== 5) return;
      const { AccessKey } = await iam.send(new CreateAccessKeyCommand({ UserName: userName }));
      const ageDays = i % 10 === 0 ? 200 : 10;
      await backdate(stack.awsEndpoint, {
        accountId,
        userName,
        accessKeyId: AccessKey?.AccessKeyId ?? '',
        keyCreateDate: new Date(Date.now() - ageDays * DAY).toISOString(),
        lastUsed: { date: new Date(Date.now() - DAY).toISOString(), service: 's3' },
      });
    });
    const seedSeconds = Math.round((Date.now() - seedStart) / 1000);

    const spec = testSpec({
      id: uniqueId('large'),
      scope: { includeAccounts: [accountId] },
      limits: {
        maxAccountsInFlight: 1,
        maxKeysInFlightPerAccount: 10,
        continueAsNewAfterUsers: CONTINUE_AS_NEW_AFTER_USERS,
        inventoryPageSize: 50,
      },
    });
    const runStart = Date.now();
    const handle = await startCampaign(worker.client, worker.taskQueue, spec);
    const waiting = await waitForPhase(handle, ['awaiting-approval', 'failed'], 15 * 60_000);
    assert.equal(waiting.phase, 'awaiting-approval');
    const toRotate = EXTRA_USERS / 10;
    assert.ok(waiting.usersAwaitingDecision >= toRotate, `${waiting.usersAwaitingDecision} users wait`);
    await handle.signal(approveSignal, { approver: APPROVERS[0] });
    const status = await handle.result();
    const runSeconds = Math.round((Date.now() - runStart) / 1000);
    assert.equal(status.phase, 'completed');
    assert.ok((status.users.rotated ?? 0) >= toRotate, JSON.stringify(status.users));
    assert.ok(status.usersWithoutKeys >= EXTRA_USERS * 0.8, `${status.usersWithoutKeys} users without keys`);

    // Every workflow of the campaign, every run of each: the largest payload and history.
    const ids = await listWorkflowIds(
      worker.client,
      `KeywardenCampaignId = "${spec.id}"`,
      1 + (status.users.rotated ?? 0),
    );
    let largest = { events: 0, largestPayload: 0, eventsId: '', payloadId: '' };
    let accountRuns = 0;
    for await (const info of worker.client.workflow.list({ query: `KeywardenCampaignId = "${spec.id}"` })) {
      if (info.type === 'accountRotation') accountRuns++;
      const history = await worker.client.workflow.getHandle(info.workflowId, info.runId).fetchHistory();
      const m = measure(history);
      if (m.events > largest.events) largest = { ...largest, events: m.events, eventsId: info.workflowId };
      if (m.largestPayload > largest.largestPayload) {
        largest = { ...largest, largestPayload: m.largestPayload, payloadId: info.workflowId };
      }
    }
    console.log(
      `[large account] ${EXTRA_USERS} extra users (${toRotate} past the age limit) seeded in ${seedSeconds}s; ` +
        `campaign ${runSeconds}s; ${status.users.rotated} rotated, ${status.usersWithoutKeys} without keys; ` +
        `${accountRuns} account workflow runs; ${ids.length} workflows; largest history ${largest.events} events ` +
        `(${largest.eventsId}); largest payload ${largest.largestPayload} bytes (${largest.payloadId})`,
    );
    assert.ok(
      accountRuns >= toRotate / CONTINUE_AS_NEW_AFTER_USERS,
      `the account workflow continued as new (${accountRuns} runs)`,
    );
    // The SDK warns from 512 KiB; Temporal refuses 2 MiB.
    assert.ok(largest.largestPayload < 512 * 1024, 'every payload is below a quarter of the 2 MiB limit');
    assert.ok(largest.events < 10_240, 'every history is far below the 51,200-event limit');
  });
});
