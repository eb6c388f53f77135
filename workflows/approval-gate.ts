import { condition, log, setHandler, workflowInfo } from '@temporalio/workflow';
import {
  isSatisfied,
  judgeApprove,
  judgeReject,
  type ApprovalPolicy,
  type GateContext,
  type Judgement,
  type RecordedApproval,
  type RejectedAttempt,
} from '../domain/approval';
import type { ApprovalDecision, ApprovalState, DecisionOutcome } from '../domain/approval-state';
import type { CampaignSpec } from '../domain/campaign-spec';
import {
  effectiveSignatures,
  type ApproverRegistry,
  type EffectiveSignatures,
} from '../domain/effective-signatures';
import type { KeyDecisionAuthority } from '../domain/decision-check';
import { normalizePrincipal } from '../domain/principal';
import { durationToMs } from '../domain/duration-ms';
import { NO_PLAN } from '../domain/plan-digest';
import {
  approveSignal,
  approveUpdate,
  cancelSignal,
  cancelUpdate,
  rejectSignal,
  rejectUpdate,
  type GateVerdict,
} from './messages';

export interface GateConfig extends ApprovalPolicy {
  timeoutMs: number;
  onTimeout: 'reject' | 'escalate';
  /** Offboarding accepts `cancel` from HR (or any allowed approver); campaigns do not. */
  acceptsCancel: boolean;
  /** Refuse approvals and rejections sent before the gate opens: they would approve nothing specific. */
  refuseBeforeOpen: boolean;
}

/** The gate a rotation campaign (or, with approval.scope account, each of its accounts) waits at. */
export function campaignGateConfig(spec: CampaignSpec, registry?: ApproverRegistry): GateConfig {
  const { signatures, publicKeys } = effectiveSignatures(spec.approval, registry);
  return {
    approvers: spec.approval.approvers,
    requiredApprovals: spec.approval.requiredApprovals,
    initiator: spec.initiator,
    timeoutMs: durationToMs(spec.approval.timeout),
    onTimeout: spec.approval.onTimeout,
    signatures,
    publicKeys,
    acceptsCancel: false,
    refuseBeforeOpen: true,
  };
}

/**
 * Runs started before approvals were bound to a plan neither offer a changed plan while the gate
 * is open nor hold back what the plan decided did not cover: their histories replay unchanged.
 */
export const PLAN_OFFERS = 'approvals-bound-to-plans';

/** Runs started before the worker's approver key registry read none (their histories have no such activity). */
export const KEY_REGISTRY = 'approver-key-registry';

/** What an account or saga checks a decision passed on against: its own copy of the policy. */
export function decisionAuthority(
  spec: CampaignSpec,
  campaignWorkflowId: string,
  accountWorkflowId: string,
  registry?: ApproverRegistry,
): KeyDecisionAuthority {
  const { signatures, publicKeys } = effectiveSignatures(spec.approval, registry);
  return {
    approvers: spec.approval.approvers,
    requiredApprovals: spec.approval.requiredApprovals,
    initiator: spec.initiator,
    signatures,
    publicKeys,
    gateWorkflowId: spec.approval.scope === 'campaign' ? campaignWorkflowId : accountWorkflowId,
    scope: spec.approval.scope,
    timeoutMs: durationToMs(spec.approval.timeout),
  };
}

/**
 * For a workflow without a gate: approve and reject (signals and updates) are refused with a
 * reason that names the workflow that has the gate, and recorded with `record`.
 */
