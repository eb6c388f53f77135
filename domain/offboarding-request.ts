import { z } from 'zod';
import { AccessSchema } from './access';
import { ApprovalSettingsBase, approverShortfall, publicKeyProblem } from './approval-settings';
import { durationSchema } from './duration';
import { accountIdSchema, principalSchema } from './ids';
import { ApproverNotificationSettingsSchema } from './notification-settings';
export { SkipAccountSignalSchema, type SkipAccountSignal } from './skip-account-signal';
import { ACCOUNTS_IN_FLIGHT_MAX, USERS_IN_FLIGHT_PER_ACCOUNT_MAX } from './offboarding-limits';

export {
  ACCOUNTS_IN_FLIGHT_DEFAULT,
  ACCOUNTS_IN_FLIGHT_MAX,
  USERS_IN_FLIGHT_PER_ACCOUNT_DEFAULT,
  USERS_IN_FLIGHT_PER_ACCOUNT_MAX,
} from './offboarding-limits';

const MatchSchema = z
  .strictObject({
    userNames: z.array(z.string().min(1)).default([]),
    tagKey: z.string().min(1).max(128).default('email'),
    tagValues: z.array(z.string().min(1)).default([]),
  })
  .refine((m) => m.userNames.length > 0 || m.tagValues.length > 0, {
    message: "match is empty: give match.userNames or match.tagValues (e.g. the leaver's email)",
  });

export const OffboardingScopeSchema = z
  .strictObject({
    includeAccounts: z.array(accountIdSchema).optional(),
    excludeAccounts: z.array(accountIdSchema).default([]),
  })
  .prefault({});

/**
 * Silence never restores a leaver: when nobody decides within the timeout, the run records an
 * escalation, keeps every user contained and waits for a person. `reject` (restore on timeout)
 * was accepted before and is refused now, with the reason.
 */
export const OFFBOARDING_ON_TIMEOUT_REFUSAL =
  "approval.onTimeout must be 'escalate' (or left out) for offboarding: 'reject' would restore the " +
  "leaver's access when nobody decides in time, and silence must never restore a leaver. On " +
  'timeout the run records an escalation, keeps the users contained and waits for an approve, ' +
  'reject or cancel';

export const OffboardingApprovalSchema = ApprovalSettingsBase.extend({
  timeout: durationSchema.default('24h'),
  onTimeout: z.literal('escalate', { error: OFFBOARDING_ON_TIMEOUT_REFUSAL }).default('escalate'),
});

export const employeeIdSchema = z
  .string()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9._@-]{0,127}$/,
    'an employeeId is 1-128 letters, digits or ._@-, starting with a letter or digit',
  );

export const PurgeModeSchema = z.enum(['delete-user', 'strip-credentials']);

export const CONTAINMENT_POLICY_NAME_DEFAULT = 'keywarden-offboarding-deny-all';

export const containmentPolicyNameSchema = z
  .string()
  .regex(/^[\w+=,.@-]{1,128}$/, 'a policy name is 1-128 characters from letters, digits and +=,.@_-');

const inFlight = (field: string, max: number, what: string) =>
  z
    .number({ error: `limits.${field} is a whole number from 1 to ${max}: ${what}` })
    .int({ error: `limits.${field} is a whole number from 1 to ${max}: ${what}` })
    .min(1, `limits.${field} is at least 1: ${what}`)
    .max(max, `limits.${field} is at most ${max}: ${what}`);

/** How far an offboarding fans out; each limit has a default (above). */
export const OffboardingLimitsSchema = z.strictObject({
  accountsInFlight: inFlight(
    'accountsInFlight',
    ACCOUNTS_IN_FLIGHT_MAX,
    'accounts searched and contained at once (one activity works in up to ten of them)',
  ).optional(),
  usersInFlightPerAccount: inFlight(
    'usersInFlightPerAccount',
    USERS_IN_FLIGHT_PER_ACCOUNT_MAX,
    "a leaver's users contained at once within one account",
  ).optional(),
});
export type OffboardingLimits = z.output<typeof OffboardingLimitsSchema>;

export const OffboardingRequestSchema = z
  .strictObject({
    employeeId: employeeIdSchema,
    match: MatchSchema,
    scope: OffboardingScopeSchema,
    initiator: principalSchema,
    reason: z.string().max(500).optional(),
    purgeMode: PurgeModeSchema.default('delete-user'),
    access: AccessSchema,
    approval: OffboardingApprovalSchema,
    containmentPolicyName: containmentPolicyNameSchema.default(CONTAINMENT_POLICY_NAME_DEFAULT),
    /** Tell the approvers when their decision is awaited, on every escalation and when it is made. */
    notifications: ApproverNotificationSettingsSchema.optional(),
    limits: OffboardingLimitsSchema.optional(),
  })
  .superRefine((request, ctx) => {
    const problem = approverShortfall(request.approval, request.initiator);
    if (problem) ctx.addIssue({ code: 'custom', message: problem, path: ['approval', 'requiredApprovals'] });
    const unkeyed = publicKeyProblem(request.approval, request.initiator);
    if (unkeyed) ctx.addIssue({ code: 'custom', message: unkeyed, path: ['approval', 'publicKeys'] });
  });

export type OffboardingRequest = z.output<typeof OffboardingRequestSchema>;
export type OffboardingRequestInput = z.input<typeof OffboardingRequestSchema>;
export type OffboardingRequestParseResult =
  { ok: true; request: OffboardingRequest } | { ok: false; message: string };

export function parseOffboardingRequest(raw: unknown): OffboardingRequestParseResult {
  const result = OffboardingRequestSchema.safeParse(raw);
  if (result.success) return { ok: true, request: result.data };
  return { ok: false, message: z.prettifyError(result.error) };
}

/** One workflow per leaver: a repeated HR call finds the running workflow instead of starting another. */
export function offboardingWorkflowId(employeeId: string): string {
  return `offboard-${employeeId}`;
}
