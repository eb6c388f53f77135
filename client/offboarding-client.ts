import type { Client } from '@temporalio/client';
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError } from '@temporalio/client';
import type { OffboardingRequest } from '../domain/offboarding-request';
import { offboardingWorkflowId } from '../domain/offboarding-request';
import type { OffboardingStatus } from '../domain/offboarding-report';
import { KeywardenInitiator, KeywardenKind, KeywardenPhase } from '../domain/search-attributes';
import type { offboardEmployee } from '../workflows/offboard-employee';
import { UsageError } from './cli-error';
import type { DescribedWorkflow, TemporalSession } from './temporal-connection';
import { QUERY_DEADLINE_MS } from './temporal-connection';
import { withArticle } from './workflow-kind';

export interface StartedOffboarding {
  workflowId: string;
  runId: string;
  /** True when the offboarding was already running: nothing new was started. */
  duplicate: boolean;
}

/**
 * Starts `offboardEmployee` under `offboard-<employeeId>`. While a run with that ID is open, a
 * second start is refused by Temporal and this returns that run instead (duplicate: true), so a
 * retried HR call starts nothing. Once a run has closed, a new request starts a new run: a
 * leaver is never left uncontained because of an old, finished offboarding.
 */
export async function startOffboarding(
  client: Client,
  opts: { taskQueue: string; request: OffboardingRequest; requestedAt: string },
): Promise<StartedOffboarding> {
  const workflowId = offboardingWorkflowId(opts.request.employeeId);
  try {
    const handle = await client.workflow.start<typeof offboardEmployee>('offboardEmployee', {
      taskQueue: opts.taskQueue,
      workflowId,
      args: [{ request: opts.request, requestedAt: opts.requestedAt }],
      staticSummary: `Offboarding of employee ${opts.request.employeeId}: contain at once, purge after approval`,
      staticDetails: [
        `Requested by ${opts.request.initiator}. Purge mode ${opts.request.purgeMode} after ${opts.request.approval.requiredApprovals} approval(s) of ${opts.request.approval.approvers.join(', ')}.`,
        opts.request.approval.signatures === 'required'
          ? 'Approvals must be signed: keywarden approve <id> --key <file> (or --print-payload for Send a Signal / Send an Update).'
          : 'Approvals are NOT authenticated (approval.signatures: off).',
        'Signals and Updates: approve, reject, cancel {"approver": "...", "comment": "..."}; silence never restores the leaver. Query: status.',
      ].join('\n'),
      typedSearchAttributes: [
        { key: KeywardenKind, value: 'offboarding' },
        { key: KeywardenInitiator, value: opts.request.initiator },
        { key: KeywardenPhase, value: 'discovering' },
      ],
    });
    return { workflowId, runId: handle.firstExecutionRunId, duplicate: false };
  } catch (error) {
    if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
    const description = await client.workflow.getHandle(workflowId).describe();
    return { workflowId, runId: description.runId, duplicate: true };
  }
}

/** The `status` query of an offboarding; undefined when there is no such workflow. */
export async function queryOffboardingStatus(
  client: Client,
  employeeId: string,
): Promise<OffboardingStatus | undefined> {
  try {
    return await client.workflow
      .getHandle(offboardingWorkflowId(employeeId))
      .query<OffboardingStatus>('status');
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return undefined;
    throw error;
  }
}

/**
 * The offboarding workflow's status: its `status` query while it runs, its result once it has
 * completed. It does not check the kind, so the approval commands can read the approval record of
 * any workflow that carries one; use collectOffboardingReport for an offboarding only.
 */
export async function offboardingStatus(
  session: TemporalSession,
  workflowId: string,
  described?: DescribedWorkflow,
  queryDeadlineMs = QUERY_DEADLINE_MS,
): Promise<OffboardingStatus> {
  const d = described ?? (await session.describe(workflowId));
  const handle = session.client.workflow.getHandle<typeof offboardEmployee>(workflowId);
  // By name (the workflow's offboardingStatusQuery): the client never loads workflow modules.
  return session.readStatus(
    handle,
    d.executionStatus,
    () => handle.query<OffboardingStatus>('status'),
    'offboarding',
    queryDeadlineMs,
  );
}

/** The status of an offboarding run (`offboard-<employeeId>`), everything its report shows. */
export async function collectOffboardingReport(
  session: TemporalSession,
  workflowId: string,
  described?: DescribedWorkflow,
): Promise<OffboardingStatus> {
  const d = described ?? (await session.describe(workflowId));
  if (d.kind !== 'offboarding') {
    throw new UsageError(`${workflowId} is ${withArticle(d.kind)} workflow, not an offboarding`);
  }
  return offboardingStatus(session, workflowId, d);
}
