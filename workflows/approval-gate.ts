import { condition, log, setHandler } from '@temporalio/workflow';
import {
  isSatisfied,
  judgeApprove,
  judgeReject,
  type ApprovalPolicy,
  type Judgement,
  type RejectedAttempt,
} from '../domain/approval';
import type { ApprovalDecision, ApprovalState, DecisionOutcome } from '../domain/approval-state';
import type { CampaignSpec } from '../domain/campaign-spec';
import { durationToMs } from '../domain/duration';
import { approveSignal, cancelSignal, rejectSignal } from './messages';

export interface GateConfig extends ApprovalPolicy {
  timeoutMs: number;
  onTimeout: 'reject' | 'escalate';
  /** Offboarding accepts `cancel` from HR (or any allowed approver); campaigns do not. */
  acceptsCancel: boolean;
  /** Refuse approvals and rejections sent before the gate opens: they would approve nothing specific. */
  refuseBeforeOpen: boolean;
}

/** The gate a rotation campaign (or, with approval.scope account, each of its accounts) waits at. */
export function campaignGateConfig(spec: CampaignSpec): GateConfig {
  return {
    approvers: spec.approval.approvers,
    requiredApprovals: spec.approval.requiredApprovals,
    initiator: spec.initiator,
    timeoutMs: durationToMs(spec.approval.timeout),
    onTimeout: spec.approval.onTimeout,
    acceptsCancel: false,
    refuseBeforeOpen: true,
  };
}

/**
 * The human approval gate. Signals are judged by the pure rules in domain/approval: an invalid
 * one changes nothing and is kept, with its reason, in the state that the status query shows.
 * The state is plain data, so it can be carried across continue-as-new.
 */
export class ApprovalGate {
  private readonly state: ApprovalState;

  constructor(
    private readonly config: GateConfig,
    restored?: ApprovalState,
  ) {
    this.state = restored
      ? copy(restored)
      : {
          requiredApprovals: config.requiredApprovals,
          approvers: [...config.approvers],
          initiator: config.initiator,
          onTimeout: config.onTimeout,
          timeoutMs: config.timeoutMs,
          approvals: [],
          rejectedAttempts: [],
          escalations: [],
          round: 1,
          pastRounds: [],
        };
    this.state.round ??= 1;
    this.state.pastRounds ??= [];
  }

  /** Installs the approve/reject (and cancel) signal handlers on the current workflow. */
  listen(): this {
    setHandler(approveSignal, (payload) => this.approve(payload));
    setHandler(rejectSignal, (payload) => this.decideAgainst('reject', 'rejected', payload));
    if (this.config.acceptsCancel) {
      setHandler(cancelSignal, (payload) => this.decideAgainst('cancel', 'cancelled', payload));
    }
    return this;
  }

  get decision(): ApprovalDecision | undefined {
    return this.state.decision;
  }

  get round(): number {
    return this.state.round;
  }

  /**
   * Closes the decided round and opens the next: approvals count for the round they were given
   * in, and an approval is never reused for what a later round asks.
   */
  nextRound(): void {
    if (this.state.decision) this.state.pastRounds.push(this.state.decision);
    delete this.state.decision;
    delete this.state.openedAt;
    delete this.state.deadline;
    this.state.approvals = [];
    this.state.escalations = [];
    this.state.round++;
  }

  /** Records a refused message with its reason, exactly like an invalid approval. */
  refuse(signal: RejectedAttempt['signal'], judgement: Extract<Judgement, { valid: false }>): void {
    this.recordInvalid(signal, judgement);
  }

  snapshot(): ApprovalState {
    return copy(this.state);
  }

