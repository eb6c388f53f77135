import { z } from 'zod';
import { AccessSchema } from './access';
import { ApprovalSettingsBase, approverShortfall, publicKeyProblem } from './approval-settings';
import { durationSchema } from './duration';
import { accountIdSchema, campaignIdSchema, ouRefSchema, principalSchema } from './ids';
import { DestinationSchema } from './key-destination';
import { NotificationSettingsSchema } from './notification-settings';

export { AccessSchema } from './access';
export { ApprovalSettingsBase } from './approval-settings';
export { renderSecretName } from './secret-name';

const ScopeSchema = z
  .strictObject({
    allAccounts: z.boolean().default(false),
    includeOus: z.array(ouRefSchema).default([]),
    excludeOus: z.array(ouRefSchema).default([]),
    includeAccounts: z.array(accountIdSchema).default([]),
    excludeAccounts: z.array(accountIdSchema).default([]),
  })
  .refine((s) => s.allAccounts || s.includeOus.length > 0 || s.includeAccounts.length > 0, {
    message: 'scope is empty: set scope.allAccounts: true, or list scope.includeOus or scope.includeAccounts',
  });

const PolicySchema = z
  .strictObject({
    maxKeyAgeDays: z.int().min(1).max(3650).default(90),
    unusedKeyDays: z.int().min(1).max(3650).default(45),
    inactiveKeys: z.enum(['ignore', 'delete-after-approval']).default('ignore'),
    unusedKeys: z.enum(['report', 'rotate']).default('report'),
    /** The old key was still used during the adoption window: hold (do not deactivate) or proceed. */
    onOldKeyStillUsed: z.enum(['hold', 'proceed']).default('hold'),
    exemptions: z
      .strictObject({
        tags: z.record(z.string(), z.string()).default({ 'keywarden:exempt': 'true' }),
        groups: z.array(z.string().min(1)).default([]),
        accounts: z.array(accountIdSchema).default([]),
      })
      .prefault({}),
  })
  .prefault({});

const WindowsSchema = z
  .strictObject({
    adoption: durationSchema.default('7d'),
    grace: durationSchema.default('7d'),
  })
  .prefault({});

const CampaignApprovalSchema = ApprovalSettingsBase.extend({
  scope: z.enum(['campaign', 'account']).default('campaign'),
});

const LimitsSchema = z
  .strictObject({
    maxAccountsInFlight: z.int().min(1).max(200).default(5),
    maxKeysInFlightPerAccount: z.int().min(1).max(50).default(5),
    /** Accounts started per run before the campaign continues as new. */
    continueAsNewAfterAccounts: z.int().min(1).default(500),
    /**
     * Users an account workflow's report holds per run before it continues as new: it bounds the
     * run's history and its result (a finished user's report with its timeline is a few KiB).
     */
    continueAsNewAfterUsers: z.int().min(1).max(1000).default(100),
    /** Users with keys per inventory page (one activity result). */
    inventoryPageSize: z.int().min(1).max(500).default(100),
    /**
     * Above this many accounts in scope, the campaign runs its accounts in shards of this many
     * (child campaigns under its gate): no single history, result or continue-as-new carries
     * every account of a large organization.
     */
    accountsPerShard: z.int().min(2).max(2000).default(500),
  })
  .prefault({});

export const CampaignSpecSchema = z
  .strictObject({
    id: campaignIdSchema,
    name: z.string().min(1, 'name must not be empty'),
    initiator: principalSchema,
    description: z.string().max(2000).optional(),
    scope: ScopeSchema,
    access: AccessSchema,
    policy: PolicySchema,
    destination: DestinationSchema,
    windows: WindowsSchema,
    approval: CampaignApprovalSchema,
    limits: LimitsSchema,
    /** Absent: no notification is sent. */
    notifications: NotificationSettingsSchema.optional(),
    dryRun: z.boolean().default(false),
  })
  .superRefine((spec, ctx) => {
    const problem = approverShortfall(spec.approval, spec.initiator);
    if (problem) ctx.addIssue({ code: 'custom', message: problem, path: ['approval', 'requiredApprovals'] });
    const unkeyed = publicKeyProblem(spec.approval, spec.initiator);
    if (unkeyed) ctx.addIssue({ code: 'custom', message: unkeyed, path: ['approval', 'publicKeys'] });
  });

export type CampaignSpec = z.output<typeof CampaignSpecSchema>;
export type CampaignSpecInput = z.input<typeof CampaignSpecSchema>;
export type CampaignSpecParseResult = { ok: true; spec: CampaignSpec } | { ok: false; message: string };

export function parseCampaignSpec(raw: unknown): CampaignSpecParseResult {
  const result = CampaignSpecSchema.safeParse(raw);
  if (result.success) return { ok: true, spec: result.data };
  return { ok: false, message: z.prettifyError(result.error) };
}
