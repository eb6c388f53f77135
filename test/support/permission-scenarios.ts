import assert from 'node:assert/strict';
import { startOffboarding } from '../../client/offboarding-client';
import type { AccessSettings } from '../../domain/access';
import type { OffboardingStatus } from '../../domain/offboarding-report';
import { parseOffboardingRequest, type OffboardingRequestInput } from '../../domain/offboarding-request';
import type { AccountRotationReport, CampaignStatus } from '../../domain/rotation-report';
import { buildScp, scpAttachmentWorkflowId, type ScpAttachmentStatus } from '../../domain/scp';
import type { attachScp } from '../../workflows/attach-scp';
import { approveSignal } from '../../workflows/messages';
import { APPROVER, offboardingBody, waitForStatus } from '../integration/offboarding/offboarding-fixtures';
import {
  accountReports,
  APPROVERS,
  startCampaign,
  testSpec,
  uniqueId,
  waitForPhase,
} from './campaign-helpers';
import type { RunningWorker } from './test-stack';

export type AccessInput = Partial<Pick<AccessSettings, 'roleName' | 'externalId'>>;

export interface RotationOutcome {
  status: CampaignStatus;
  reports: AccountRotationReport[];
}

/**
 * A rotation campaign over `accountIds` that waits for the approval gate, approves, and lets
 * the old keys be deleted. Returns the final status and the account reports.
 */
export async function rotateWithApproval(
  worker: RunningWorker,
  accountIds: string[],
  access: AccessInput = {},
): Promise<RotationOutcome> {
  const spec = testSpec({ id: uniqueId('least-privilege'), scope: { includeAccounts: accountIds }, access });
  const handle = await startCampaign(worker.client, worker.taskQueue, spec);
  await waitForPhase(handle, ['awaiting-approval']);
  await handle.signal(approveSignal, { approver: APPROVERS[0], comment: 'least-privilege test' });
  const status = await handle.result();
  return { status, reports: await accountReports(worker.client, spec.id, accountIds.length) };
}

/** A rotation campaign that is expected to finish without an approval round (nothing to delete). */
export async function rotateToTheEnd(
  worker: RunningWorker,
  accountIds: string[],
  access: AccessInput = {},
): Promise<RotationOutcome> {
  const spec = testSpec({ id: uniqueId('least-privilege'), scope: { includeAccounts: accountIds }, access });
  const handle = await startCampaign(worker.client, worker.taskQueue, spec);
  const status = await handle.result();
  return { status, reports: await accountReports(worker.client, spec.id, accountIds.length) };
}

export async function startOffboardingOf(
  worker: RunningWorker,
  input: OffboardingRequestInput,
): Promise<string> {
  const parsed = parseOffboardingRequest(input);
  assert.ok(parsed.ok, parsed.ok ? '' : parsed.message);
  const started = await startOffboarding(worker.client, {
    taskQueue: worker.taskQueue,
    request: parsed.request,
    requestedAt: new Date().toISOString(),
  });
  return started.workflowId;
}

/**
 * An offboarding: discovery and containment, then `decision` at the approval gate ('approve'
 * purges, 'reject' restores). Returns the final status.
 */
export async function offboard(
  worker: RunningWorker,
  decision: 'approve' | 'reject',
  overrides: Partial<OffboardingRequestInput>,
): Promise<{ contained: OffboardingStatus; result: OffboardingStatus }> {
  const workflowId = await startOffboardingOf(
    worker,
    offboardingBody(`emp-${decision}-${Date.now().toString(36)}`, overrides),
  );
  const contained = await waitForStatus(
    worker.client,
    workflowId,
    (s) => s.phase === 'awaiting-approval',
    120_000,
  );
  const handle = worker.client.workflow.getHandle(workflowId);
  await handle.signal(decision, { approver: APPROVER, comment: 'least-privilege test' });
  return { contained, result: (await handle.result()) as OffboardingStatus };
}

/** `keywarden scp --attach <ouId>`, approved: returns the run's final status. */
export async function attachScpWithApproval(
  worker: RunningWorker,
  ouId: string,
): Promise<ScpAttachmentStatus> {
  const built = buildScp({});
  assert.ok(built.ok);
  const handle = await worker.client.workflow.start<typeof attachScp>('attachScp', {
    taskQueue: worker.taskQueue,
    workflowId: scpAttachmentWorkflowId(ouId),
    args: [
      {
        ouId,
        policyName: built.options.policyName,
        policyText: built.text,
        initiator: 'platform-team@example.com',
        approval: {
          approvers: [APPROVER],
          requiredApprovals: 1,
          timeout: '10m',
          onTimeout: 'reject',
          signatures: 'off',
          publicKeys: {},
        },
      },
    ],
  });
  const deadline = Date.now() + 60_000;
  for (;;) {
    const status = await handle.query<ScpAttachmentStatus>('status').catch(() => undefined);
    if (status?.phase !== undefined && status.phase !== 'checking-target') break;
    assert.ok(Date.now() < deadline, `${ouId}: the attachment never reached the approval gate`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  await handle.signal('approve', { approver: APPROVER, comment: 'least-privilege test' });
  return handle.result();
}
