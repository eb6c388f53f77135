import { z } from 'zod';
import { DEFAULT_MEMBER_ROLE_NAME } from './access';
import type { KeyEvent } from './cloudtrail-key-event';
import type { ContainedKey, DriftFinding } from './key-drift';
import { LEAST_PRIVILEGE_ROLE_NAME } from './iam-policy';
import type { MonitorCounts } from './monitor-counts';

export { ZERO_COUNTS, type MonitorCounts } from './monitor-counts';

/** The workflow ID of the drift monitor: one per namespace. */
export const MONITOR_WORKFLOW_ID = 'keywarden-monitor';

/** An SQS queue URL: https://sqs.<region>.amazonaws.com/<account>/<name> (an emulator may serve http). */
export const QueueUrlSchema = z
  .string()
  .trim()
  .regex(/^https?:\/\/[\w.-]+(?::\d{1,5})?\/\d{12}\/[\w-]{1,80}(?:\.fifo)?$/, {
    error:
      'the queue URL must be an http(s) URL ending in /<12-digit account ID>/<queue name>, as SQS prints it, ' +
      'e.g. https://sqs.us-east-1.amazonaws.com/111122223333/keywarden-monitor',
  });

const ROLE_NAME = z
  .string()
  .regex(
    /^(?:[\w+=,.@-]+\/)*[\w+=,.@-]{1,64}$/,
    'a role name is 1-64 characters from letters, digits and +=,.@_-',
  );

export const MonitorInputSchema = z.strictObject({
  queueUrl: QueueUrlSchema,
  /** The member roles keywarden assumes: calls from their `keywarden-…` sessions are keywarden's own. */
  keywardenRoleNames: z
    .array(ROLE_NAME)
    .min(1, 'name at least one role keywarden assumes')
    .default([DEFAULT_MEMBER_ROLE_NAME, LEAST_PRIVILEGE_ROLE_NAME]),
  /** SQS long-poll wait per ReceiveMessage (1-20 seconds). */
  waitTimeSeconds: z.int().min(1).max(20).default(20),
  /** How long one poll activity keeps polling an empty queue before it returns (bounds history growth). */
  pollBudgetSeconds: z.int().min(1).max(900).default(300),
  /** Findings kept for the status query, newest first. */
  maxFindings: z.int().min(1).max(1000).default(100),
  /** Keys keywarden deactivated that the monitor remembers, to tell a reactivation after containment. */
  maxContainedKeys: z.int().min(1).max(10_000).default(2000),
});

export type MonitorInputRaw = z.input<typeof MonitorInputSchema>;
export type MonitorInput = z.output<typeof MonitorInputSchema>;

export function parseMonitorInput(
  raw: unknown,
): { ok: true; input: MonitorInput } | { ok: false; message: string } {
  const parsed = MonitorInputSchema.safeParse(raw);
  return parsed.success
    ? { ok: true, input: parsed.data }
    : { ok: false, message: z.prettifyError(parsed.error) };
}

export interface SkippedMessage {
  messageId: string;
  kind: 'malformed' | 'not-cloudtrail';
  reason: string;
}

/** What one poll of the queue brought: access-key events (identifiers only) and what was left aside. */
export interface MonitorBatch {
  messages: number;
  events: KeyEvent[];
  ignored: number;
  skipped: SkippedMessage[];
}

/** What the monitor carries into its next run (continue-as-new): bounded by its input. */
export interface MonitorCarriedState {
  startedAt: string;
  runs: number;
  queueArn: string;
  counts: MonitorCounts;
  findings: DriftFinding[];
  contained: ContainedKey[];
  recentlySkipped: SkippedMessage[];
}

/** The `status` query of the monitor. */
export interface MonitorStatus extends MonitorCarriedState {
  queueUrl: string;
  lastPollAt?: string;
  /** The last poll's failure, cleared by the next poll that succeeds. */
  lastError?: string;
}
