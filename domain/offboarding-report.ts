import type { ApprovalState } from './approval-state';
import type { KeyStatus } from './inventory';

/** Where an offboarding stands. `completed` and `restored` are the two happy endings. */
export type OffboardingPhase =
  | 'discovering'
  | 'containing'
  | 'awaiting-approval'
  | 'purging'
  | 'restoring'
  | 'completed'
  | 'restored'
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
   * When a policy with the containment policy's name but another document was on the user before,
   * its document (a policy, not a secret), which restore puts back.
   */
  replacedPolicyDocument?: string;
}

export interface ContainmentResult {
  prior: PriorUserState;
  /** The containment policy was already present: nothing new was recorded. */
  alreadyContained: boolean;
  deactivatedKeyIds: string[];
  /** ISO-8601, worker clock, when the last containment call returned. */
  containedAt: string;
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
  action: 'matched' | 'contained' | 'purge-step' | 'purged' | 'restored' | 'failed';
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
  containedAt?: string;
  alreadyContained?: boolean;
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
  accountsFailed: Array<{ accountId: string; error: string }>;
  approval: ApprovalState;
  purgeMode: PurgeMode;
  /** Set when the phase is `failed`. */
  error?: string;
  finishedAt?: string;
}
