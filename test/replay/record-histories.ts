/**
 * Records the golden histories in test/fixtures/histories/ (`npm run record-histories`).
 *
 * Every workflow type runs on Temporal's time-skipping test server against scripted activities,
 * up to each point where it waits for days or weeks; its history is fetched there and written as
 * a Temporal JSON history file, with the workflow type and ID in index.json. Each scenario has a
 * test server of its own and fixed workflow IDs, so a recording never depends on another one.
 *
 * Regenerate them only when a change is meant to be new workflow code for new runs: the replay
 * test (test/unit/replay/golden-histories.test.ts) exists to catch changes that would break the
 * workflows already running.
 */
import { Client } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime, Worker, bundleWorkflowCode, type WorkflowBundle } from '@temporalio/worker';
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import type { KeywardenActivities } from '../../activities';
import type { AwsClients } from '../../activities/aws/clients';
import { createWorkflowActivities } from '../../activities/workflow-activities';
import type { CampaignSpec } from '../../domain/campaign-spec';
import { OffboardingRequestSchema, type OffboardingRequest } from '../../domain/offboarding-request';
import type { OffboardingStatus } from '../../domain/offboarding-report';
import type { AccountRotationReport, CampaignStatus, UserRotationReport } from '../../domain/rotation-report';
import { signedPayload } from '../../client/approval-keys';
import { startOffboarding } from '../../client/offboarding-client';
import { accountWorkflowId } from '../../workflows/account-rotation';
import { campaignShardWorkflowId } from '../../workflows/campaign-shards';
import { keyWorkflowId } from '../../workflows/key-rotation';
import {
  abortSignal,
  accountStatusQuery,
  approveSignal,
  campaignStatusQuery,
  cancelSignal,
  keyStatusQuery,
} from '../../workflows/messages';
import { offboardEmployee, offboardingStatusQuery } from '../../workflows/offboard-employee';
import { shardWorkflowId } from '../../workflows/offboard-shards';
import { rotationCampaign } from '../../workflows/rotation-campaign';
import type { ApproverRegistry } from '../../domain/approver-registry';
import { startRevocation } from '../../client/revocation-client';
import { RevokeRequestSchema } from '../../domain/revoke-request';
import type { RevokeStatus } from '../../domain/revoke-report';
import { revokeStatusQuery } from '../../workflows/revoke-key';
import type { attachScp } from '../../workflows/attach-scp';
import { buildScp, scpAttachmentWorkflowId, type ScpAttachmentStatus } from '../../domain/scp';
import { APPROVERS, INITIATOR, startCampaign, testSpec } from '../support/campaign-helpers';
import { oldKey, scriptedAws, user } from '../support/scripted-aws';
import { timeSkippingEnv } from '../support/time-skipping';
import {
  CURRENT_GENERATION,
  HISTORIES_DIR,
  INDEX_FILE,
  historyFromJson,
  historyToJson,
  readIndex,
  startedWorkflowType,
  type GoldenEntry,
  type GoldenIndex,
} from './golden-histories';
import { scriptedOffboarding } from './scripted-offboarding';
import type { KeyEvent } from '../../domain/cloudtrail-key-event';
import type { MonitorBatch } from '../../domain/monitor-input';
import { monitorKeys } from '../../workflows/monitor-keys';
import { monitorStatusQuery } from '../../workflows/monitor-messages';
import { createApproverRegistryActivities } from '../../activities/approver-registry-activities';
import { payloadConverterPath, workflowBundleOptions } from '../../worker/workflow-bundle-options';
import { newApprovalKey, registryRequiringSignatures } from '../support/approval-test-keys';

/** Recorded in the histories instead of this machine's pid@hostname. */
const IDENTITY = 'keywarden-golden-recorder';
const TASK_QUEUE = 'keywarden-golden';
const MAX_BYTES = 512 * 1024;
const ACCOUNT_A = '111111111111';
const ACCOUNT_B = '222222222222';
const ACCOUNT_C = '333333333333';
const LEAVER_APPROVER = 'bob.security@example.com';
/** The recorder reaches no AWS: the scripted activities stand in for every AWS call. */
const NO_AWS = undefined as unknown as AwsClients;

interface Recorded {
  entry: GoldenEntry;
  text: string;
  events: number;
}

interface Scenario {
  name: string;
  activities: Partial<KeywardenActivities>;
  /** The worker's approver key registry, when the scenario needs one. */
  approverRegistry?: ApproverRegistry;
  run: (ctx: ScenarioContext) => Promise<void>;
}

interface ScenarioContext {
  env: TestWorkflowEnvironment;
  /** Starts, signals, queries and fetches with a fixed identity. */
  client: Client;
  record: (
    name: string,
    workflowType: string,
    workflowId: string,
    waitingPoint: string,
    runId?: string,
  ) => Promise<void>;
}

