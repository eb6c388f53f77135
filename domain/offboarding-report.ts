import type { NotificationRecord } from './notification-messages';
import type { ApprovalState } from './approval-state';
import type { KeyStatus } from './inventory';

/**
 * Where an offboarding stands. `completed` and `restored` are the two happy endings;
 * `not-found` (the leaver has no IAM user in any account in scope) ends a run that had nothing to
 * contain; `incomplete` ends a run that did not search every account in scope (see
 * `accountsNotCovered`). `retrying-accounts`: no user found yet, some accounts did not answer and
 * are retried. `escalated`: no decision within the approval timeout; the users stay contained and
 * the gate waits for a person.
 */
export type OffboardingPhase =
  | 'discovering'
  | 'containing'
  | 'retrying-accounts'
  | 'awaiting-approval'
  | 'escalated'
  | 'purging'
  | 'restoring'
  | 'completed'
  | 'restored'
  | 'not-found'
  | 'incomplete'
  | 'failed';

export type PurgeMode = 'delete-user' | 'strip-credentials';

/** The purge steps, in the order AWS documents for deleting an IAM user. */
export const PURGE_STEPS = [
  'login-profile',
  'access-keys',
  'signing-certificates',
  'ssh-public-keys',
  'service-specific-credentials',
  'mfa-devices',
  'inline-policies',
  'attached-policies',
  'groups',
  'user',
] as const;
export type PurgeStep = (typeof PURGE_STEPS)[number];

/** The steps a purge runs for a mode: strip-credentials keeps the (bare) user. */
export function purgeStepsFor(mode: PurgeMode): PurgeStep[] {
  return mode === 'delete-user' ? [...PURGE_STEPS] : PURGE_STEPS.filter((s) => s !== 'user');
}

export interface CredentialState {
  id: string;
  status: KeyStatus;
}

/**
 * A user as it was before containment: what restore puts back, and the evidence of what a purge
 * removed. Identifiers and statuses only; never a secret.
 */
export interface PriorUserState {
  /** ISO-8601, when the state was read. */
  capturedAt: string;
  /**
   * `observed`: read before keywarden changed anything (exact).
   * `inferred`: the containment policy was already on the user when it was read (an earlier
   * attempt had begun containing it and its record was lost). Keys still Active were certainly
   * Active before; a key found Inactive is recorded Inactive (restore leaves it inactive, the
   * fail-safe choice) and listed in `uncertainKeyIds` for a person to check.
   */
  source: 'observed' | 'inferred';
  accessKeys: CredentialState[];
  uncertainKeyIds: string[];
  loginProfile: boolean;
  attachedPolicyArns: string[];
  /** Inline policies other than the containment policy. */
  inlinePolicyNames: string[];
  groups: string[];
  mfaDevices: string[];
  sshPublicKeys: CredentialState[];
  signingCertificates: CredentialState[];
  /**
   * Set while the login profile, MFA devices, SSH keys and signing certificates are not read yet:
   * containment does not change them, so they are read after every account is contained (and
   * stay unknown, said so in the report, if that read failed).
   */
  credentialsUnread?: boolean;
  /**
   * When a policy with the containment policy's name but another document was on the user before,
   * its document (a policy, not a secret), which restore puts back.
   */
  replacedPolicyDocument?: string;
}

/**
 * The two independent steps of containment, as the last attempt left them. A user is contained
 * only when both hold; either one failing never stops the other.
 */
export interface ContainmentSteps {
  /** No access key of the user is Active. */
  keysDeactivated: boolean;
  /** The deny policy (deny-all, and deny sessions issued before containment) is on the user. */
  denyPolicyAttached: boolean;
  /** Why a step did not hold: error messages only, never request parameters. */
  failures: string[];
}

/** `keys deactivated; deny policy NOT attached (<why>)`: what a failed containment left. */
export function describeSteps(steps: ContainmentSteps): string {
  const keys = steps.keysDeactivated ? 'keys deactivated' : 'keys NOT all deactivated';
  const policy = steps.denyPolicyAttached ? 'deny policy attached' : 'deny policy NOT attached';
  return `${keys}; ${policy}${steps.failures.length > 0 ? ` (${steps.failures.join('; ')})` : ''}`;
}

