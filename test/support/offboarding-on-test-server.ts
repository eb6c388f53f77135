import type { WorkflowHandle } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { OffboardingRequest } from '../../domain/offboarding-request';
import type { OffboardingStatus } from '../../domain/offboarding-report';
import { KeywardenKind, KeywardenPhase } from '../../domain/search-attributes';
import {
  offboardEmployee,
  offboardingStatusQuery,
  type OffboardEmployeeInput,
} from '../../workflows/offboard-employee';

/** Starts an offboarding on the time-skipping test server as the webhook would, requested at `requestedAtMs`. */
export function startOffboardingOnTestServer(
  env: TestWorkflowEnvironment,
  taskQueue: string,
  request: OffboardingRequest,
  requestedAtMs: number,
  extra: Pick<OffboardEmployeeInput, 'sharding'> = {},
) {
  return env.client.workflow.start(offboardEmployee, {
    taskQueue,
    workflowId: `offboard-${request.employeeId}`,
    args: [
      {
        request,
        requestedAt: new Date(requestedAtMs).toISOString(),
        ...extra,
      } satisfies OffboardEmployeeInput,
    ],
    typedSearchAttributes: [
      { key: KeywardenKind, value: 'offboarding' },
      { key: KeywardenPhase, value: 'discovering' },
    ],
  });
}

/**
 * Polls the status in real time (activities run in real time; no simulated time passes) until
 * the gate opens, for at most `polls` tenths of a second. Returns the last status either way.
 */
export async function waitForGateInRealTime(
  handle: Pick<WorkflowHandle<typeof offboardEmployee>, 'query'>,
  polls: number,
): Promise<OffboardingStatus> {
  let status = await handle.query(offboardingStatusQuery);
  for (let i = 0; i < polls && status.phase !== 'awaiting-approval'; i++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    status = await handle.query(offboardingStatusQuery);
  }
  return status;
}
