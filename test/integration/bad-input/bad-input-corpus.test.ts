import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { WorkflowNotFoundError, WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import { signedPayload } from '../../../client/approval-keys';
import { queryMonitorStatus, startMonitor } from '../../../client/monitor-client';
import { startOffboarding } from '../../../client/offboarding-client';
import { buildWebhookServer } from '../../../client/webhook/server';
import { MonitorInputSchema, type MonitorStatus } from '../../../domain/monitor-input';
import type { OffboardingStatus } from '../../../domain/offboarding-report';
import { OffboardingRequestSchema, offboardingWorkflowId } from '../../../domain/offboarding-request';
import { paths } from '../../../sandbox/project-paths';
import type { SeededOrg } from '../../../sandbox/seed-org';
import {
  APPROVAL_CASES,
  APPROVERS,
  INITIATOR,
  newApprovalKey,
  UNDECODABLE_CASES,
  type ApprovalContext,
} from '../../bad-input/approval-payloads';
import { CAMPAIGN_SPEC_CASES } from '../../bad-input/campaign-specs';
import { CLI_ARGUMENT_CASES } from '../../bad-input/cli-arguments';
import type { Category, CliCase } from '../../bad-input/corpus-case';
import { CorpusTally, writeBadInputFigures } from '../../bad-input/corpus-figures';
import { ENVIRONMENT_CASES } from '../../bad-input/environment';
import { MONITOR_CASES } from '../../bad-input/monitor-events';
import { WEBHOOK_CASES } from '../../bad-input/webhook-requests';
import { snapshotAccounts, type AccountSnapshot } from '../../support/aws-snapshot';
import { runKeywarden, type CliRun } from '../../support/cli-process';
import { runKeywardenInProcess } from '../../support/in-process-cli';
import { createMonitorQueue, type MonitorQueue } from '../../support/monitor-queue';
import { freshOrg, startTestWorker, testStack, type RunningWorker } from '../../support/test-stack';
import { newWebhookSecret, testPolicy, waitForStatus } from '../offboarding/offboarding-fixtures';

/**
 * The bad-input corpus (the cases are in test/bad-input/, one table per kind of input). Every
 * case must be refused with its expected message (exit code 2 for the CLI), start no workflow,
 * and change nothing in the emulator.
 *
 * A real worker polls the task queue that the CLI, the webhook and the gate use, over an
 * emulated org holding the leaver the inputs name: an input wrongly accepted would be acted on,
 * and the emulator would change. "No workflow started" is checked per case (visibility count of
 * the task queue, and describe() of the IDs the input would have started). The emulator is
 * snapshotted around each kind of input (the CLI's three kinds together) rather than around each
 * case: a snapshot reads every user of the account (about 100 calls, seconds), and the per-case
 * checks already show that nothing started that could change it.
 */
describe('bad input: every case is refused clearly, starts nothing and changes nothing', () => {
  const stack = testStack();
  const tally = new CorpusTally();
  const dir = mkdtempSync(path.join(tmpdir(), 'keywarden-bad-input-'));
  const startedAt = Date.now();
  let org: SeededOrg;
  let worker: RunningWorker;
  let accountIds: string[];
  /** The emulator as the last kind of input found it. */
  let emulator: Record<string, AccountSnapshot>;
  const cleanup: Array<() => Promise<unknown>> = [];

  before(async () => {
    org = await freshOrg(stack, { memberAccounts: 1 });
    worker = await startTestWorker(stack, org);
    accountIds = org.accounts.map((a) => a.accountId);
    emulator = await snapshotAccounts(worker.aws, accountIds);
  });

  after(async () => {
    for (const step of cleanup) await step().catch(() => undefined);
    await worker?.stop();
    rmSync(dir, { recursive: true, force: true });
    for (const line of tally.summary()) console.log(`# ${line}`);
    console.log(`# bad-input corpus wall time: ${((Date.now() - startedAt) / 1000).toFixed(1)} s`);
    if (process.env.KEYWARDEN_WRITE_FIGURES === '1') {
      await writeBadInputFigures(tally.figures());
      console.log('# wrote docs/bad-input-figures.json and docs/reliability.md');
    }
  });

  const workflowsOnQueue = async () =>
    (await worker.client.workflow.count(`TaskQueue = '${worker.taskQueue}'`)).count;

  async function assertNoWorkflow(workflowId: string): Promise<void> {
    await assert.rejects(
      worker.client.workflow.getHandle(workflowId).describe(),
      WorkflowNotFoundError,
      `no workflow ${workflowId}`,
    );
  }

  /** Visibility lags a start by a moment: wait, then count again, and compare the emulator. */
  async function nothingChangedSince(queueCount: number, what: string): Promise<void> {
    await delay(1_000);
    assert.equal(await workflowsOnQueue(), queueCount, `no workflow started by any ${what} case`);
    const now = await snapshotAccounts(worker.aws, accountIds);
    assert.deepEqual(now, emulator, `the emulator is unchanged after every ${what} case`);
  }

  // ---- The CLI: specs, arguments, environment and config files, run as bin/keywarden.js does.

  function cliEnv(): Record<string, string | undefined> {
    return {
      TEMPORAL_ADDRESS: stack.temporalAddress,
      TEMPORAL_NAMESPACE: stack.namespace,
      KEYWARDEN_TASK_QUEUE: worker.taskQueue,
      TEMPORAL_UI_URL: undefined,
      TEMPORAL_TLS: undefined,
      TEMPORAL_PROFILE: undefined,
      TEMPORAL_CONFIG_FILE: undefined,
      KEYWARDEN_WEBHOOK_SECRET: undefined,
      KEYWARDEN_WEBHOOK_SECRET_PREVIOUS: undefined,
      KEYWARDEN_WEBHOOK_POLICY: undefined,
      KEYWARDEN_APPROVER_KEYS: undefined,
    };
  }

  /** The case's files written to a directory of its own; its arguments and environment. */
  function prepare(c: CliCase): { args: string[]; env: Record<string, string | undefined> } {
    const caseDir = mkdtempSync(path.join(dir, 'case-'));
    const fill = (text: string) => text.replaceAll('{dir}', caseDir).replaceAll('{root}', paths.root);
    for (const [name, content] of Object.entries(c.files ?? {})) {
      const file = path.join(caseDir, name);
      const { text, mode } = typeof content === 'string' ? { text: content, mode: 0o600 } : content;
      writeFileSync(file, text);
      chmodSync(file, mode);
    }
    const env = cliEnv();
    for (const [name, value] of Object.entries(c.env ?? {})) env[name] = value && fill(value);
    return { args: c.args.map(fill), env };
  }

  /** A refusal holds the expected fragment (or matches the pattern). */
  function assertHolds(text: string, refusal: string | RegExp): void {
    if (typeof refusal === 'string') assert.ok(text.includes(refusal), `"${refusal}" in "${text}"`);
    else assert.match(text, refusal);
  }

  function assertCliRefusal(c: CliCase, run: { code: number; stdout: string; stderr: string }): void {
    const output = `exit ${run.code}\nstderr: ${run.stderr}\nstdout: ${run.stdout}`;
    assert.equal(run.code, 2, output);
    for (const fragment of c.refusal) assertHolds(run.stderr, fragment);
    assert.doesNotMatch(run.stderr, /\n\s+at .+:\d+:\d+/, 'no stack trace');
    assert.doesNotMatch(run.stderr, /unexpected error/, output);
    assert.equal(run.stdout, '', 'nothing reported as done');
  }

  /** Workflows on the task queue before the first CLI case. */
  let cliQueueCount: number | undefined;

  function cliCategory(category: Category, cases: readonly CliCase[]): void {
    describe(category, () => {
      let queueCount: number;
      before(async () => {
        queueCount = await workflowsOnQueue();
        cliQueueCount ??= queueCount;
      });
      for (const c of cases) {
        test(c.name, () =>
          tally.count(category, async () => {
            const { args, env } = prepare(c);
            const run = await Promise.race([
              runKeywardenInProcess(env, ...args),
              new Promise<never>((_, reject) => {
                const why = new Error(`keywarden ${args.join(' ')} did not return within 30 s`);
                setTimeout(() => reject(why), 30_000).unref();
              }),
            ]);
            assertCliRefusal(c, run);
            for (const id of c.wouldStart ?? []) await assertNoWorkflow(id);
            assert.equal(await workflowsOnQueue(), queueCount, 'no workflow on the task queue');
          }),
        );
      }
    });
  }

  // Started first, awaited after the in-process cases: the process takes seconds to load the CLI.
  const BINARY_SAMPLE = CAMPAIGN_SPEC_CASES[0]!;
  let binaryRun: Promise<CliRun>;
  before(() => {
    const { args, env } = prepare(BINARY_SAMPLE);
    const processEnv: NodeJS.ProcessEnv = { ...process.env };
    for (const [name, value] of Object.entries(env)) {
      if (value === undefined) delete processEnv[name];
      else processEnv[name] = value;
    }
    binaryRun = runKeywarden(processEnv, ...args);
  });

  cliCategory('campaign spec', CAMPAIGN_SPEC_CASES);
  cliCategory('CLI argument', CLI_ARGUMENT_CASES);
  cliCategory('environment or config file', ENVIRONMENT_CASES);

  // The three kinds share one snapshot: the CLI cases take milliseconds each, a snapshot seconds.
  test('after every CLI case (specs, arguments, environment): no workflow started, the emulator unchanged', () =>
    nothingChangedSince(cliQueueCount ?? -1, 'CLI'));

  test('the installed binary, in a process of its own, answers as the in-process runs do', async () => {
    assertCliRefusal(BINARY_SAMPLE, await binaryRun);
  });

  // ---- The HR webhook, in this process, with the real Temporal client and task queue.

  describe('webhook request', () => {
    const secret = newWebhookSecret();
    let app: FastifyInstance;
    let queueCount: number;
    before(async () => {
      app = buildWebhookServer({
        client: worker.client,
        taskQueue: worker.taskQueue,
        secret,
        policy: testPolicy({
          match: { fields: ['tag:email'], maxValues: 2 },
          purgeModes: ['strip-credentials'],
        }),
      });
      queueCount = await workflowsOnQueue();
    });
    after(() => app?.close());

    for (const c of WEBHOOK_CASES) {
      test(`${c.name}: ${c.status}`, () =>
        tally.count('webhook request', async () => {
          const employeeId = `corpus-${randomUUID().slice(0, 8)}`;
          const request = c.request({ secret, employeeId });
          let response;
          for (let i = 0; i < (c.times ?? 1); i++) {
            response = await app.inject({
              method: request.method ?? 'POST',
              url: request.url ?? '/v1/offboarding',
              headers: request.headers,
              ...(request.payload === undefined ? {} : { payload: request.payload }),
            });
            assert.ok(response.statusCode >= 400 && response.statusCode < 500, response.body);
          }
          assert.ok(response);
          assert.equal(response.statusCode, c.status, response.body);
          const body = response.json<{ error: string }>();
          assert.deepEqual(Object.keys(body), ['error']);
          assertHolds(body.error, c.refusal);
          assert.ok(!response.body.includes(secret), 'the secret is never echoed');
          await assertNoWorkflow(offboardingWorkflowId(employeeId));
          assert.equal(await workflowsOnQueue(), queueCount, 'no workflow on the task queue');
        }));
    }
    test(`after the ${WEBHOOK_CASES.length} webhook cases: no workflow started, the emulator unchanged`, () =>
      nothingChangedSince(queueCount, 'webhook request'));
  });

  // ---- Approvals, rejections and cancellations, sent to an offboarding that awaits them.

  describe('approval payloads, as signals and as updates', () => {
    const keys = {
      alice: newApprovalKey(APPROVERS[0]),
      bob: newApprovalKey(APPROVERS[1]),
      carol: newApprovalKey(APPROVERS[2]),
      initiator: newApprovalKey(INITIATOR),
    };
    let handle: WorkflowHandle;
    let ctx: ApprovalContext;
    let queueCount: number;
    const status = () => handle.query<OffboardingStatus>('status');

    before(async () => {
      const request = OffboardingRequestSchema.parse({
        employeeId: `corpus-gate-${randomUUID().slice(0, 8)}`,
        match: { tagValues: ['mallory@example.com'] },
        initiator: INITIATOR,
        purgeMode: 'strip-credentials',
        scope: { includeAccounts: accountIds },
        approval: {
          approvers: [...APPROVERS],
          requiredApprovals: 2,
          timeout: '1h',
          signatures: 'required',
          publicKeys: Object.fromEntries(Object.values(keys).map((k) => [k.approver, k.publicKey])),
        },
      });
      const started = await startOffboarding(worker.client, {
        taskQueue: worker.taskQueue,
        request,
        requestedAt: new Date().toISOString(),
      });
      handle = worker.client.workflow.getHandle(started.workflowId);
      cleanup.push(() => handle.terminate('bad-input corpus done'));
      const open = await waitForStatus(
        worker.client,
        started.workflowId,
        (s) => s.phase === 'awaiting-approval' && s.approval.plan !== undefined,
        60_000,
      );
      ctx = {
        workflowId: started.workflowId,
        round: open.approval.round,
        planDigest: open.approval.plan!.digest,
        now: new Date(),
        keys,
      };
      // One valid approval of the two required: any approval wrongly accepted now would purge.
      const target = {
        workflowId: ctx.workflowId,
        action: 'approve' as const,
        round: ctx.round,
        planDigest: ctx.planDigest,
      };
      const verdict = await handle.executeUpdate<{ approvals: number }, [unknown]>('approve', {
        args: [signedPayload(keys.alice, target, 'reviewed', 3_600_000, ctx.now)],
      });
      assert.equal(verdict.approvals, 1);
      // Containment changed the emulator: the cases are judged against the contained state.
      emulator = await snapshotAccounts(worker.aws, accountIds);
      queueCount = await workflowsOnQueue();
    });

    async function assertGateUnmoved(): Promise<void> {
      const now = await status();
      assert.equal(now.phase, 'awaiting-approval');
      assert.equal(now.approval.decision, undefined, 'no decision');
      assert.deepEqual(
        now.approval.approvals.map((a) => a.approver),
        ['alice@example.com'],
        'only the valid approval counts',
      );
      assert.equal(await workflowsOnQueue(), queueCount, 'no workflow on the task queue');
    }

    /** Sends one signal as the Web UI could: raw payload bytes in any encoding. */
    const rawSignal = (encoding: string, data: string) =>
      worker.client.workflowService.signalWorkflowExecution({
        namespace: stack.namespace,
        workflowExecution: { workflowId: ctx.workflowId },
        signalName: 'approve',
        input: {
          payloads: [{ metadata: { encoding: Buffer.from(encoding) }, data: Buffer.from(data, 'latin1') }],
        },
        identity: 'bad-input-corpus',
        requestId: randomUUID(),
      });

    const signalCases = APPROVAL_CASES.filter((c) => (c.channels ?? ['signal', 'update']).includes('signal'));
    const updateCases = APPROVAL_CASES.filter((c) => (c.channels ?? ['signal', 'update']).includes('update'));

    // The signals are sent one after another from one client, so the gate judges them in that
    // order; each case then reads its own refusal, and the gate is checked again at the end.
    describe('as signals', () => {
      /** The refusals the gate recorded, in the order the signals were sent (one client, one after another). */
      let refusals: Array<{ signal: string; reason: string }>;
      let gate: OffboardingStatus;
      before(async () => {
        const recorded = (await status()).approval.rejectedAttempts.length;
        for (const c of signalCases) await handle.signal(c.message, c.payload(ctx));
        for (const c of UNDECODABLE_CASES) await rawSignal(c.encoding, c.data);
        const expected = signalCases.length + UNDECODABLE_CASES.length;
        const deadline = Date.now() + 30_000;
        for (;;) {
          gate = await status();
          if (gate.approval.rejectedAttempts.length >= recorded + expected) break;
          assert.ok(
            Date.now() < deadline,
            `${gate.approval.rejectedAttempts.length - recorded} of ${expected} judged`,
          );
          await delay(100);
        }
        refusals = gate.approval.rejectedAttempts.slice(recorded);
        assert.equal(refusals.length, expected, 'one refusal recorded per signal');
      });

      const judged = async (index: number, message: string, refusal: string | RegExp) => {
        const attempt = refusals[index];
        assert.ok(attempt, `signal ${index} judged`);
        assert.equal(attempt.signal, message);
        assertHolds(attempt.reason, refusal);
        assert.equal(gate.approval.decision, undefined, 'no decision');
        assert.equal(await workflowsOnQueue(), queueCount, 'no workflow on the task queue');
      };
      for (const [index, c] of signalCases.entries()) {
        test(`${c.message} signal, ${c.name}: recorded as refused`, () =>
          tally.count('approval signal', () => judged(index, c.message, c.refusal)));
      }
      for (const [index, c] of UNDECODABLE_CASES.entries()) {
        test(`approve signal, ${c.name}: recorded as refused`, () =>
          tally.count('approval signal', () => judged(signalCases.length + index, 'approve', c.refusal)));
      }
    });

    describe('as updates', () => {
      let recorded: number;
      before(async () => {
        recorded = (await status()).approval.rejectedAttempts.length;
      });
      for (const c of updateCases) {
        test(`${c.message} update, ${c.name}: refused by its validator`, () =>
          tally.count('approval update', async () => {
            await assert.rejects(handle.executeUpdate(c.message, { args: [c.payload(ctx)] }), (error) => {
              assert.ok(error instanceof WorkflowUpdateFailedError, String(error));
              assertHolds(error.cause?.message ?? '', c.refusal);
              return true;
            });
            assert.equal(await workflowsOnQueue(), queueCount, 'no workflow on the task queue');
          }));
      }
      test('a refused update leaves no trace in the status', async () => {
        assert.equal((await status()).approval.rejectedAttempts.length, recorded);
      });
    });

    test('after every approval case: the gate waits as before, nothing purged or restored', async () => {
      await assertGateUnmoved();
      await nothingChangedSince(queueCount, 'approval');
    });
  });

  // ---- Queue messages for the drift monitor.

  describe('monitor event', () => {
    let queue: MonitorQueue;
    let queueCount: number;
    let monitorId: string;
    const messageIds = new Map<string, string>();
    let final: MonitorStatus;

    before(async () => {
      queue = await createMonitorQueue(stack, org, `corpus-monitor-${Date.now().toString(36)}`, []);
      cleanup.push(() => Promise.resolve(queue.destroy()));
      monitorId = `corpus-monitor-${randomUUID().slice(0, 8)}`;
      const input = MonitorInputSchema.parse({
        queueUrl: queue.queueUrl,
        waitTimeSeconds: 1,
        pollBudgetSeconds: 2,
      });
      await startMonitor(worker.client, { taskQueue: worker.taskQueue, input, workflowId: monitorId });
      cleanup.push(() => worker.client.workflow.getHandle(monitorId).terminate('bad-input corpus done'));
      queueCount = await workflowsOnQueue();
      const accountId = accountIds[0]!;
      for (const c of MONITOR_CASES) {
        const sent = await queue.sqs.send(
          new SendMessageCommand({ QueueUrl: queue.queueUrl, MessageBody: c.body(accountId) }),
        );
        messageIds.set(c.name, sent.MessageId ?? '');
      }
      const deadline = Date.now() + 60_000;
      for (;;) {
        const status = await queryMonitorStatus(worker.client, monitorId);
        if (status !== undefined && status.counts.messages >= MONITOR_CASES.length) {
          final = status;
          break;
        }
        assert.ok(Date.now() < deadline, `the monitor read ${status?.counts.messages ?? 0} messages`);
        await delay(250);
      }
    });

    for (const c of MONITOR_CASES) {
      test(`${c.name}: skipped as ${c.kind}, with the reason`, () =>
        tally.count('monitor event', async () => {
          const skipped = final.recentlySkipped.find((s) => s.messageId === messageIds.get(c.name));
          assert.ok(skipped, `message ${messageIds.get(c.name)} is in the skipped list`);
          assert.equal(skipped.kind, c.kind);
          assertHolds(skipped.reason, c.refusal);
          assert.equal(await workflowsOnQueue(), queueCount, 'no workflow on the task queue');
        }));
    }
    test('after every monitor case: no finding, the monitor still running, the emulator unchanged', async () => {
      assert.equal(final.counts.messages, MONITOR_CASES.length);
      assert.equal(final.counts.skippedMalformed + final.counts.skippedNotCloudTrail, MONITOR_CASES.length);
      assert.equal(final.counts.keyEvents, 0);
      assert.equal(final.counts.findings, 0);
      assert.equal(final.counts.alerts, 0);
      assert.equal((await worker.client.workflow.getHandle(monitorId).describe()).status.name, 'RUNNING');
      assert.equal(await queue.pending(), 0, 'every message was read and deleted');
      await nothingChangedSince(queueCount, 'monitor event');
    });
  });

  test('the corpus holds at least 70 cases, every kind of input represented', () => {
    const figures = tally.figures();
    assert.ok(figures.total >= 70, `${figures.total} cases`);
    for (const c of figures.byCategory ?? []) assert.ok(c.total > 0, `${c.category} has cases`);
    assert.equal(figures.refused, figures.total, tally.summary().join('\n'));
  });
});
