import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import { z } from 'zod';
import type { SeededOrg } from '../../../sandbox/seed-org';
import { runKeywarden, runKeywardenFor } from '../../support/cli-process';
import {
  APPROVERS,
  INITIATOR,
  startCampaign,
  testSpec,
  uniqueId,
  waitForPhase,
} from '../../support/campaign-helpers';
import { freshOrg, startTestWorker, testStack, type RunningWorker } from '../../support/test-stack';

// The shape `keywarden list --json` promises, checked independently of the code that builds it.
const ListedSchema = z.strictObject({
  workflowId: z.string().min(1),
  runId: z.string().min(1),
  kind: z.enum(['campaign', 'offboarding', 'revocation']),
  phase: z.string().optional(),
  initiator: z.string().optional(),
  executionStatus: z.string(),
  startedAt: z.iso.datetime(),
  closedAt: z.iso.datetime().optional(),
  waitingFor: z
    .strictObject({
      requiredApprovals: z.number().int().positive(),
      approvedBy: z.array(z.string()),
      mayApprove: z.array(z.string()),
      initiator: z.string(),
      signatures: z.enum(['off', 'required']),
      deadline: z.iso.datetime().optional(),
    })
    .optional(),
  waitingForUnknown: z.string().optional(),
});
const ListSchema = z.strictObject({ workflows: z.array(ListedSchema) });
type Listed = z.infer<typeof ListedSchema>;

describe('status --watch and list through the CLI, on the dev server and the emulator', () => {
  const stack = testStack();
  let org: SeededOrg;
  let worker: RunningWorker;
  let env: NodeJS.ProcessEnv;
  const atGate = uniqueId('list-gate');
  const short = uniqueId('watch-dry');

  const list = async (...args: string[]): Promise<Listed[]> => {
    const run = await runKeywarden(env, 'list', '--json', ...args);
    assert.equal(run.code, 0, run.stderr);
    return ListSchema.parse(JSON.parse(run.stdout)).workflows;
  };
  /** Visibility is eventually consistent: ask again until `holds` (or give the last answer). */
  const listUntil = async (holds: (found: Listed[]) => boolean, ...args: string[]): Promise<Listed[]> => {
    let found: Listed[] = [];
    for (let attempt = 0; attempt < 20; attempt++) {
      found = await list(...args);
      if (holds(found)) break;
      await delay(500);
    }
    return found;
  };
  const ids = (found: Listed[]) => found.map((w) => w.workflowId);

  before(async () => {
    org = await freshOrg(stack, { memberAccounts: 2 });
    worker = await startTestWorker(stack, org);
    env = {
      ...process.env,
      TEMPORAL_CONFIG_FILE: '',
      TEMPORAL_ADDRESS: stack.temporalAddress,
      TEMPORAL_NAMESPACE: stack.namespace,
      KEYWARDEN_TASK_QUEUE: worker.taskQueue,
    };
    const scope = { allAccounts: true, excludeAccounts: [org.managementAccountId] };
    const gate = await startCampaign(worker.client, worker.taskQueue, testSpec({ id: atGate, scope }));
    await waitForPhase(gate, ['awaiting-approval']);
  });
  after(async () => {
    await worker?.client.workflow
      .getHandle(atGate)
      .terminate('test cleanup')
      .catch(() => undefined);
    await worker?.stop();
  });

  test('status --watch with piped stdout prints plain lines, one per change, ending with the final state', async () => {
    const scope = { allAccounts: true, excludeAccounts: [org.managementAccountId] };
    await startCampaign(worker.client, worker.taskQueue, testSpec({ id: short, dryRun: true, scope }));
    const run = await runKeywardenFor(180_000, env, 'status', short, '--watch', '--interval', '1');
    assert.equal(run.code, 0, `${run.stdout}${run.stderr}`);
    assert.ok(!run.stdout.includes('\u001b'), 'no escape codes when stdout is not a terminal');
    const lines = run.stdout.trimEnd().split('\n');
    assert.ok(lines.length >= 1);
    for (const line of lines) assert.match(line, new RegExp(`^${short} \\| `), line);
    assert.equal(new Set(lines).size, lines.length, 'a line is printed only when something changed');
    assert.match(
      lines.at(-1) ?? '',
      new RegExp(
        `^${short} \\| ended completed \\| phase completed \\| accounts 2/2 done \\| users: \\d+ inventoried$`,
      ),
    );
    for (const line of lines.slice(0, -1)) assert.match(line, /\| phase [a-z-]+ for (at least )?\d/, line);
  });

  test('list --awaiting-approval finds the campaign at its gate, with who may approve, and not a finished one', async () => {
    const waiting = await listUntil((found) => ids(found).includes(atGate), '--awaiting-approval');
    const entry = waiting.find((w) => w.workflowId === atGate);
    assert.ok(entry, `${atGate} is listed: ${JSON.stringify(waiting)}`);
    assert.equal(entry.kind, 'campaign');
    assert.equal(entry.phase, 'awaiting-approval');
    assert.equal(entry.initiator, INITIATOR);
    assert.deepEqual(entry.waitingFor?.mayApprove, APPROVERS);
    assert.equal(entry.waitingFor?.initiator, INITIATOR);
    assert.deepEqual(entry.waitingFor?.approvedBy, []);
    assert.ok(!ids(waiting).includes(short), 'a finished campaign waits for no one');
    for (const w of waiting) assert.equal(w.executionStatus, 'RUNNING');

    const text = await runKeywarden(env, 'list', '--awaiting-approval');
    assert.equal(text.code, 0, text.stderr);
    assert.match(
      text.stdout,
      new RegExp(`^${atGate}  campaign  awaiting-approval  \\(started \\S+, by ${INITIATOR}\\)$`, 'm'),
    );
    assert.match(
      text.stdout,
      new RegExp(
        `waits for: 0 of 1 approvals; may approve: ${APPROVERS.join(', ')}; not the initiator ${INITIATOR}`,
      ),
    );
  });

  test('list filters by kind, shows running workflows by default and closed ones with --all', async () => {
    const running = await listUntil((found) => ids(found).includes(atGate), '--kind', 'campaign');
    assert.ok(ids(running).includes(atGate));
    assert.ok(!ids(running).includes(short), 'the finished dry run is not running');
    assert.ok(running.every((w) => w.kind === 'campaign'));

    const everything = await listUntil((found) => ids(found).includes(short), '--kind', 'campaign', '--all');
    const finished = everything.find((w) => w.workflowId === short);
    assert.equal(finished?.executionStatus, 'COMPLETED');
    assert.ok(finished?.closedAt, 'a closed run says when it closed');
    assert.equal(finished?.waitingFor, undefined);

    const offboardings = await list('--kind', 'offboarding', '--all');
    assert.ok(offboardings.every((w) => w.kind === 'offboarding'));
    assert.ok(!ids(offboardings).includes(atGate));
    const revocations = await list('--kind', 'revocation');
    assert.ok(revocations.every((w) => w.kind === 'revocation'));
  });

  test('an unknown --kind is refused with the kinds there are', async () => {
    const run = await runKeywarden(env, 'list', '--kind', 'monitor');
    assert.equal(run.code, 2, run.stderr);
    assert.match(run.stderr, /--kind takes one of campaign, offboarding, revocation/);
  });
});
