import { InvalidArgumentError } from 'commander';
import type { ApprovalSignal } from '../../domain/approval';
import type { ApprovalState } from '../../domain/approval-state';
import { principalSchema } from '../../domain/ids';
import type { CampaignPhase, CampaignStatus } from '../../domain/rotation-report';
import { accountReport, campaignStatus, isTerminalPhase, waitForCampaign } from '../campaign-client';
import type { SignalName } from '../decision-client';
import { decide, sendSignal } from '../decision-client';
import { offboardingStatus } from '../offboarding-client';
import type { TemporalSession } from '../temporal-connection';
import { CliError, UsageError } from '../cli-error';
import { approvalOf, approvalVerdict, campaignStatusText } from '../report/status-text';
import { NO_PLAN } from '../../domain/plan-digest';
import type { SigningTarget } from '../approval-keys';

export type Say = (line: string) => void;

const VERDICT_WAIT_MS = 5_000;
const VERDICT_POLL_MS = 250;
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Commander option parser for a principal (--approver, --approve-as). */
export function parsePrincipal(flag: string): (value: string) => string {
  return (value: string) => {
    const parsed = principalSchema.safeParse(value);
    if (!parsed.success)
      throw new InvalidArgumentError(`${flag}: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
    return parsed.data;
  };
}

type Snapshot = { answered: true; approval: ApprovalState | undefined } | { answered: false; error: string };

async function approvalSnapshot(client: TemporalSession, id: string, deadlineMs: number): Promise<Snapshot> {
  try {
    const described = await client.describe(id);
    if (described.kind === 'campaign') {
      return { answered: true, approval: (await campaignStatus(client, id, described, deadlineMs)).approval };
    }
    if (described.kind === 'account-rotation') {
      return { answered: true, approval: (await accountReport(client, described.description)).approval };
    }
    return {
      answered: true,
      approval: approvalOf(await offboardingStatus(client, id, described, deadlineMs)),
    };
  } catch (error) {
    return { answered: false, error: error instanceof Error ? error.message : String(error) };
  }
}

/**
 * What a signature for `action` on `id` must cover: the round and the digest of the plan the
 * workflow shows now. An abort is signed for round 0 and no plan.
 */
export async function signingTargetFor(
  client: TemporalSession,
  id: string,
  action: SigningTarget['action'],
): Promise<SigningTarget> {
  if (action === 'abort') return { workflowId: id, action, round: 0, planDigest: NO_PLAN };
  const snapshot = await approvalSnapshot(client, id, VERDICT_WAIT_MS);
  if (!snapshot.answered)
    throw new CliError(`cannot sign: ${id} did not say what awaits approval (${snapshot.error})`);
  const plan = snapshot.approval?.plan;
  if (snapshot.approval === undefined || plan === undefined) {
    throw new UsageError(
      `cannot sign: nothing awaits a decision at ${id} yet; sign once its status shows a plan`,
    );
  }
  return { workflowId: id, action, round: snapshot.approval.round, planDigest: plan.digest };
}

/**
 * Sends approve/reject/cancel, then reads the gate's verdict from the status query. A refused
 * signal (unknown approver, self-approval, duplicate, malformed) is an error with the gate's reason.
 */
export async function sendApprovalSignal(
  client: TemporalSession,
  id: string,
  signal: SignalName,
  from: ApprovalSignal,
  say: Say,
): Promise<void> {
  // Fails with a clear usage error for an unknown or finished workflow before anything is sent.
  await client.describe(id);
  const before = await approvalSnapshot(client, id, VERDICT_WAIT_MS);
  if (signal === 'abort') await sendSignal(client, id, signal, from);
  else {
    const outcome = await decide(client, id, signal, from);
    if (outcome.kind === 'refused') {
      throw new CliError(`the gate refused the ${signal} from ${from.approver}: ${outcome.reason}`);
    }
    if (outcome.kind === 'no-answer') {
      say(`sent ${signal} to ${id} as ${from.approver}`);
      say(
        'no worker answered within 10s: the gate judges it when a worker runs (keywarden status shows the verdict)',
      );
      return;
    }
  }
  say(`sent ${signal} to ${id} as ${from.approver}`);
  if (!before.answered) {
    say(`the gate's verdict is not available (${before.error}); it will judge the signal when a worker runs`);
    return;
  }
  const deadline = Date.now() + VERDICT_WAIT_MS;
  let verdict;
  do {
    await sleep(VERDICT_POLL_MS);
    const after = await approvalSnapshot(client, id, Math.max(1_000, deadline - Date.now()));
    verdict = approvalVerdict(
      signal,
      from.approver,
      before.approval,
      after.answered ? after.approval : undefined,
    );
  } while (verdict.kind === 'no-answer' && Date.now() < deadline);
  if (verdict.kind === 'refused') throw new CliError(verdict.lines.join('; '));
  for (const line of verdict.lines) say(line);
}

/**
 * Sends `abort` to a campaign and reports what it made of it: accepted (the campaign records who
 * aborted it) or refused (with the reason it records).
 */
export async function abortCampaign(
  client: TemporalSession,
  id: string,
  from: ApprovalSignal,
  say: Say,
): Promise<void> {
  const described = await client.describe(id);
  if (described.kind !== 'campaign') {
    throw new UsageError(`${id} is not a campaign: only a rotation campaign can be aborted`);
  }
  const before = await campaignStatus(client, id, described);
  if (before.aborted) throw new UsageError(`campaign ${id} was already aborted by ${before.aborted.by}`);
  await sendSignal(client, id, 'abort', from);
  say(`sent abort to ${id} as ${from.approver}`);
  const deadline = Date.now() + VERDICT_WAIT_MS;
  while (Date.now() < deadline) {
    await sleep(VERDICT_POLL_MS);
    const after = await campaignStatus(client, id);
    const refused = after.approval.rejectedAttempts
      .slice(before.approval.rejectedAttempts.length)
      .find((r) => r.signal === 'abort');
    if (refused)
      throw new CliError(`the campaign refused the abort from ${from.approver}: ${refused.reason}`);
    if (after.aborted) {
      say(
        `campaign ${id} aborted by ${after.aborted.by}: nothing new starts, sagas roll back (phase ${after.phase})`,
      );
      return;
    }
  }
  say('abort sent; the campaign has not reported on it yet (is a worker running?)');
}

/** Prints each phase change (and account progress) while waiting. */
export function phasePrinter(say: Say): (status: CampaignStatus) => void {
  let last = '';
  return (status) => {
    const a = status.accounts;
    const line = `phase ${status.phase}: ${a.finished + a.readyForApproval}/${a.inScope} accounts through rotation, ${a.failed} failed`;
    if (line !== last) say(line);
    last = line;
  };
}

export async function waitForCompletion(
  client: TemporalSession,
  id: string,
  say: Say,
): Promise<CampaignStatus> {
  return waitForCampaign(client, id, (s) => isTerminalPhase(s.phase), { onStatus: phasePrinter(say) });
}

/**
 * Automation for demos and pipelines: waits for the approval gate, sends the very same `approve`
 * signal a person sends from the Web UI, then waits for the campaign to finish.
 */
export async function approveWhenAsked(
  client: TemporalSession,
  id: string,
  from: { approver: string; comment?: string },
  say: Say,
): Promise<CampaignStatus> {
  const waiting: CampaignPhase = 'awaiting-approval';
  const status = await waitForCampaign(client, id, (s) => s.phase === waiting && !s.approval.decision, {
    onStatus: phasePrinter(say),
  });
  if (isTerminalPhase(status.phase)) {
    say('the campaign finished without asking for approval');
    return status;
  }
  say(`the campaign awaits approval; approving as ${from.approver}`);
  await sendApprovalSignal(client, id, 'approve', from, say);
  return waitForCompletion(client, id, say);
}

/** Prints the final summary. */
export function printSummary(status: CampaignStatus, say: Say, link?: string): void {
  say('');
  for (const line of campaignStatusText(status, link)) say(line);
}

/** A failed campaign is an error (exit 1), raised after its summary has been shown. */
export function failIfFailed(status: CampaignStatus): void {
  if (status.phase === 'failed') {
    throw new CliError(`campaign ${status.campaignId} failed${status.error ? `: ${status.error}` : ''}`);
  }
}

export function reportOutcome(status: CampaignStatus, say: Say, link?: string): void {
  printSummary(status, say, link);
  failIfFailed(status);
}