export function refuseApprovals(
  gateWorkflow: string,
  record: (signal: 'approve' | 'reject' | 'cancel', reason: string) => void,
  reason = `no approval gate here: send it to the workflow ${gateWorkflow}, which decides for this one`,
  options: { cancelToo?: boolean } = {},
): void {
  const description = `Refused here: approvals go to ${gateWorkflow}`;
  setHandler(approveSignal, () => record('approve', reason), { description });
  setHandler(rejectSignal, () => record('reject', reason), { description });
  const refuse = (_payload: unknown) => {
    throw new Error(reason);
  };
  const unreachable = (_payload: unknown): GateVerdict => ({
    recorded: true,
    approvals: 0,
    requiredApprovals: 0,
  });
  setHandler(approveUpdate, unreachable, { validator: refuse, description });
  setHandler(rejectUpdate, unreachable, { validator: refuse, description });
  if (options.cancelToo) {
    setHandler(cancelSignal, () => record('cancel', reason), { description });
    setHandler(cancelUpdate, unreachable, { validator: refuse, description });
  }
}

/**
 * The human approval gate. Signals are judged by the pure rules in domain/approval: an invalid
 * one changes nothing and is kept, with its reason, in the state that the status query shows.
 * The state is plain data, so it can be carried across continue-as-new.
 */
