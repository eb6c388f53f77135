import { z } from 'zod';
import { AccessSchema } from './access';
import { approverShortfall, publicKeyProblem } from './approval-settings';
import { accountIdSchema, principalSchema } from './ids';
import { ApproverNotificationSettingsSchema } from './notification-settings';
import {
  CONTAINMENT_POLICY_NAME_DEFAULT,
  containmentPolicyNameSchema,
  OffboardingApprovalSchema,
  OffboardingLimitsSchema,
  PurgeModeSchema,
} from './offboarding-request';

export const MATCH_FIELD_HINT = 'a match field is "userName" or "tag:<key>", e.g. "tag:email"';

/** `userName`, or `tag:<key>` with an IAM tag key (1-128 characters). */
export const matchFieldSchema = z
  .string({ error: `expected a string: ${MATCH_FIELD_HINT}` })
  .regex(/^(userName|tag:[\w .:/=+@-]{1,128})$/, MATCH_FIELD_HINT);

function duplicates(values: readonly string[]): string[] {
  const seen = new Set<string>();
  const repeated = new Set<string>();
  for (const value of values) (seen.has(value) ? repeated : seen).add(value);
  return [...repeated];
}

/**
 * What the HR webhook may do, loaded by the server at start: who approves, how leavers may be
 * matched, which purge modes a request may ask for, and which accounts are searched. A request
 * chooses only within these bounds; everything else in the workflow input comes from here.
 */
export const WebhookPolicySchema = z
  .strictObject({
    initiator: principalSchema,
    approval: OffboardingApprovalSchema,
    match: z.strictObject({
      fields: z
        .array(matchFieldSchema)
        .min(1, 'list at least one match field, e.g. ["tag:email"]')
        .refine((fields) => duplicates(fields.map((f) => f.toLowerCase())).length === 0, {
          message: 'a match field is listed twice',
        }),
      maxValues: z
        .int('maxValues is a whole number')
        .min(1, 'maxValues must be at least 1')
        .max(100, 'maxValues is at most 100')
        .default(5),
    }),
    purgeModes: z
      .array(PurgeModeSchema)
      .min(1, 'list at least one purge mode: "strip-credentials", "delete-user" or both')
      .refine((modes) => duplicates(modes).length === 0, { message: 'a purge mode is listed twice' }),
    defaultPurgeMode: PurgeModeSchema.optional(),
    scope: z.strictObject({
      accounts: z.union([z.literal('all'), z.array(accountIdSchema).min(1)], {
        error: 'accounts is "all" (every account in the organization) or a list of 12-digit account IDs',
      }),
      excludeAccounts: z.array(accountIdSchema).default([]),
    }),
    access: AccessSchema,
    containmentPolicyName: containmentPolicyNameSchema.default(CONTAINMENT_POLICY_NAME_DEFAULT),
    /** How the approvers of every offboarding this server starts are told (see the request's). */
    notifications: ApproverNotificationSettingsSchema.optional(),
    limits: OffboardingLimitsSchema.optional(),
  })
  .superRefine((policy, ctx) => {
    const shortfall = approverShortfall(policy.approval, policy.initiator);
    if (shortfall)
      ctx.addIssue({ code: 'custom', message: shortfall, path: ['approval', 'requiredApprovals'] });
    const unkeyed = publicKeyProblem(policy.approval, policy.initiator);
    if (unkeyed) ctx.addIssue({ code: 'custom', message: unkeyed, path: ['approval', 'publicKeys'] });
    if (policy.defaultPurgeMode !== undefined && !policy.purgeModes.includes(policy.defaultPurgeMode)) {
      ctx.addIssue({
        code: 'custom',
        message: `defaultPurgeMode "${policy.defaultPurgeMode}" is not in purgeModes: add it there or change it`,
        path: ['defaultPurgeMode'],
      });
    }
  })
  .transform((policy) => ({
    ...policy,
    defaultPurgeMode: policy.defaultPurgeMode ?? policy.purgeModes[0]!,
  }));

export type WebhookPolicy = z.output<typeof WebhookPolicySchema>;
export type WebhookPolicyInput = z.input<typeof WebhookPolicySchema>;

export type WebhookPolicyParseResult = { ok: true; policy: WebhookPolicy } | { ok: false; message: string };

export function parseWebhookPolicy(raw: unknown): WebhookPolicyParseResult {
  const result = WebhookPolicySchema.safeParse(raw);
  if (result.success) return { ok: true, policy: result.data };
  return { ok: false, message: z.prettifyError(result.error) };
}

/** The tag keys a policy allows (from its `tag:<key>` fields), as written. */
export function allowedTagKeys(policy: WebhookPolicy): string[] {
  return policy.match.fields.filter((f) => f.startsWith('tag:')).map((f) => f.slice('tag:'.length));
}
