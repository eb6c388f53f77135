import { z } from 'zod';
import { AccessSchema } from './access';
import { ApprovalSettingsBase, approverShortfall, publicKeyProblem } from './approval-settings';
import { durationSchema } from './duration';
import { principalSchema } from './ids';
import { ApproverNotificationSettingsSchema } from './notification-settings';
import { secretNameTemplateSchema } from './secret-name';

export { revokeWorkflowId } from './revoke-workflow-id';

/** Why `id` cannot be revoked as an IAM user's access key, or undefined when it can. */
export function accessKeyIdProblem(id: string): string | undefined {
  if (id.startsWith('ASIA')) {
    return (
      `${id} is a temporary (STS) access key ID (ASIA…): it belongs to a session, not to an IAM user, ` +
      'so it cannot be deactivated or deleted; it expires on its own. Revoke the long-term key (AKIA…) ' +
      'or the role session that issued it instead'
    );
  }
  if (!/^AKIA[A-Z0-9]{16}$/.test(id)) {
    return (
      `"${id.slice(0, 40)}" is not an IAM user's access key ID: one is 20 characters, "AKIA" and 16 ` +
      'capital letters or digits, e.g. AKIAIOSFODNN7EXAMPLE'
    );
  }
  return undefined;
}

export const accessKeyIdSchema = z
  .string({ error: 'an access key ID is a string, e.g. "AKIAIOSFODNN7EXAMPLE"' })
  .trim()
  .superRefine((id, ctx) => {
    const problem = accessKeyIdProblem(id);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });

/** Silence never deletes a leaked key, and never turns it back on: a timeout leaves it inactive. */
export const RevokeApprovalSchema = ApprovalSettingsBase.extend({
  timeout: durationSchema.default('24h'),
  onTimeout: z
    .literal('reject', {
      error:
        'approval.onTimeout is always reject for a revocation: on timeout the key stays inactive, undeleted',
    })
    .default('reject'),
});

export const DEFAULT_REVOKE_SECRET_TEMPLATE = 'keywarden/{userName}';

export const RevokeRequestSchema = z
  .strictObject({
    accessKeyId: accessKeyIdSchema,
    reason: z
      .string({ error: 'reason is a string: why the key is revoked (e.g. "pushed to a public repo")' })
      .trim()
      .min(1, 'give a reason: why the key is revoked (it is recorded in the report)')
      .max(500, 'reason is at most 500 characters'),
    initiator: principalSchema,
    /** Create, store and verify a replacement key exactly as a rotation does. */
    replace: z.boolean().default(false),
    secretNameTemplate: secretNameTemplateSchema.default(DEFAULT_REVOKE_SECRET_TEMPLATE),
    access: AccessSchema,
    /** Who may approve deleting the key; without it, the key is left inactive and nothing is deleted. */
    approval: RevokeApprovalSchema.optional(),
    /** Tell the approvers when the deletion awaits their decision and when it is made. */
    notifications: ApproverNotificationSettingsSchema.optional(),
  })
  .superRefine((request, ctx) => {
    if (request.approval === undefined) {
      if (request.notifications !== undefined) {
        ctx.addIssue({
          code: 'custom',
          message:
            'notifications tell the approvers of the deletion, and this revocation names none: add approval.approvers or drop notifications',
          path: ['notifications'],
        });
      }
      return;
    }
    const problem = approverShortfall(request.approval, request.initiator);
    if (problem) ctx.addIssue({ code: 'custom', message: problem, path: ['approval', 'requiredApprovals'] });
    const unkeyed = publicKeyProblem(request.approval, request.initiator);
    if (unkeyed) ctx.addIssue({ code: 'custom', message: unkeyed, path: ['approval', 'publicKeys'] });
  });

export type RevokeRequest = z.output<typeof RevokeRequestSchema>;
export type RevokeRequestInput = z.input<typeof RevokeRequestSchema>;

export function parseRevokeRequest(
  raw: unknown,
): { ok: true; request: RevokeRequest } | { ok: false; message: string } {
  const result = RevokeRequestSchema.safeParse(raw);
  if (result.success) return { ok: true, request: result.data };
  return { ok: false, message: z.prettifyError(result.error) };
}
