import { WorkflowUpdateFailedError } from '@temporalio/client';
import type { ApprovalSignal } from '../domain/approval';
import { abortSignal, approveSignal, cancelSignal, rejectSignal } from '../workflows/messages';
import { CliError, UsageError } from './cli-error';
import type { TemporalSession } from './temporal-connection';
import { errorText, isDeadlineExceeded } from './temporal-errors';

/** approve / reject / cancel / abort, for every kind that has an approval gate. */
export type SignalName = 'approve' | 'reject' | 'cancel' | 'abort';

export type UpdateOutcome =
  | { kind: 'recorded' }
  | { kind: 'sent-as-signal' }
  | { kind: 'refused'; reason: string }
  | { kind: 'no-answer' };

const SIGNALS = {
  approve: approveSignal,
  reject: rejectSignal,
  cancel: cancelSignal,
  abort: abortSignal,
} as const;
const UPDATE_DEADLINE_MS = 10_000;

/** The payload without unset fields, once the workflow is known to be running. */
async function approvalBody(
  session: TemporalSession,
  workflowId: string,
  name: SignalName,
  payload: ApprovalSignal,
): Promise<ApprovalSignal> {
  const d = await session.describe(workflowId);
  if (d.executionStatus !== 'RUNNING') {
    throw new UsageError(
      `${workflowId} has already finished (${d.executionStatus.toLowerCase()}): there is nothing left to ${name}`,
    );
  }
  return Object.fromEntries(Object.entries(payload).filter(([, v]) => v !== undefined)) as ApprovalSignal;
}

/** Sends approve/reject/cancel/abort, the same signal a person sends from the Web UI. */
export async function sendSignal(
  session: TemporalSession,
  workflowId: string,
  name: SignalName,
  payload: ApprovalSignal,
): Promise<void> {
  const body = await approvalBody(session, workflowId, name, payload);
  try {
    await session.client.workflow.getHandle(workflowId).signal(SIGNALS[name], body);
  } catch (error) {
    throw new CliError(`could not send ${name} to ${workflowId}: ${errorText(error)}`);
  }
}

/**
 * Sends approve/reject/cancel as an Update: the gate's validator refuses an invalid one at once,
 * with its reason, and records nothing. A run that predates the Updates gets the signal instead.
 */
export async function decide(
  session: TemporalSession,
  workflowId: string,
  name: 'approve' | 'reject' | 'cancel',
  payload: ApprovalSignal,
): Promise<UpdateOutcome> {
  const body = await approvalBody(session, workflowId, name, payload);
  const handle = session.client.workflow.getHandle(workflowId);
  try {
    await session.withDeadline(UPDATE_DEADLINE_MS, () => handle.executeUpdate(name, { args: [body] }));
    return { kind: 'recorded' };
  } catch (error) {
    if (error instanceof WorkflowUpdateFailedError) {
      const reason = error.cause?.message ?? error.message;
      if (/no registered handler for update/i.test(reason)) {
        await sendSignal(session, workflowId, name, payload);
        return { kind: 'sent-as-signal' };
      }
      return { kind: 'refused', reason };
    }
    if (isDeadlineExceeded(error)) return { kind: 'no-answer' };
    throw new CliError(`could not send ${name} to ${workflowId}: ${errorText(error)}`);
  }
}
