import type { WorkflowExecutionInfo } from '@temporalio/client';
import type { ApprovalState } from '../../domain/approval-state';
import { KeywardenInitiator, KeywardenKind, KeywardenPhase } from '../../domain/search-attributes';
import { campaignStatus } from '../campaign-client';
import { offboardingStatus } from '../offboarding-client';
import { approvalOf } from '../report/status-text';
import type { TemporalSession } from '../temporal-connection';
import { errorText } from '../temporal-errors';
import { kindFromShape } from '../workflow-kind';
import type { ListFilter } from './list-filter';
import { isAwaitingApproval, listQuery } from './list-filter';
import type { WaitingFor } from './waiting-for';
import { waitingFor } from './waiting-for';

const GATE_QUERY_DEADLINE_MS = 5_000;
const GATE_QUERY_CONCURRENCY = 8;

/** One workflow as `keywarden list` shows it: from its search attributes, plus its gate when it waits. */
export interface ListedWorkflow {
  workflowId: string;
  runId: string;
  kind: string;
  phase?: string;
  initiator?: string;
  executionStatus: string;
  startedAt: string;
  closedAt?: string;
  /** For a running workflow awaiting approval: who it waits for, from its status query. */
  waitingFor?: WaitingFor;
  /** Why `waitingFor` is missing when the workflow awaits approval (its status query did not answer). */
  waitingForUnknown?: string;
}

function listed(info: WorkflowExecutionInfo): ListedWorkflow {
  const attributes = info.typedSearchAttributes;
  const phase = attributes.get(KeywardenPhase);
  const initiator = attributes.get(KeywardenInitiator);
  return {
    workflowId: info.workflowId,
    runId: info.runId,
    kind: attributes.get(KeywardenKind) ?? kindFromShape(info.workflowId, info.type),
    ...(phase === undefined ? {} : { phase }),
    ...(initiator === undefined ? {} : { initiator }),
    executionStatus: info.status.name,
    startedAt: info.startTime.toISOString(),
    ...(info.closeTime === undefined ? {} : { closedAt: info.closeTime.toISOString() }),
  };
}

async function gateOf(session: TemporalSession, entry: ListedWorkflow): Promise<ApprovalState | undefined> {
  if (entry.kind === 'campaign') {
    return (await campaignStatus(session, entry.workflowId, undefined, GATE_QUERY_DEADLINE_MS)).approval;
  }
  return approvalOf(await offboardingStatus(session, entry.workflowId, undefined, GATE_QUERY_DEADLINE_MS));
}

async function withWaitingFor(session: TemporalSession, entry: ListedWorkflow): Promise<ListedWorkflow> {
  if (entry.executionStatus !== 'RUNNING' || !isAwaitingApproval(entry.phase)) return entry;
  try {
    const gate = await gateOf(session, entry);
    return gate === undefined
      ? { ...entry, waitingForUnknown: 'its status shows no approval gate' }
      : { ...entry, waitingFor: waitingFor(gate) };
  } catch (error) {
    return { ...entry, waitingForUnknown: errorText(error) };
  }
}

/** The workflows the filter selects, newest first; those awaiting approval say who may approve. */
export async function listWorkflows(session: TemporalSession, filter: ListFilter): Promise<ListedWorkflow[]> {
  const found: ListedWorkflow[] = [];
  for await (const info of session.client.workflow.list({ query: listQuery(filter) }))
    found.push(listed(info));
  found.sort((a, b) =>
    a.startedAt === b.startedAt ? (a.workflowId < b.workflowId ? -1 : 1) : a.startedAt < b.startedAt ? 1 : -1,
  );
  const result: ListedWorkflow[] = [];
  for (let i = 0; i < found.length; i += GATE_QUERY_CONCURRENCY) {
    const batch = found.slice(i, i + GATE_QUERY_CONCURRENCY);
    result.push(...(await Promise.all(batch.map((entry) => withWaitingFor(session, entry)))));
  }
  return result;
}
