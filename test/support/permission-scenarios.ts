import assert from 'node:assert/strict';
import { startOffboarding } from '../../client/webhook/start-offboarding';
import type { AccessSettings } from '../../domain/access';
import type { OffboardingStatus } from '../../domain/offboarding-report';
import { parseOffboardingRequest, type OffboardingRequestInput } from '../../domain/offboarding-request';
import type { AccountRotationReport, CampaignStatus } from '../../domain/rotation-report';
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