export class ApprovalGate {
  private readonly state: ApprovalState;
  /** Messages waiting for the signature rules; undefined once they are known (or never held). */
  private held?: Array<() => void>;

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
    this.state.signatures = config.signatures ?? 'off';
  }

  /**
   * Says what awaits the decision: approvers sign its digest, so an approval applies to exactly
   * what it was asked for. A changed plan within a round invalidates the approvals given so far.
   */
  offer(planDigest: string, summary: string): void {
    if (this.state.decision || this.state.plan?.digest === planDigest) return;
    if (this.state.plan !== undefined && this.state.approvals.length > 0) {
      log.warn('the plan changed while approvals were pending: they no longer count', {
        dropped: this.state.approvals.length,
      });
      this.state.approvals = [];
    }
    this.state.plan = { digest: planDigest, summary };
  }

  /**
   * Takes the signature settings the worker's approver key registry imposes (see
   * effectiveSignatures). Returns who, of those who may sign, has no key: they cannot take part.
   */
  useSignatures(effective: EffectiveSignatures): string[] {
    this.config.signatures = effective.signatures;
    this.config.publicKeys = effective.publicKeys;
    this.state.signatures = effective.signatures;
    this.state.keySource = effective.keySource;
    // Messages that arrived while the rules were unknown are judged now, in the order they came.
    const held = this.held ?? [];
    delete this.held;
    for (const judge of held) judge();
    if (effective.signatures !== 'required') return [];
    const keyed = new Set(Object.keys(effective.publicKeys).map(normalizePrincipal));
    return [...new Set([...this.config.approvers, this.config.initiator].map(normalizePrincipal))].filter(
      (who) => !keyed.has(who),
    );
  }

  /**
   * Until `useSignatures` says which rules hold (the worker's registry may require signatures the
   * request does not), approve, reject and cancel signals wait, in order, and updates are refused
   * with a reason: judged by the request's rules alone, an unsigned cancel would be honoured.
   */
  holdUntilSignaturesKnown(): void {
    this.held ??= [];
  }

  /** Runs `judge` now, or once the signature rules are known (see holdUntilSignaturesKnown). */
  whenJudgeable(judge: () => void): void {
    if (this.held === undefined) judge();
    else this.held.push(judge);
  }

  private judgeableNow(): Judgement | undefined {
    if (this.held === undefined) return undefined;
    return {
      valid: false,
      reason: 'not yet: the approver key registry is still being read; send it again shortly',
    };
  }

  /** Who may sign, and with which keys: other messages of this workflow are judged by it too. */
  policy(): ApprovalPolicy {
    return { ...this.config };
  }

  /** An abort is not a decision of a round: it is signed for round 0 and no plan. */
  abortContext(): GateContext {
    return {
      workflowId: workflowInfo().workflowId,
      action: 'abort',
      round: 0,
      planDigest: NO_PLAN,
      nowMs: Date.now(),
    };
  }

  /** Where and when a message is judged; signatures must be for exactly this. */
  context(action: GateContext['action']): GateContext {
    return {
      workflowId: workflowInfo().workflowId,
      action,
      round: this.state.round,
      nowMs: Date.now(),
      ...(this.state.plan === undefined ? {} : { planDigest: this.state.plan.digest }),
    };
  }

  /** Installs the approve/reject (and cancel) signal handlers on the current workflow. */
  listen(): this {
    const example = exampleApproval(this.config.signatures);
    setHandler(approveSignal, (payload) => this.whenJudgeable(() => this.approve(payload)), {
      description: `Approve what awaits the decision. Payload: ${example}`,
    });
    setHandler(
      rejectSignal,
      (payload) => this.whenJudgeable(() => this.decideAgainst('reject', 'rejected', payload)),
      {
        description: `Reject what awaits the decision. Payload: ${example}`,
      },
    );
    setHandler(
      approveUpdate,
      (payload) => {
        this.approve(payload);
        return this.verdict();
      },
      {
        validator: (payload) => refuseUnless(this.judgeableNow() ?? this.judgeApproval(payload)),
        description: `Approve, refused at once if invalid. Payload: ${example}`,
      },
    );
    setHandler(
      rejectUpdate,
      (payload) => {
        this.decideAgainst('reject', 'rejected', payload);
        return this.verdict();
      },
      {
        validator: (payload) => refuseUnless(this.judgeableNow() ?? this.judgeAgainst('reject', payload)),
        description: `Reject, refused at once if invalid. Payload: ${example}`,
      },
    );
    if (this.config.acceptsCancel) {
      setHandler(
        cancelSignal,
        (payload) => this.whenJudgeable(() => this.decideAgainst('cancel', 'cancelled', payload)),
        {
          description: `Cancel the offboarding (HR): every user is restored. Payload: ${example}`,
        },
      );
      setHandler(
        cancelUpdate,
        (payload) => {
          this.decideAgainst('cancel', 'cancelled', payload);
          return this.verdict();
        },
        {
          validator: (payload) => refuseUnless(this.judgeableNow() ?? this.judgeAgainst('cancel', payload)),
          description: `Cancel, refused at once if invalid. Payload: ${example}`,
        },
      );
    }
    return this;
  }

  private verdict(): GateVerdict {
    return {
      recorded: true,
      approvals: this.state.approvals.length,
      requiredApprovals: this.config.requiredApprovals,
      ...(this.state.decision === undefined ? {} : { decision: this.state.decision.outcome }),
    };
  }

  /** What the gate waits for, in a line: the workflow's current details in the Web UI. */
  describe(): string {
    const s = this.state;
    if (s.decision) return `decided: ${s.decision.outcome} (${s.decision.reason})`;
    if (s.openedAt === undefined) return 'not awaiting a decision yet';
    const auth =
      s.signatures === 'required'
        ? 'signed approvals required (keywarden approve <id> --key <file> --print-payload)'
        : 'approvals are NOT authenticated (approval.signatures is off)';
    return (
      `awaiting ${this.config.requiredApprovals - s.approvals.length} more approval(s) until ${s.deadline ?? '?'}: ` +
      `${s.plan?.summary ?? ''}; plan ${s.plan?.digest ?? '-'} round ${s.round}; ${auth}. ` +
      `Send approve / reject as a Signal or an Update, payload ${exampleApproval(s.signatures)}`
    );
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
    delete this.state.plan;
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
    const judgement = this.judgeApproval(payload);
    if (!judgement.valid) return this.recordInvalid('approve', judgement);
    this.state.approvals.push(recorded(judgement));
    // A signed approval counts only until it expires: quorum never rests on an expired one.
    const now = Date.now();
    this.state.approvals = this.state.approvals.filter(
      (a) => a.signed === undefined || now <= Date.parse(a.signed.expiresAt),
    );
    if (isSatisfied(this.config, this.state.approvals)) {
      this.decide(
        'approved',
        this.state.approvals.map((a) => a.approver),
        `${this.state.approvals.length} of ${this.config.requiredApprovals} required approvals`,
        this.state.approvals,
      );
    }
  }

  /** Judges an approval without recording anything: the approve update's validator uses it too. */
  judgeApproval(payload: unknown): Judgement {
    const already = this.refusalNow();
    if (already !== undefined) return { valid: false, reason: already };
    return judgeApprove(
      this.config,
      this.state.approvals.map((a) => a.approver),
      payload,
      this.context('approve'),
    );
  }

  /** Judges a rejection or cancellation without recording anything. */
  judgeAgainst(signal: 'reject' | 'cancel', payload: unknown): Judgement {
    const already = this.refusalNow();
    if (already !== undefined) return { valid: false, reason: already };
    return judgeReject(this.config, payload, this.context(signal));
  }

  private decideAgainst(signal: 'reject' | 'cancel', outcome: DecisionOutcome, payload: unknown): void {
    if (this.refuseIfDecided(signal, payload)) return;
    const judgement = judgeReject(this.config, payload, this.context(signal));
    if (!judgement.valid) return this.recordInvalid(signal, judgement);
    const comment = judgement.comment ? `: ${judgement.comment}` : '';
    this.decide(outcome, [judgement.approver], `${outcome} by ${judgement.approver}${comment}`, [
      recorded(judgement),
    ]);
  }

  private refusalNow(): string | undefined {
    return this.state.decision
      ? `too late: the gate already decided (${this.state.decision.outcome})`
      : this.config.refuseBeforeOpen && this.state.openedAt === undefined
        ? 'too early: nothing awaits a decision yet; the gate opens when every key to delete is ready'
        : undefined;
  }

  private refuseIfDecided(signal: RejectedAttempt['signal'], payload: unknown): boolean {
    const reason = this.refusalNow();
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
    // Bounded: a flood of junk messages must not grow the state past Temporal's payload limits.
    if (this.state.rejectedAttempts.length > MAX_REJECTED_ATTEMPTS) {
      this.state.rejectedAttempts.shift();
      this.state.rejectedAttemptsOmitted = (this.state.rejectedAttemptsOmitted ?? 0) + 1;
    }
    log.info('approval signal refused', { signal, reason: judgement.reason });
  }

  private decide(
    outcome: DecisionOutcome,
    by: string[],
    reason: string,
    approvals: RecordedApproval[] = [],
  ): ApprovalDecision {
    this.state.decision = {
      outcome,
      by,
      at: nowIso(),
      reason,
      ...(approvals.length === 0 ? {} : { approvals: copy(approvals) }),
      ...(this.state.plan === undefined ? {} : { planDigest: this.state.plan.digest }),
    };
    log.info('approval gate decided', { outcome });
    return this.state.decision;
  }
}

const MAX_REJECTED_ATTEMPTS = 50;

function recorded(judgement: Extract<Judgement, { valid: true }>): RecordedApproval {
  return {
    approver: judgement.approver,
    at: nowIso(),
    ...(judgement.comment === undefined ? {} : { comment: judgement.comment }),
    ...(judgement.signed === undefined ? {} : { signed: judgement.signed }),
  };
}

/** The payload of an approve or reject message, as a person sends it. */
export function exampleApproval(signatures: 'off' | 'required' | undefined): string {
  return signatures === 'required'
    ? '{"approver": "alice@example.com", "comment": "...", "round": 1, "planDigest": "<64 hex>", "expiresAt": "<ISO time>", "signature": "<128 hex>"} (print it with keywarden approve <id> --key <file> --print-payload)'
    : '{"approver": "alice@example.com", "comment": "..."}';
}

/** An update validator refuses by throwing: the sender sees the reason, nothing is recorded. */
function refuseUnless(judgement: Judgement): void {
  if (!judgement.valid) throw new Error(judgement.reason);
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
