import type { Client } from '@temporalio/client';
import { performance } from 'node:perf_hooks';
import { parseOffboardingRequest } from '../../domain/offboarding-request';
import { startOffboarding } from '../../client/offboarding-client';
import { waitForOffboarding } from '../../client/offboarding-wait';
import { LEAVER } from './bench-org';

/** Where keywarden runs: a Temporal client and the task queue its worker polls. */
export interface KeywardenTarget {
  client: Client;
  taskQueue: string;
}

export interface KeywardenContainment {
  /** The workflow's own figure: containedAt − requestedAt (the status and the report show it). */
  timeToContainmentMs: number;
  /** This client's wall time from the start request until `--wait` would return. */
  wallMs: number;
  usersContained: number;
  complete: boolean;
}

/**
 * An offboarding as `keywarden offboard --email … --wait` starts and waits for it: request to
 * contained. The run is terminated afterwards; the next run starts on a fresh org.
 */
export async function containWithKeywarden(
  target: KeywardenTarget,
  opts: { employeeId: string; managementAccountId: string },
): Promise<KeywardenContainment> {
  const parsed = parseOffboardingRequest({
    employeeId: opts.employeeId,
    match: { tagValues: [LEAVER.email] },
    initiator: 'hr@example.com',
    approval: { approvers: ['security-lead@example.com'] },
    scope: { excludeAccounts: [opts.managementAccountId] },
    reason: 'benchmark',
  });
  if (!parsed.ok) throw new Error(`the benchmark's offboarding request is invalid: ${parsed.message}`);
  const startedAt = performance.now();
  const started = await startOffboarding(target.client, {
    taskQueue: target.taskQueue,
    request: parsed.request,
    requestedAt: new Date().toISOString(),
  });
  try {
    const outcome = await waitForOffboarding(target.client, started.workflowId, {
      until: 'contained',
      timeoutMs: 15 * 60_000,
      pollMs: 50,
    });
    const wallMs = performance.now() - startedAt;
    if (!outcome.reached || outcome.status.timeToContainmentMs === undefined) {
      throw new Error(
        `keywarden did not report containment (phase ${outcome.status.phase}${outcome.timedOut ? ', timed out' : ''})`,
      );
    }
    return {
      timeToContainmentMs: outcome.status.timeToContainmentMs,
      wallMs,
      usersContained: outcome.status.users.filter((u) => u.containedAt !== undefined).length,
      complete: outcome.status.containmentComplete === true,
    };
  } finally {
    await target.client.workflow
      .getHandle(started.workflowId)
      .terminate('benchmark run measured')
      .catch(() => undefined);
  }
}
