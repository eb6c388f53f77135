import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { after, describe, test } from 'node:test';
import type { AccountRotationReport } from '../../../domain/rotation-report';
import {
  accountStatusQuery,
  approveSignal,
  campaignStatusQuery,
  rejectSignal,
} from '../../../workflows/messages';
import {
  APPROVERS,
  INITIATOR,
  startCampaign,
  testSpec,
  uniqueId,
  waitForPhase,
  waitForStatus,
} from '../../support/campaign-helpers';
import { ACCOUNTS, oldKey, scriptedAws, user } from '../../support/scripted-aws';
import { paths } from '../../../sandbox/project-paths';
import { startScriptedWorker, testStack, type RunningWorker } from '../../support/test-stack';

describe('saga paths on the real dev server, with scripted AWS activities', () => {
  const stack = testStack();
  const workers: RunningWorker[] = [];
  after(async () => {
    await Promise.all(workers.map((w) => w.stop()));
  });

  /** Runs the CLI as a person would, against the test stack and this worker's task queue. */
  const keywarden =
    (taskQueue: string) =>
    (...args: string[]) =>
      new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
        execFile(
          process.execPath,
          [path.join(paths.root, 'bin', 'keywarden.js'), ...args],
          {
            cwd: paths.root,
            timeout: 60_000,
            env: {
              ...process.env,
              TEMPORAL_ADDRESS: stack.temporalAddress,
              TEMPORAL_NAMESPACE: stack.namespace,
              KEYWARDEN_TASK_QUEUE: taskQueue,
            },
          },
          (error, stdout, stderr) =>
            resolve({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr }),
        );
      });

  async function worker(aws: ReturnType<typeof scriptedAws>) {
    const started = await startScriptedWorker(stack, aws.activities);
    workers.push(started);
    return started;
  }

  test('a failure before verification discards the new key and its pending version; the old key is never touched', async () => {
    const [account] = ACCOUNTS;
    const aws = scriptedAws(
      { [account!]: [user(account!, 'bob', [oldKey('AKIAOLDBOB')])] },
      { verifyFailsFor: 'bob' },
    );
    const w = await worker(aws);
    const spec = testSpec({ id: uniqueId('compensate'), scope: { includeAccounts: [account!] } });
    const status = await (await startCampaign(w.client, w.taskQueue, spec)).result();
    assert.equal(status.users.compensated, 1);
    assert.deepEqual(aws.calls, [
      `create ${account}/bob`,
      `verify ${account}/bob`,
      `discard ${account}/AKIANEW1`,
    ]);
    assert.deepEqual(
      aws.keysOf(account!, 'bob').map((k) => [k.accessKeyId, k.status]),
      [['AKIAOLDBOB', 'Active']],
      'only the old key is left, still active',
    );
    const report = (await w.client.workflow
      .getHandle(`${spec.id}/${account}`)
      .result()) as AccountRotationReport;
    assert.match(report.users[0]!.error ?? '', /does not sign in as its user/);
  });

  test('onTimeout: escalate keeps waiting, records each escalation, and a later approval still counts', async () => {
    const [account] = ACCOUNTS;
    const aws = scriptedAws({ [account!]: [user(account!, 'carl', [oldKey('AKIAOLDCARL')])] });
    const w = await worker(aws);
    const spec = testSpec({
      id: uniqueId('escalate'),
      scope: { includeAccounts: [account!] },
      approval: { approvers: APPROVERS, timeout: '1s', onTimeout: 'escalate' },
    });
    const handle = await startCampaign(w.client, w.taskQueue, spec);
    await waitForPhase(handle, ['awaiting-approval']);
    let waiting = await waitForPhase(handle, ['awaiting-approval']);
    for (let i = 0; i < 50 && waiting.approval.escalations.length < 2; i++) {
      await delay(200);
      waiting = await waitForPhase(handle, ['awaiting-approval']);
    }
    assert.ok(waiting.approval.escalations.length >= 2, 'escalated at least twice');
    assert.equal(waiting.approval.decision, undefined, 'escalation decides nothing');
    assert.ok(!aws.calls.some((c) => c.startsWith('delete')), 'nothing deleted while escalated');
    await handle.signal(approveSignal, { approver: APPROVERS[1] });
    const status = await handle.result();
    assert.equal(status.approval.pastRounds[0]?.outcome, 'approved');
    assert.ok(aws.calls.includes(`delete ${account}/AKIAOLDCARL`));
  });

  test('account-scope approval: each account decides for itself', async () => {
    const [a, b] = ACCOUNTS;
    const aws = scriptedAws({
      [a!]: [user(a!, 'dora', [oldKey('AKIAOLDDORA')])],
      [b!]: [user(b!, 'emil', [oldKey('AKIAOLDEMIL')])],
    });
    const w = await worker(aws);
    const spec = testSpec({
      id: uniqueId('per-account'),
      scope: { includeAccounts: [a!, b!] },
      approval: { approvers: APPROVERS, timeout: '10m', scope: 'account' },
    });
    const handle = await startCampaign(w.client, w.taskQueue, spec);
    await waitForPhase(handle, ['awaiting-approval']);
    // The campaign has no gate of its own in this scope: a signal to it decides nothing, and says where to send it.
    await handle.signal(approveSignal, { approver: APPROVERS[0] });
    const refused = await waitForStatus(handle, (s) => s.approval.rejectedAttempts.length > 0, 'a refusal');
    assert.match(
      refused.approval.rejectedAttempts[0]?.reason ?? '',
      /approval\.scope: account.*account workflow/,
    );
    const accountA = w.client.workflow.getHandle(`${spec.id}/${a}`);
    const accountB = w.client.workflow.getHandle(`${spec.id}/${b}`);
    await accountA.signal(approveSignal, { approver: APPROVERS[0] });
    const reportA = (await accountA.result()) as AccountRotationReport;
    assert.equal(reportA.users[0]!.status, 'rotated');
    assert.equal(reportA.approval?.pastRounds[0]?.outcome, 'approved');
    const stillWaiting = await accountB.query(accountStatusQuery);
    assert.equal(stillWaiting.approval?.decision, undefined, 'account B still waits');
    assert.ok(!aws.calls.includes(`delete ${b}/AKIAOLDEMIL`));
    await accountB.signal(rejectSignal, { approver: APPROVERS[1], comment: 'not in this account' });
    const status = await handle.result();
    assert.equal(status.users.rotated, 1);
    assert.equal(status.users['rolled-back'], 1);
    assert.ok(aws.calls.includes(`activate ${b}/AKIAOLDEMIL`), 'B reactivated its old key');
  });

  test('an inactive key in the second slot: one approval deletes it, a second approval (for the old key) ends the rotation', async () => {
    const [account] = ACCOUNTS;
    const inactive = { ...oldKey('AKIAINACTIVEFAY'), status: 'Inactive' as const };
    const aws = scriptedAws({ [account!]: [user(account!, 'fay', [oldKey('AKIAOLDFAY'), inactive])] });
    const w = await worker(aws);
    const spec = testSpec({
      id: uniqueId('inactive-slot'),
      scope: { includeAccounts: [account!] },
      policy: { inactiveKeys: 'delete-after-approval' },
    });
    const handle = await startCampaign(w.client, w.taskQueue, spec);
    await waitForPhase(handle, ['awaiting-approval']);
    assert.equal(aws.calls.length, 0, 'nothing happens before the approval');
    await handle.signal(approveSignal, { approver: APPROVERS[0] });
    // The first approval covered the inactive key only: the old key waits for a round of its own.
    const roundTwo = await waitForStatus(
      handle,
      (s) => s.phase === 'awaiting-approval' && s.approval.round === 2,
      'the second approval round',
    );
    assert.equal(roundTwo.usersAwaitingDecision, 1);
    assert.ok(
      !aws.calls.includes(`delete ${account}/AKIAOLDFAY`),
      'the first approval did not release the old key',
    );
    await handle.signal(approveSignal, { approver: APPROVERS[1] });
    const status = await handle.result();
    assert.equal(status.users.rotated, 1);
    assert.deepEqual(aws.calls, [
      `delete ${account}/AKIAINACTIVEFAY`,
      `create ${account}/fay`,
      `verify ${account}/fay`,
      `promote ${account}/fay v1`,
      `deactivate ${account}/AKIAOLDFAY`,
      `delete ${account}/AKIAOLDFAY`,
    ]);
    assert.deepEqual(
      status.approval.pastRounds.map((d) => d.outcome),
      ['approved', 'approved'],
    );
  });

  test('keywarden abort: refused for someone not on the campaign, accepted from the initiator; sagas roll back', async () => {
    const [account] = ACCOUNTS;
    const aws = scriptedAws({ [account!]: [user(account!, 'gus', [oldKey('AKIAOLDGUS')])] });
    const w = await worker(aws);
    const spec = testSpec({ id: uniqueId('cli-abort'), scope: { includeAccounts: [account!] } });
    const handle = await startCampaign(w.client, w.taskQueue, spec);
    await waitForPhase(handle, ['awaiting-approval']);
    const cli = keywarden(w.taskQueue);
    const refused = await cli('abort', spec.id, '--approver', 'mallory@example.com');
    assert.equal(refused.code, 1, refused.stdout + refused.stderr);
    assert.match(refused.stderr, /refused the abort from mallory@example.com: unknown approver/);
    const accepted = await cli('abort', spec.id, '--approver', INITIATOR, '--comment', 'wrong scope');
    assert.equal(accepted.code, 0, accepted.stdout + accepted.stderr);
    assert.match(accepted.stdout, /aborted by platform-team@example.com/);
    const status = await handle.result();
    assert.equal(status.phase, 'aborted');
    assert.equal(status.users['rolled-back'], 1);
    assert.ok(!aws.calls.some((c) => c.startsWith('delete')), 'an abort deletes nothing');
    const again = await cli('abort', spec.id, '--approver', INITIATOR);
    assert.equal(again.code, 2, 'a finished campaign cannot be aborted');
  });

  test('signed approvals from the CLI: keygen, unsigned and wrong-key approvals refused at once, a signed one deletes', async () => {
    const [account] = ACCOUNTS;
    const aws = scriptedAws({ [account!]: [user(account!, 'sia', [oldKey('AKIAOLDSIA')])] });
    const w = await worker(aws);
    const cli = keywarden(w.taskQueue);
    const dir = mkdtempSync(path.join(tmpdir(), 'keywarden-signing-'));
    try {
      const keyFile = (who: string) => path.join(dir, `${who}.json`);
      const publicKeys: Record<string, string> = {};
      for (const who of [...APPROVERS, INITIATOR]) {
        const made = await cli('keygen', '--approver', who, '--out', keyFile(who));
        assert.equal(made.code, 0, made.stderr);
        publicKeys[who] = /: ([0-9a-f]{64})$/m.exec(made.stdout)?.[1] ?? '';
      }
      const forger = await cli('keygen', '--approver', APPROVERS[0]!, '--out', keyFile('forger'));
      assert.equal(forger.code, 0, forger.stderr);
      const spec = testSpec({
        id: uniqueId('cli-signed'),
        scope: { includeAccounts: [account!] },
        approval: { approvers: APPROVERS, signatures: 'required', publicKeys },
      });
      const handle = await startCampaign(w.client, w.taskQueue, spec);
      await waitForPhase(handle, ['awaiting-approval']);

      const unsigned = await cli('approve', spec.id, '--approver', APPROVERS[0]!);
      assert.equal(unsigned.code, 1, unsigned.stdout + unsigned.stderr);
      assert.match(unsigned.stderr, /refused the approve from security-lead@example.com: unsigned/);
      const forged = await cli('approve', spec.id, '--key', keyFile('forger'));
      assert.equal(forged.code, 1, forged.stdout + forged.stderr);
      assert.match(forged.stderr, /bad signature/);
      const printed = await cli('approve', spec.id, '--key', keyFile(APPROVERS[0]!), '--print-payload');
      assert.equal(printed.code, 0, printed.stderr);
      const payload = JSON.parse(printed.stdout) as Record<string, unknown>;
      assert.deepEqual(Object.keys(payload).sort(), [
        'approver',
        'expiresAt',
        'planDigest',
        'round',
        'signature',
      ]);
      assert.equal(
        (await handle.query(campaignStatusQuery)).approval.approvals.length,
        0,
        'printing sends nothing',
      );

      const signed = await cli('approve', spec.id, '--key', keyFile(APPROVERS[0]!), '--comment', 'reviewed');
      assert.equal(signed.code, 0, signed.stdout + signed.stderr);
      assert.match(signed.stdout, /decision: approved/);
      const status = await handle.result();
      assert.equal(status.users.rotated, 1);
      assert.ok(aws.calls.includes(`delete ${account}/AKIAOLDSIA`));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
