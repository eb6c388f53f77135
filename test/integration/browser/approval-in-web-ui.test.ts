import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { signedPayload } from '../../../client/approval-keys';
import type { CampaignStatus } from '../../../domain/rotation-report';
import type { SeededOrg } from '../../../sandbox/seed-org';
import {
  APPROVERS,
  INITIATOR,
  startCampaign,
  testSpec,
  uniqueId,
  waitForPhase,
  waitForStatus,
} from '../../support/campaign-helpers';
import { runKeywarden } from '../../support/cli-process';
import { checkHtmlReportRenders } from '../../support/html-report-check';
import { freshOrg, startTestWorker, testStack, type RunningWorker } from '../../support/test-stack';
import {
  BROWSER_ARTIFACTS_DIR,
  executionStatus,
  openListedWorkflow,
  openWebUi,
  runStatusQueryInUi,
  sendSignalFromUi,
  showWorkflowList,
  waitForExecutionStatus,
  type WebUiSession,
} from '../../support/web-ui';
import { newApprovalKey } from '../../support/approval-test-keys';

const HOUR = 3_600_000;
const AWAITING_APPROVAL = 'KeywardenPhase="awaiting-approval"';

/**
 * An approver's path through the real Temporal Web UI of the local stack, in headless Chromium:
 * find the campaign awaiting approval, send a forged approval (refused), then a signed one made
 * by the same code as `keywarden approve --print-payload`, and watch the campaign complete.
 */
describe('approving a campaign in the Temporal Web UI (headless Chromium)', () => {
  const stack = testStack();
  let org: SeededOrg;
  let worker: RunningWorker;
  let ui: WebUiSession;

  before(async () => {
    org = await freshOrg(stack, { memberAccounts: 1 });
    worker = await startTestWorker(stack, org);
    ui = await openWebUi('approval-in-web-ui');
  });
  after(async () => {
    await ui?.browser.close();
    await worker?.stop();
  });

  test('a forged approval sent from the UI is refused; a signed one completes the campaign', async () => {
    assert.ok(stack.uiUrl, 'the harness gives the address of the Temporal Web UI');
    const alice = newApprovalKey(APPROVERS[0]!);
    const mallory = newApprovalKey(APPROVERS[0]!); // claims to be alice, with a key of her own
    const spec = testSpec({
      id: uniqueId('web-ui'),
      scope: { includeAccounts: [org.accounts[0]!.accountId] },
      approval: {
        approvers: APPROVERS,
        timeout: '30m',
        signatures: 'required',
        publicKeys: {
          [alice.approver]: alice.publicKey,
          [APPROVERS[1]!]: newApprovalKey(APPROVERS[1]!).publicKey,
          [INITIATOR]: newApprovalKey(INITIATOR).publicKey,
        },
      },
    });
    const handle = await startCampaign(worker.client, worker.taskQueue, spec);
    const waiting = await waitForPhase(handle, ['awaiting-approval']);
    const plan = waiting.approval.plan;
    assert.ok(plan, 'the gate shows the plan to sign');
    const target = {
      workflowId: spec.id,
      action: 'approve' as const,
      round: waiting.approval.round,
      planDigest: plan.digest,
    };
    const { page } = ui;

    try {
      await showWorkflowList(page, stack.uiUrl, stack.namespace, AWAITING_APPROVAL, spec.id);
      await ui.screenshot('listed-awaiting-approval');
      await openListedWorkflow(page, spec.id);
      assert.equal(await executionStatus(page), 'Running');
      await ui.screenshot('campaign-running');

      await sendSignalFromUi(
        page,
        'approve',
        JSON.stringify(signedPayload(mallory, target, undefined, HOUR)),
      );
      await ui.screenshot('forged-approval-sent');
      const refused = await waitForStatus(
        handle,
        (s) => s.approval.rejectedAttempts.length > 0,
        'the forged approval recorded as refused',
        60_000,
      );
      assert.equal(refused.phase, 'awaiting-approval', 'the forged approval decided nothing');
      assert.match(refused.approval.rejectedAttempts[0]?.reason ?? '', /^bad signature/);
      assert.equal(refused.approval.approvals.length, 0);
      assert.equal(await executionStatus(page), 'Running');
      const shown = (await runStatusQueryInUi(page)) as CampaignStatus;
      await ui.screenshot('refusal-in-status-query');
      assert.equal(shown.phase, 'awaiting-approval');
      assert.match(
        shown.approval.rejectedAttempts[0]?.reason ?? '',
        /^bad signature/,
        'the Queries tab shows the refusal',
      );

      const signed = signedPayload(alice, target, 'approved in the Web UI', HOUR);
      await sendSignalFromUi(page, 'approve', JSON.stringify(signed));
      await ui.screenshot('signed-approval-sent');
      await waitForExecutionStatus(page, 'Completed');
      await ui.screenshot('campaign-completed');

      // The auditor's view: the HTML report of the same campaign, as `keywarden report` writes it.
      const reportPath = path.join(BROWSER_ARTIFACTS_DIR, 'approval-in-web-ui', 'report.html');
      const report = await runKeywarden(
        {
          ...process.env,
          TEMPORAL_ADDRESS: stack.temporalAddress,
          TEMPORAL_NAMESPACE: stack.namespace,
          KEYWARDEN_TASK_QUEUE: worker.taskQueue,
        },
        'report',
        spec.id,
        '--format',
        'html',
        '--output',
        reportPath,
      );
      assert.equal(report.code, 0, report.stderr);
      await checkHtmlReportRenders(page, reportPath);
      await ui.screenshot('html-report');
    } catch (error) {
      const shot = await ui.screenshot('failure').catch(() => 'none could be taken');
      throw new Error(`${(error as Error).message} (screenshot: ${shot})`, { cause: error });
    }

    const final = await handle.result();
    assert.equal(final.phase, 'completed');
    const round = final.approval.pastRounds[0];
    assert.equal(round?.outcome, 'approved');
    assert.equal(round?.approvals?.[0]?.approver, alice.approver);
    assert.equal(round?.approvals?.[0]?.signed?.planDigest, plan.digest);
    assert.ok((final.users.rotated ?? 0) > 0, 'the approved campaign rotated keys');
  });
});