/** Polls (in real time, the test server's clock stands still meanwhile) until `get` gives what `holds` accepts. */
async function until<T>(
  what: string,
  get: () => Promise<T>,
  holds: (value: T) => boolean,
  timeoutMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      last = await get();
      if (holds(last)) return last;
    } catch (error) {
      lastError = error;
    }
    await delay(100);
  }
  throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(last) ?? String(lastError)}`);
}

/** Starts an offboarding on the test server and waits for it at its approval gate. */
async function offboardingAtGate(
  { env, client }: Pick<ScenarioContext, 'env' | 'client'>,
  request: OffboardingRequest,
): Promise<{ workflowId: string; waiting: OffboardingStatus }> {
  const requestedAt = new Date(await env.currentTimeMs()).toISOString();
  const { workflowId } = await startOffboarding(client, { taskQueue: TASK_QUEUE, request, requestedAt });
  const handle = client.workflow.getHandle(workflowId);
  const waiting = await until(
    'the offboarding at its approval gate',
    () => handle.query(offboardingStatusQuery),
    (s) => s.phase === 'awaiting-approval',
  );
  return { workflowId, waiting };
}

/** The leaver, tagged mallory@example.com with one key, in every `every`-th of `accounts`. */
function malloryInEvery(accounts: string[], every: number, keyPrefix: string) {
  return Object.fromEntries(
    accounts.map((a, i) => [
      a,
      i % every === 0
        ? [{ userName: 'mallory', email: 'mallory@example.com', accessKeyIds: [`${keyPrefix}${i}`] }]
        : [],
    ]),
  );
}

/** HR's request to offboard the leaver tagged mallory@example.com in `accounts`, at a 24-hour gate. */
function malloryRequest(
  employeeId: string,
  accounts: string[],
  approval: { signatures?: 'off' } = {},
): OffboardingRequest {
  return OffboardingRequestSchema.parse({
    employeeId,
    initiator: 'hr-system@example.com',
    match: { tagValues: ['mallory@example.com'] },
    scope: { includeAccounts: accounts },
    approval: { approvers: [LEAVER_APPROVER], timeout: '24h', ...approval },
  });
}

const hasEvent = (report: UserRotationReport, event: RegExp) =>
  report.timeline.some((t) => event.test(t.event));

function rotationSpec(id: string, overrides: Partial<Parameters<typeof testSpec>[0]> = {}): CampaignSpec {
  return testSpec({
    id,
    scope: { includeAccounts: [ACCOUNT_A] },
    windows: { adoption: '7d', grace: '7d' },
    approval: { approvers: APPROVERS, timeout: '7d', onTimeout: 'reject' },
    ...overrides,
  });
}

const scenarios: Scenario[] = [
  (() => {
    // Signed: the histories hold the verification of a signed approval bound to the plan.
    const approverKey = newApprovalKey(APPROVERS[0] as string);
    const spec = rotationSpec('golden-rotation', {
      approval: {
        approvers: APPROVERS,
        timeout: '7d',
        onTimeout: 'reject',
        signatures: 'required',
        // Every approver and the initiator (who may abort) need a key when signatures are required.
        publicKeys: Object.fromEntries(
          [approverKey, ...[APPROVERS[1] as string, INITIATOR].map(newApprovalKey)].map((k) => [
            k.approver,
            k.publicKey,
          ]),
        ),
      },
    });
    const aws = scriptedAws({ [ACCOUNT_A]: [user(ACCOUNT_A, 'alice', [oldKey('AKIAOLDALICE')])] });
    const sagaId = keyWorkflowId(ACCOUNT_A, 'alice');
    const accountId = accountWorkflowId(spec.id, ACCOUNT_A);
    return {
      name: 'a campaign over one account and one user, 7d/7d windows, approved on day 15',
      activities: aws.activities,
      run: async ({ env, client, record }) => {
        const campaign = await startCampaign(client, TASK_QUEUE, spec);
        const saga = client.workflow.getHandle(sagaId);

        await env.sleep('1 day');
        await until(
          'the saga in its adoption window',
          () => saga.query(keyStatusQuery),
          (r) => hasEvent(r, /^promoted version/) && !hasEvent(r, /^adoption window over/),
        );
        await record(
          'key-rotation-adoption-window',
          'keyRotation',
          sagaId,
          'day 1: sleeping in the 7-day adoption window',
        );

        await env.sleep('14 days');
        const waiting = await until(
          'the campaign at its approval gate',
          () => campaign.query(campaignStatusQuery),
          (s) => s.phase === 'awaiting-approval' && s.approval.openedAt !== undefined,
        );
        assert.equal(waiting.usersAwaitingDecision, 1);
        await until(
          'the saga waiting for the decision',
          () => saga.query(keyStatusQuery),
          (r) => hasEvent(r, /^waiting for an approval to delete key AKIAOLDALICE/),
        );
        await record(
          'key-rotation-awaiting-decision',
          'keyRotation',
          sagaId,
          'day 15: old key deactivated, waiting for the deletion approval',
        );
        await record(
          'account-rotation-awaiting-decision',
          'accountRotation',
          accountId,
          'day 15: its saga waits for the campaign decision',
        );
        await record(
          'rotation-campaign-awaiting-approval',
          'rotationCampaign',
          spec.id,
          'day 15: phase awaiting-approval, the gate open',
        );

        const plan = waiting.approval.plan;
        assert.ok(plan, 'the gate shows its plan');
        const target = {
          workflowId: spec.id,
          action: 'approve' as const,
          round: waiting.approval.round,
          planDigest: plan.digest,
        };
        const now = new Date(await env.currentTimeMs());
        await campaign.signal(
          approveSignal,
          signedPayload(approverKey, target, 'golden history', 3_600_000, now),
        );
        const final = (await env.client.workflow.getHandle(spec.id).result()) as CampaignStatus;
        assert.equal(final.phase, 'completed');
        assert.equal(final.users.rotated, 1);
        await record(
          'rotation-campaign-completed',
          'rotationCampaign',
          spec.id,
          'completed after an approval',
        );
        await record(
          'account-rotation-completed',
          'accountRotation',
          accountId,
          'completed after the campaign decision',
        );
        await record(
          'key-rotation-completed',
          'keyRotation',
          sagaId,
          'completed: the old key deleted after the approval',
        );
        assert.equal(aws.calls.at(-1), `delete ${ACCOUNT_A}/AKIAOLDALICE`);
      },
    };
  })(),
  (() => {
    const spec = rotationSpec('golden-account-gate', {
      approval: { approvers: APPROVERS, timeout: '7d', onTimeout: 'reject', scope: 'account' },
    });
    const aws = scriptedAws({ [ACCOUNT_A]: [user(ACCOUNT_A, 'bruno', [oldKey('AKIAOLDBRUNO')])] });
    const accountId = accountWorkflowId(spec.id, ACCOUNT_A);
    return {
      name: 'a campaign with approval.scope account, at the account gate on day 15',
      activities: aws.activities,
      run: async ({ env, client, record }) => {
        await startCampaign(client, TASK_QUEUE, spec);
        await env.sleep('15 days');
        const account = client.workflow.getHandle(accountId);
        await until(
          'the account at its own gate',
          () => account.query(accountStatusQuery),
          (r: AccountRotationReport) =>
            r.approval?.openedAt !== undefined && r.approval.decision === undefined,
        );
        await record(
          'account-rotation-own-gate',
          'accountRotation',
          accountId,
          'day 15: approval.scope account, its own gate open',
        );
      },
    };
  })(),
  (() => {
    // Free slots filled together: both accounts, and both sagas of an account, in one workflow task.
    const accounts = [ACCOUNT_A, ACCOUNT_B];
    const spec = rotationSpec('golden-together', {
      scope: { includeAccounts: accounts },
      limits: { maxAccountsInFlight: 2, maxKeysInFlightPerAccount: 2 },
    });
    const aws = scriptedAws(
      Object.fromEntries(
        accounts.map((a) => [
          a,
          ['dora', 'emil'].map((u) => user(a, u, [oldKey(`AKIAOLD${u.toUpperCase()}${a.slice(0, 4)}`)])),
        ]),
      ),
    );
    return {
      name: 'a campaign over two accounts of two users each, every child started together',
      activities: aws.activities,
      run: async ({ env, client, record }) => {
        const campaign = await startCampaign(client, TASK_QUEUE, spec);
        await env.sleep('1 day');
        await until(
          'both accounts sleeping through the adoption window',
          () => campaign.query(campaignStatusQuery),
          (s) => s.accounts.waiting === accounts.length,
        );
        await record(
          'rotation-campaign-children-together',
          'rotationCampaign',
          spec.id,
          'day 1: two accounts started in one workflow task, both in the adoption window',
        );
        await record(
          'account-rotation-children-together',
          'accountRotation',
          accountWorkflowId(spec.id, ACCOUNT_A),
          'day 1: two sagas started in one workflow task, both in the adoption window',
        );
      },
    };
  })(),
  (() => {
    const accounts = [ACCOUNT_A, ACCOUNT_B, ACCOUNT_C];
    const spec = rotationSpec('golden-sharded', {
      scope: { includeAccounts: accounts },
      limits: { maxAccountsInFlight: 2, maxKeysInFlightPerAccount: 3, accountsPerShard: 2 },
    });
    const aws = scriptedAws(
      Object.fromEntries(accounts.map((a) => [a, [user(a, 'fritz', [oldKey(`AKIAOLDF${a.slice(0, 4)}`)])]])),
    );
    return {
      name: 'a campaign over three accounts in shards of two, approved on day 15',
      activities: aws.activities,
      run: async ({ env, client, record }) => {
        const campaign = await startCampaign(client, TASK_QUEUE, spec);
        await env.sleep('15 days');
        const waiting = await until(
          'the campaign at its approval gate, both shards ready',
          () => campaign.query(campaignStatusQuery),
          (s) => s.phase === 'awaiting-approval' && s.approval.openedAt !== undefined,
        );
        assert.deepEqual(waiting.shards, { accountsPerShard: 2, total: 2, started: 2 });
        assert.equal(waiting.usersAwaitingDecision, accounts.length);
        await campaign.signal(approveSignal, { approver: APPROVERS[0] });
        const final = await campaign.result();
        assert.equal(final.phase, 'completed');
        assert.equal(final.users.rotated, accounts.length);
        await record(
          'rotation-campaign-sharded',
          'rotationCampaign',
          spec.id,
          'completed: two shards started, their plans offered as one, the approval passed down',
        );
        await record(
          'rotation-campaign-shard',
          'rotationCampaign',
          campaignShardWorkflowId(spec.id, 0),
          'completed: a shard of two accounts, the decision checked and passed on with proofs',
        );
      },
    };
  })(),
  (() => {
    const accounts = [ACCOUNT_A, ACCOUNT_B, ACCOUNT_C];
    const spec = rotationSpec('golden-continued', {
      scope: { includeAccounts: accounts },
      limits: { maxAccountsInFlight: 1, maxKeysInFlightPerAccount: 3, continueAsNewAfterAccounts: 1 },
    });
    const aws = scriptedAws(
      Object.fromEntries(accounts.map((a) => [a, [user(a, 'carla', [oldKey(`AKIAOLD${a.slice(0, 4)}`)])]])),
    );
    return {
      name: 'a campaign over three accounts that continues as new after every account started',
      activities: aws.activities,
      run: async ({ env, client, record }) => {
        const campaign = await startCampaign(client, TASK_QUEUE, spec);
        // Not a whole day: the current run describes its inherited accounts every 6 hours, and
        // stopping between two of those keeps the recording free of a task in flight.
        await env.sleep('21 hours');
        const status = await until(
          'every account started in a later run',
          () => campaign.query(campaignStatusQuery),
          (s) => s.accounts.started === accounts.length && s.continuedAsNew >= 1 && s.accounts.working === 0,
        );
        const current = await client.workflow.getHandle(spec.id).describe();
        assert.notEqual(current.runId, campaign.firstExecutionRunId);
        assert.equal(status.phase, 'rotating');
        await record(
          'rotation-campaign-continued-first-run',
          'rotationCampaign',
          spec.id,
          'the first run, closed by continue-as-new after starting one account',
          campaign.firstExecutionRunId,
        );
        await record(
          'rotation-campaign-continued-current-run',
          'rotationCampaign',
          spec.id,
          `run ${status.continuedAsNew + 1}: every account started by earlier runs, describing them every 6 hours`,
          current.runId,
        );
      },
    };
  })(),
  (() => {
    const leavers = scriptedOffboarding({
      [ACCOUNT_A]: [
        {
          userName: 'mallory',
          email: 'mallory@example.com',
          accessKeyIds: ['AKIAMALLORYA'],
          groups: ['developers'],
        },
        { userName: 'mallory-admin', email: 'mallory@example.com', accessKeyIds: ['AKIAMALLORYADM'] },
        { userName: 'trent', accessKeyIds: ['AKIATRENT'] },
      ],
      [ACCOUNT_B]: [{ userName: 'mallory', email: 'mallory@example.com', accessKeyIds: ['AKIAMALLORYB'] }],
    });
    const request = malloryRequest('golden-e1', [ACCOUNT_A, ACCOUNT_B]);
    return {
      name: 'an offboarding of a leaver with users in two accounts, approved at its gate',
      activities: leavers.activities,
      run: async ({ env, client, record }) => {
        const { workflowId, waiting } = await offboardingAtGate({ env, client }, request);
        const handle = client.workflow.getHandle(workflowId);
        assert.equal(waiting.users.length, 3);
        await record(
          'offboard-employee-awaiting-approval',
          'offboardEmployee',
          workflowId,
          'phase awaiting-approval: 3 users contained',
        );

        await handle.signal(approveSignal, { approver: LEAVER_APPROVER });
        const final = (await env.client.workflow.getHandle(workflowId).result()) as OffboardingStatus;
        assert.equal(final.phase, 'completed');
        await record(
          'offboard-employee-purged',
          'offboardEmployee',
          workflowId,
          'completed: approved, every user purged',
        );
      },
    };
  })(),
  (() => {
    // The registry requires signatures the spec does not: an unsigned abort sent with the start
    // waits for the registry's rules and is refused by them; the campaign goes on to its gate.
    const spec = rotationSpec('golden-early-abort', {
      approval: { approvers: APPROVERS, timeout: '7d', onTimeout: 'reject', signatures: 'off' },
    });
    const aws = scriptedAws({ [ACCOUNT_A]: [user(ACCOUNT_A, 'gina', [oldKey('AKIAOLDGINA')])] });
    return {
      name: 'a campaign whose unsigned abort came with the start, refused by the registry, at its gate',
      activities: aws.activities,
      approverRegistry: registryRequiringSignatures([...APPROVERS, INITIATOR]),
      run: async ({ env, client, record }) => {
        const campaign = await client.workflow.signalWithStart(rotationCampaign, {
          taskQueue: TASK_QUEUE,
          workflowId: spec.id,
          args: [{ spec }],
          signal: abortSignal,
          signalArgs: [{ approver: INITIATOR, comment: 'unsigned' }],
        });
        await env.sleep('15 days');
        const waiting = await until(
          'the campaign at its approval gate',
          () => campaign.query(campaignStatusQuery),
          (s) => s.phase === 'awaiting-approval' && s.approval.openedAt !== undefined,
        );
        assert.equal(waiting.aborted, undefined);
        assert.ok(waiting.approval.rejectedAttempts.some((r) => r.signal === 'abort'));
        await record(
          'rotation-campaign-early-abort-refused',
          'rotationCampaign',
          spec.id,
          'day 15: at its gate, the abort sent with the start refused as unsigned',
        );
      },
    };
  })(),
  (() => {
    // The registry requires signatures the request does not: an unsigned cancel sent with the
    // start waits for the registry's rules and is refused by them.
    const leavers = scriptedOffboarding({
      [ACCOUNT_A]: [{ userName: 'mallory', email: 'mallory@example.com', accessKeyIds: ['AKIAMALLORYA'] }],
    });
    const hr = 'hr-system@example.com';
    const request = malloryRequest('golden-e3', [ACCOUNT_A], { signatures: 'off' });
    return {
      name: 'an offboarding whose unsigned cancel came with the start, refused by the registry, at its gate',
      activities: leavers.activities,
      approverRegistry: registryRequiringSignatures([hr, LEAVER_APPROVER]),
      run: async ({ env, client, record }) => {
        const workflowId = `offboard-${request.employeeId}`;
        const handle = await client.workflow.signalWithStart(offboardEmployee, {
          taskQueue: TASK_QUEUE,
          workflowId,
          args: [{ request, requestedAt: new Date(await env.currentTimeMs()).toISOString() }],
          signal: cancelSignal,
          signalArgs: [{ approver: hr, comment: 'unsigned' }],
        });
        const waiting = await until(
          'the offboarding at its approval gate',
          () => handle.query(offboardingStatusQuery),
          (s) => s.phase === 'awaiting-approval',
        );
        assert.equal(waiting.approval.decision, undefined);
        assert.ok(waiting.approval.rejectedAttempts.some((r) => r.signal === 'cancel'));
        await record(
          'offboard-employee-early-cancel-refused',
          'offboardEmployee',
          workflowId,
          'phase awaiting-approval: the cancel sent with the start refused as unsigned',
        );
      },
    };
  })(),
  (() => {
    // More accounts than the default fan-out of runs started before it was 40 (20 at once).
    const accounts = Array.from({ length: 30 }, (_, i) => String(300000000000 + i));
    const leavers = scriptedOffboarding(malloryInEvery(accounts, 10, 'AKIAMALLORY'));
    const request = malloryRequest('golden-e2', accounts);
    return {
      name: 'an offboarding over 30 accounts at the default fan-out, at its gate',
      activities: leavers.activities,
      run: async ({ env, client, record }) => {
        const { workflowId, waiting } = await offboardingAtGate({ env, client }, request);
        assert.equal(waiting.accountsSearched.length, accounts.length);
        assert.equal(waiting.users.length, 3);
        await record(
          'offboard-employee-thirty-accounts',
          'offboardEmployee',
          workflowId,
          'phase awaiting-approval: 30 accounts searched in three batches started together',
        );
      },
    };
  })(),
  (() => {
    // Shards of two accounts above two: the parent merges what they found, and approves the purge.
    const accounts = Array.from({ length: 4 }, (_, i) => String(310000000000 + i));
    const leavers = scriptedOffboarding(malloryInEvery(accounts, 3, 'AKIAMALLORYS'));
    const request = malloryRequest('golden-e4', accounts);
    return {
      name: 'an offboarding over four accounts in shards of two, approved and purged',
      activities: leavers.activities,
      run: async ({ env, client, record }) => {
        const workflowId = `offboard-${request.employeeId}`;
        const handle = await client.workflow.start(offboardEmployee, {
          taskQueue: TASK_QUEUE,
          workflowId,
          args: [
            {
              request,
              requestedAt: new Date(await env.currentTimeMs()).toISOString(),
              sharding: { aboveAccounts: 2, accountsPerShard: 2 },
            },
          ],
        });
        const waiting = await until(
          'the offboarding at its approval gate',
          () => handle.query(offboardingStatusQuery),
          (s) => s.phase === 'awaiting-approval',
        );
        assert.equal(waiting.accountsSearched.length, accounts.length);
        assert.equal(waiting.users.length, 2);
        await handle.signal(approveSignal, { approver: LEAVER_APPROVER });
        const final = await handle.result();
        assert.equal(final.phase, 'completed');
        await record(
          'offboard-employee-sharded',
          'offboardEmployee',
          workflowId,
          'completed: two shards searched and contained, the parent purged after the approval',
        );
        await record(
          'offboard-employee-shard',
          'offboardEmployee',
          shardWorkflowId(workflowId, 0),
          'completed: a shard of two accounts, its leaver contained, the result returned',
        );
      },
    };
  })(),
  (() => {
    const leaked = 'AKIAGOLDENREVOKED001';
    const replacement = 'AKIAGOLDENREPLACE001';
    const createDate = '2025-01-01T00:00:00.000Z';
    const request = RevokeRequestSchema.parse({
      accessKeyId: leaked,
      reason: 'pushed to a public repository',
      initiator: 'responder@example.com',
      replace: true,
      approval: { approvers: [LEAVER_APPROVER], timeout: '24h' },
    });
    let replaced = false;
    const activities: Partial<KeywardenActivities> = {
      locateAccessKey: () =>
        Promise.resolve({
          found: true,
          accountId: ACCOUNT_A,
          accountName: 'golden',
          userName: 'alice',
          status: 'Active',
          createDate,
        }),
      setAccessKeyStatus: () => Promise.resolve(),
      denyEarlierSessions: (input) =>
        Promise.resolve({
          policyName: 'keywarden-revoked-sessions',
          sessionsDeniedBefore: input.issuedBefore,
        }),
      getKeyLastUsed: () =>
        Promise.resolve({ lastUsedDate: '2025-06-01T00:00:00.000Z', service: 'sts', region: 'us-east-1' }),
      inspectUserKeys: () =>
        Promise.resolve({
          userExists: true,
          keys: [
            { accessKeyId: leaked, status: 'Inactive', createDate },
            ...(replaced ? [{ accessKeyId: replacement, status: 'Active' as const, createDate }] : []),
          ],
        }),
      createAndStageKey: () => {
        replaced = true;
        return Promise.resolve({
          accessKeyId: replacement,
          secretArn: `arn:aws:secretsmanager:us-east-1:${ACCOUNT_A}:secret:keywarden/alice`,
          versionId: 'golden-version',
          secretCreated: false,
        });
      },
      verifyStagedKey: () =>
        Promise.resolve({ arn: `arn:aws:iam::${ACCOUNT_A}:user/alice`, account: ACCOUNT_A }),
      promoteStagedKey: () => Promise.resolve({}),
      deleteAccessKey: () => Promise.resolve({ deleted: true }),
    };
    return {
      name: 'a revocation of a leaked key with a replacement, approved at its gate',
      activities,
      run: async ({ env, client, record }) => {
        const requestedAt = new Date(await env.currentTimeMs()).toISOString();
        const { workflowId } = await startRevocation(client, { taskQueue: TASK_QUEUE, request, requestedAt });
        const handle = client.workflow.getHandle(workflowId);
        await until(
          'the revocation at its approval gate',
          () => handle.query(revokeStatusQuery),
          (s) => s.phase === 'awaiting-approval',
        );
        await record(
          'revoke-key-awaiting-approval',
          'revokeKey',
          workflowId,
          'phase awaiting-approval: key deactivated, sessions denied, replacement promoted',
        );
        await handle.signal(approveSignal, { approver: LEAVER_APPROVER });
        const final = (await env.client.workflow.getHandle(workflowId).result()) as RevokeStatus;
        assert.equal(final.phase, 'deleted');
        await record(
          'revoke-key-deleted',
          'revokeKey',
          workflowId,
          'deleted: approved, re-checked, key deleted',
        );
      },
    };
  })(),
  (() => {
    const queueUrl = 'https://sqs.us-east-1.amazonaws.com/111111111111/keywarden-monitor';
    const keyEvent = (
      eventName: KeyEvent['eventName'],
      actorArn: string,
      extra: Partial<KeyEvent>,
    ): KeyEvent => ({
      eventId: `golden-${eventName}-${extra.status ?? 'none'}`,
      eventTime: '2026-01-05T10:00:00Z',
      eventName,
      accountId: ACCOUNT_A,
      userName: 'alice',
      accessKeyId: 'AKIAGOLDENMONITOR001',
      actorArn,
      sourceIp: '203.0.113.7',
      ...extra,
    });
    const keywarden = `arn:aws:sts::${ACCOUNT_A}:assumed-role/KeywardenMemberRole/keywarden-golden`;
    const person = `arn:aws:iam::${ACCOUNT_A}:user/eve`;
    const batches: MonitorBatch[] = [
      {
        messages: 3,
        ignored: 0,
        skipped: [{ messageId: 'golden-bad', kind: 'malformed', reason: 'detail.userIdentity.arn: missing' }],
        events: [
          keyEvent('UpdateAccessKey', keywarden, { status: 'Inactive' }),
          keyEvent('CreateAccessKey', person, { accessKeyId: 'AKIAGOLDENMONITOR002' }),
        ],
      },
      {
        messages: 1,
        ignored: 0,
        skipped: [],
        events: [keyEvent('UpdateAccessKey', person, { status: 'Active' })],
      },
    ];
    let polls = 0;
    return {
      name: 'the drift monitor after two batches, polling again',
      activities: {
        checkMonitorQueue: () =>
          Promise.resolve({ queueArn: 'arn:aws:sqs:us-east-1:111111111111:keywarden-monitor' }),
        // Then an empty queue: each poll returns nothing after a moment, as a long poll would.
        pollMonitorQueue: async () => {
          const batch = batches[polls++];
          if (batch !== undefined) return batch;
          await delay(200);
          return { messages: 0, ignored: 0, skipped: [], events: [] };
        },
      },
      run: async ({ client, record }) => {
        const workflowId = 'golden-monitor';
        await client.workflow.start(monitorKeys, { taskQueue: TASK_QUEUE, workflowId, args: [{ queueUrl }] });
        const handle = client.workflow.getHandle(workflowId);
        await until(
          'the monitor with its alert, polling an empty queue',
          () => handle.query(monitorStatusQuery),
          (s) => s.counts.alerts === 1 && polls > batches.length,
        );
        await record(
          'monitor-keys-polling',
          'monitorKeys',
          workflowId,
          'polling after a finding and an alert',
        );
        await handle.terminate('recorded');
      },
    };
  })(),
  (() => {
    const ouId = 'ou-gold-12345678';
    const built = buildScp({});
    assert.ok(built.ok);
    const activities: Partial<KeywardenActivities> = {
      describeScpTarget: (input) => Promise.resolve({ id: input.ouId, name: 'Prod' }),
      attachServiceControlPolicy: () =>
        Promise.resolve({
          policyId: 'p-golden1',
          policyArn: 'arn:aws:organizations::policy/p-golden1',
          created: true,
          attached: true,
        }),
    };
    return {
      name: 'an SCP attachment to one OU, approved',
      activities,
      run: async ({ client, record }) => {
        const workflowId = scpAttachmentWorkflowId(ouId);
        const handle = await client.workflow.start<typeof attachScp>('attachScp', {
          taskQueue: TASK_QUEUE,
          workflowId,
          args: [
            {
              ouId,
              policyName: built.options.policyName,
              policyText: built.text,
              initiator: 'platform-team@example.com',
              approval: {
                approvers: APPROVERS,
                requiredApprovals: 1,
                timeout: '7d',
                onTimeout: 'reject',
                signatures: 'off',
                publicKeys: {},
              },
            },
          ],
        });
        await until(
          'the attachment at its approval gate',
          () => handle.query<ScpAttachmentStatus>('status'),
          (s) => s.phase === 'awaiting-approval',
        );
        await record('attach-scp-awaiting-approval', 'attachScp', workflowId, 'phase awaiting-approval');
        await handle.signal(approveSignal, { approver: APPROVERS[0] });
        const final = await handle.result();
        assert.equal(final.phase, 'attached');
        await record('attach-scp-attached', 'attachScp', workflowId, 'attached after approval');
      },
    };
  })(),
];

async function runScenario(scenario: Scenario, bundle: WorkflowBundle, out: Recorded[]): Promise<void> {
  const env = await timeSkippingEnv();
  try {
    const client = new Client({ connection: env.connection, namespace: 'default', identity: IDENTITY });
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue: TASK_QUEUE,
      identity: IDENTITY,
      workflowBundle: bundle,
      dataConverter: { payloadConverterPath },
      // Parents reconcile the children of earlier runs by describing them: the real activity.
      activities: {
        ...createWorkflowActivities({ aws: NO_AWS, temporal: client }),
        ...createApproverRegistryActivities({
          aws: NO_AWS,
          ...(scenario.approverRegistry === undefined ? {} : { approverRegistry: scenario.approverRegistry }),
        }),
        ...scenario.activities,
      },
    });
    const record: ScenarioContext['record'] = async (name, workflowType, workflowId, waitingPoint, runId) => {
      const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
      assert.equal(startedWorkflowType(history), workflowType, `${name} is a ${workflowType} history`);
      const events = history.events?.length ?? 0;
      const text = historyToJson(history);
      assert.ok(Buffer.byteLength(text) < MAX_BYTES, `${name} stays under ${MAX_BYTES} bytes`);
      const file = `${CURRENT_GENERATION}/${name}.json`;
      out.push({ entry: { file, workflowType, workflowId, waitingPoint }, text, events });
    };
    await worker.runUntil(scenario.run({ env, client, record }));
  } finally {
    await env.teardown();
  }
}

/** Replays what was just recorded, so that a recording that cannot replay is never written. */
async function replayAll(bundle: WorkflowBundle, recorded: Recorded[]): Promise<void> {
  const histories = recorded.map((r) => ({
    workflowId: r.entry.workflowId,
    history: historyFromJson(JSON.parse(r.text)),
  }));
  let i = 0;
  for await (const result of Worker.runReplayHistories({ workflowBundle: bundle }, histories)) {
    const name = recorded[i++]?.entry.file;
    if (result.error) throw new Error(`${name} does not replay: ${result.error.message}`);
  }
  assert.equal(i, recorded.length, 'every recorded history was replayed');
}

async function main(): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const bundle = await bundleWorkflowCode({
    ...workflowBundleOptions(),
    logger: new DefaultLogger('WARN'),
  });
  // `--only <text>`: record only the scenarios whose name contains it, and keep every other history.
  const onlyAt = process.argv.indexOf('--only');
  const only = onlyAt === -1 ? undefined : process.argv[onlyAt + 1];
  const recorded: Recorded[] = [];
  for (const scenario of scenarios.filter((s) => only === undefined || s.name.includes(only))) {
    const started = Date.now();
    await runScenario(scenario, bundle, recorded);
    console.log(`recorded: ${scenario.name} (${Math.round((Date.now() - started) / 100) / 10}s)`);
  }
  await replayAll(bundle, recorded);

  recorded.sort((a, b) => (a.entry.file < b.entry.file ? -1 : a.entry.file > b.entry.file ? 1 : 0));
  // Only the current generation is recorded again: the earlier ones are histories of workflows
  // that started on older code, which every later worker must still replay. With --only, the
  // current generation's other histories stay too.
  const generationDir = path.join(HISTORIES_DIR, CURRENT_GENERATION);
  mkdirSync(generationDir, { recursive: true });
  if (only === undefined) {
    for (const name of readdirSync(generationDir)) {
      if (name.endsWith('.json')) rmSync(path.join(generationDir, name));
    }
  }
  for (const r of recorded) writeFileSync(path.join(HISTORIES_DIR, r.entry.file), r.text);
  const recordedFiles = new Set(recorded.map((r) => r.entry.file));
  const kept = readIndex().histories.filter((e) =>
    only === undefined ? !e.file.startsWith(`${CURRENT_GENERATION}/`) : !recordedFiles.has(e.file),
  );
  const entries = [...kept, ...recorded.map((r) => r.entry)].sort((a, b) =>
    a.file < b.file ? -1 : a.file > b.file ? 1 : 0,
  );
  const index: GoldenIndex = { histories: entries };
  writeFileSync(path.join(HISTORIES_DIR, INDEX_FILE), `${JSON.stringify(index, null, 2)}\n`);

  for (const r of recorded) {
    const kib = Math.round(Buffer.byteLength(r.text) / 102.4) / 10;
    console.log(
      `${r.entry.file.padEnd(48)} ${r.entry.workflowType.padEnd(18)} ${String(r.events).padStart(5)} events ${String(kib).padStart(7)} KiB`,
    );
  }
  console.log(`wrote ${recorded.length} golden histories and ${INDEX_FILE} to test/fixtures/histories/`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
