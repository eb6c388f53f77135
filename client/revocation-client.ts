import type { Client } from '@temporalio/client';
import { WorkflowExecutionAlreadyStartedError, WorkflowIdReusePolicy } from '@temporalio/client';
import { revokeWorkflowId, type RevokeRequest } from '../domain/revoke-request';
import { FINAL_REVOKE_PHASES, type RevokeStatus } from '../domain/revoke-report';
import { KeywardenInitiator, KeywardenKind, KeywardenPhase } from '../domain/search-attributes';
import type { revokeKey } from '../workflows/revoke-key';

export interface StartedRevocation {
  workflowId: string;
  runId: string;
  /** True when a revocation of this key was already running: nothing new was started. */
  duplicate: boolean;
}

/**
 * Starts `revokeKey` under `revoke-<accessKeyId>`. While a run with that ID is open, Temporal
 * refuses a second start and this returns the running one (duplicate: true). A closed run does
 * not block a new request.
 */
export async function startRevocation(
  client: Client,
  opts: { taskQueue: string; request: RevokeRequest; requestedAt: string },
): Promise<StartedRevocation> {
  const { request } = opts;
  const workflowId = revokeWorkflowId(request.accessKeyId);
  try {
    const handle = await client.workflow.start<typeof revokeKey>('revokeKey', {
      taskQueue: opts.taskQueue,
      workflowId,
      workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
      args: [{ request, requestedAt: opts.requestedAt }],
      staticSummary: `Revocation of leaked key ${request.accessKeyId}: deactivate at once, delete after approval`,
      staticDetails: [
        `Revoked by ${request.initiator}: ${request.reason}`,
        request.approval === undefined
          ? 'No approver named: the key is left inactive, never deleted.'
          : `Deletion after ${request.approval.requiredApprovals} approval(s) of ${request.approval.approvers.join(', ')}.`,
        'Signals and Updates: approve, reject {"approver": "...", "comment": "..."}. Query: status.',
      ].join('\n'),
      typedSearchAttributes: [
        { key: KeywardenKind, value: 'revocation' },
        { key: KeywardenInitiator, value: request.initiator },
        { key: KeywardenPhase, value: 'locating' },
      ],
    });
    return { workflowId, runId: handle.firstExecutionRunId, duplicate: false };
  } catch (error) {
    if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
    const description = await client.workflow.getHandle(workflowId).describe();
    return { workflowId, runId: description.runId, duplicate: true };
  }
}

/** Where a revocation stands: its `status` query while it runs, its result once it has ended. */
export async function revocationStatus(client: Client, workflowId: string): Promise<RevokeStatus> {
  const handle = client.workflow.getHandle(workflowId);
  const description = await handle.describe();
  if (description.status.name === 'COMPLETED') return (await handle.result()) as RevokeStatus;
  return handle.query<RevokeStatus>('status');
}

export function isFinalRevokePhase(status: RevokeStatus): boolean {
  return FINAL_REVOKE_PHASES.includes(status.phase);
}