  /**
   * Opens the gate (once; the deadline survives continue-as-new) and waits for a decision. On
   * timeout, `reject` decides 'timed-out'; `escalate` records an escalation, calls the notifier
   * and waits one more timeout, as often as it takes.
   */
  async waitForDecision(
    onEscalate?: () => Promise<void>,
    interrupted: () => boolean = () => false,
  ): Promise<ApprovalDecision | undefined> {
    if (this.state.openedAt === undefined) {
      this.state.openedAt = nowIso();
      this.state.deadline = new Date(Date.now() + this.config.timeoutMs).toISOString();
    }
    for (;;) {
      if (this.state.decision) return this.state.decision;
      const remaining = Math.max(0, Date.parse(this.state.deadline ?? nowIso()) - Date.now());
      const decided = await condition(() => this.state.decision !== undefined || interrupted(), remaining);
      if (this.state.decision) return this.state.decision;
      if (decided) return undefined;
      if (this.config.onTimeout === 'reject') {
        return this.decide(
          'timed-out',
          [],
          `no decision within the approval timeout (${formatMs(this.config.timeoutMs)}); policy onTimeout: reject`,
        );
      }
      this.state.escalations.push(nowIso());
      this.state.deadline = new Date(Date.now() + this.config.timeoutMs).toISOString();
      log.warn('approval escalated: no decision within the timeout', {
        escalations: this.state.escalations.length,
      });
      if (onEscalate) await onEscalate();
    }
  }

  private approve(payload: unknown): void {
    if (this.refuseIfDecided('approve', payload)) return;
    const judgement = judgeApprove(
      this.config,
      this.state.approvals.map((a) => a.approver),
      payload,
    );
    if (!judgement.valid) return this.recordInvalid('approve', judgement);
    this.state.approvals.push({
      approver: judgement.approver,
      at: nowIso(),
      ...(judgement.comment === undefined ? {} : { comment: judgement.comment }),
    });
    if (isSatisfied(this.config, this.state.approvals)) {
      this.decide(
        'approved',
        this.state.approvals.map((a) => a.approver),
        `${this.state.approvals.length} of ${this.config.requiredApprovals} required approvals`,
      );
    }
  }

  private decideAgainst(signal: 'reject' | 'cancel', outcome: DecisionOutcome, payload: unknown): void {
    if (this.refuseIfDecided(signal, payload)) return;
    const judgement = judgeReject(this.config, payload);
    if (!judgement.valid) return this.recordInvalid(signal, judgement);
    const comment = judgement.comment ? `: ${judgement.comment}` : '';
    this.decide(outcome, [judgement.approver], `${outcome} by ${judgement.approver}${comment}`);
  }

  private refuseIfDecided(signal: RejectedAttempt['signal'], payload: unknown): boolean {
    const reason = this.state.decision
      ? `too late: the gate already decided (${this.state.decision.outcome})`
      : this.config.refuseBeforeOpen && this.state.openedAt === undefined
        ? 'too early: nothing awaits a decision yet; the gate opens when every key to delete is ready'
        : undefined;
    if (reason === undefined) return false;
    const judgement = judgeReject(this.config, payload);
    this.recordInvalid(signal, {
      valid: false,
      reason,
      ...(judgement.approver === undefined ? {} : { approver: judgement.approver }),
    });
    return true;
  }

  private recordInvalid(
    signal: RejectedAttempt['signal'],
    judgement: Extract<Judgement, { valid: false }>,
  ): void {
    this.state.rejectedAttempts.push({
      signal,
      reason: judgement.reason,
      at: nowIso(),
      ...(judgement.approver === undefined ? {} : { approver: judgement.approver }),
    });
    log.info('approval signal refused', { signal, reason: judgement.reason });
  }

  private decide(outcome: DecisionOutcome, by: string[], reason: string): ApprovalDecision {
    this.state.decision = { outcome, by, at: nowIso(), reason };
    log.info('approval gate decided', { outcome });
    return this.state.decision;
  }
}

/** Workflow time: Temporal makes Date deterministic inside workflows. */
function nowIso(): string {
  return new Date().toISOString();
}

function formatMs(ms: number): string {
  if (ms % 86_400_000 === 0) return `${ms / 86_400_000}d`;
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}

function copy<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}
