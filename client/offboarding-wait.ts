import type { Client } from '@temporalio/client';
import { z } from 'zod';
import type { OffboardingPhase, OffboardingStatus } from '../domain/offboarding-report';

/** Every phase, in the order a run passes them; purging and restoring are alternatives. */
const PHASE_RANK: Record<OffboardingPhase, number> = {
  discovering: 0,
  containing: 1,
  'retrying-accounts': 2,
  'awaiting-approval': 3,
  escalated: 4,
  purging: 5,
  restoring: 5,
  completed: 6,
  restored: 6,
  'not-found': 6,
  incomplete: 6,
  failed: 6,
};
const ENDED: ReadonlySet<OffboardingPhase> = new Set([
  'completed',
  'restored',
  'not-found',
  'incomplete',
  'failed',
]);

/** What `offboard --wait --until` can wait for: `contained` (the default), or a phase. */
const PHASES = Object.keys(PHASE_RANK) as OffboardingPhase[];
export const WaitTargetSchema = z.enum(['contained', ...PHASES] as ['contained', ...OffboardingPhase[]], {
  error: (issue) => `--until takes contained or a phase (${PHASES.join(', ')}), not "${String(issue.input)}"`,
});
export type WaitTarget = z.infer<typeof WaitTargetSchema>;

export interface WaitOutcome {
  status: OffboardingStatus;
  /** False when the run ended, or the wait timed out, before reaching the target. */
  reached: boolean;
  timedOut: boolean;
  /** Wall time this client waited. */
  waitedMs: number;
}

/**
 * Whether a status has reached what is waited for. `contained`: the run has summarized its
 * containment (every account in scope answered once). A phase: the run is in it or past it (a
 * poll can miss a short phase); a run that ended elsewhere has not reached an ending it waited for.
 */
export function hasReached(status: OffboardingStatus, target: WaitTarget): boolean {
  if (target === 'contained') return status.containedAt !== undefined;
  if (status.phase === target) return true;
  if (ENDED.has(target)) return false;
  if (target === 'purging') return status.phase === 'completed';
  if (target === 'restoring') return status.phase === 'restored';
  if (status.phase === 'not-found') return false;
  return PHASE_RANK[status.phase] > PHASE_RANK[target];
}

/**
 * Watches an offboarding through its `status` query until it reaches `until`, ends, or `timeoutMs`
 * passes, so a script gets one answer instead of polling itself.
 */
export async function waitForOffboarding(
  client: Client,
  workflowId: string,
  opts: { until: WaitTarget; timeoutMs: number; pollMs?: number },
): Promise<WaitOutcome> {
  const started = Date.now();
  const handle = client.workflow.getHandle(workflowId);
  for (;;) {
    const status = await handle.query<OffboardingStatus>('status');
    const reached = hasReached(status, opts.until);
    const waitedMs = Date.now() - started;
    if (reached || ENDED.has(status.phase)) return { status, reached, timedOut: false, waitedMs };
    if (waitedMs >= opts.timeoutMs) return { status, reached: false, timedOut: true, waitedMs };
    await new Promise((resolve) => setTimeout(resolve, opts.pollMs ?? 100));
  }
}

/** `contained in 2.41 s: 3 user(s) in 2 account(s); 100 account(s) searched`, or what is missing. */
export function containmentLine(status: OffboardingStatus): string {
  const accounts = new Set(status.users.map((u) => u.accountId)).size;
  const found = `${status.users.length} user(s) in ${accounts} account(s); ${status.accountsSearched.length} account(s) searched`;
  if (status.timeToContainmentMs === undefined) return `not contained yet (phase ${status.phase}): ${found}`;
  const seconds = (status.timeToContainmentMs / 1000).toFixed(2);
  if (status.containmentComplete === false)
    return `containment INCOMPLETE after ${seconds} s (some users hold a step that failed: see keywarden status ${status.workflowId}): ${found}`;
  return `contained in ${seconds} s (request to contained): ${found}`;
}