export interface ContainmentResult {
  prior: PriorUserState;
  /** The containment policy was already present: nothing new was recorded. */
  alreadyContained: boolean;
  deactivatedKeyIds: string[];
  /** ISO-8601, worker clock, when the last containment call returned. */
  containedAt: string;
  /**
   * ISO-8601 in the deny policy's `aws:TokenIssueTime` condition: sessions issued before it are
   * denied. Absent in results recorded before the policy carried the condition.
   */
  sessionsIssuedBefore?: string;
}

export interface PurgeStepRecord {
  step: PurgeStep;
  /** What the step removed (IDs, serials, policy names or ARNs, group names). */
  items: string[];
  status: 'done' | 'skipped' | 'nothing-to-do';
  /** Why a step was skipped (e.g. the endpoint does not implement the API). */
  reason?: string;
  at: string;
}

export interface RestoreRecord {
  reactivatedKeyIds: string[];
  /** Keys that were Inactive before containment and stay so. */
  leftInactiveKeyIds: string[];
  /** Keys in the prior state that no longer exist. */
  missingKeyIds: string[];
  /** Keys that appeared after containment: left as they are (inactive) for a person to judge. */
  unexpectedKeyIds: string[];
  policyRemoved: boolean;
  /** A policy that had the containment policy's name before was put back. */
  policyPutBack: boolean;
  at: string;
}

export interface UserAction {
  action:
    'matched' | 'contained' | 'containment-incomplete' | 'purge-step' | 'purged' | 'restored' | 'failed';
  at: string;
  detail?: string;
}

export interface OffboardedUser {
  accountId: string;
  accountName?: string;
  userName: string;
  /** How the user was found: `userName`, or `tag:<key>`. */
  matchedBy: string;
  prior?: PriorUserState;
  /** Set only when both containment steps held. */
  containedAt?: string;
  alreadyContained?: boolean;
  /** What each containment step achieved when containment did not fully hold. */
  containment?: ContainmentSteps;
  /** See ContainmentResult.sessionsIssuedBefore. */
  sessionsIssuedBefore?: string;
  actions: UserAction[];
  purgeSteps: PurgeStepRecord[];
  restore?: RestoreRecord;
  /** The last error for this user (message only; never request parameters). */
  error?: string;
}

export interface OffboardingStatus {
  employeeId: string;
  workflowId: string;
  phase: OffboardingPhase;
  /** When HR asked (the webhook's receipt time, or the CLI's start time). */
  requestedAt: string;
  /** When the last matched user was contained. */
  containedAt?: string;
  /** containedAt − requestedAt: the headline figure. */
  timeToContainmentMs?: number;
  /** False when at least one matched user could not be contained. */
  containmentComplete?: boolean;
  users: OffboardedUser[];
  accountsSearched: string[];
  /** Accounts whose search has not succeeded (yet): each is retried with backoff until it answers or is skipped. */
  accountsFailed: FailedAccount[];
  /** Accounts an operator told the run to stop retrying. */
  accountsSkipped?: SkippedAccount[];
  /** Skip requests that were refused, with the reason. */
  skipRefusals?: Array<{ reason: string; at: string; by?: string }>;
  /** Set when the run ended: accounts in scope whose users were never searched. */
  accountsNotCovered?: string[];
  /** ISO-8601 times when the approval timeout passed without a decision (the run stayed contained). */
  escalations?: string[];
  approval: ApprovalState;
  purgeMode: PurgeMode;
  /** Set when the phase is `failed` or `incomplete`. */
  error?: string;
  finishedAt?: string; /** With request.notifications: what each notification to the approvers came to. */
  notifications?: NotificationRecord[];
}

export interface FailedAccount {
  accountId: string;
  /** The last error. */
  error: string;
  /** Searches tried so far (each one after its own activity retries). */
  attempts?: number;
  /** ISO-8601, when the next search starts. */
  nextAttemptAt?: string;
}

export interface SkippedAccount {
  accountId: string;
  by: string;
  reason: string;
  at: string;
}

/** Backoff between searches of an account that does not answer: 1 min, doubling, at most 1 h. */
export const ACCOUNT_RETRY_FIRST_MS = 60_000;
export const ACCOUNT_RETRY_MAX_MS = 3_600_000;

/** The wait before search number `attempt + 1` of an account that failed `attempt` times. */
export function accountRetryDelayMs(attempt: number): number {
  const doublings = Math.max(0, Math.min(attempt - 1, 30));
  return Math.min(ACCOUNT_RETRY_FIRST_MS * 2 ** doublings, ACCOUNT_RETRY_MAX_MS);
}
