import { z } from 'zod';
import { AccessSchema } from './access';
import { accountIdSchema, principalSchema } from './ids';

export { planRollback, type RollbackOutcome, type RollbackPlan, type RollbackResult } from './rollback-plan';

const userNameSchema = z
  .string({ error: 'a user name is a string, e.g. "deploy-bot"' })
  .regex(/^[\w+=,.@-]{1,64}$/, 'an IAM user name is 1-64 characters from letters, digits and +=,.@_-');

/**
 * `keywarden rollback`: point a user's stored key back at the version before the current one.
 * Deletes nothing and creates nothing; the newer key stays as it is in IAM.
 */
export const RollbackRequestSchema = z.strictObject({
  accountId: accountIdSchema,
  userName: userNameSchema,
  reason: z
    .string({ error: 'reason is a string: why the stored key is rolled back' })
    .trim()
    .min(1, 'give a reason: why the stored key is rolled back (it is recorded in the result)')
    .max(500, 'reason is at most 500 characters'),
  initiator: principalSchema,
  /** Which destination, when the user's key is stored in more than one. */
  location: z
    .strictObject({ kind: z.enum(['secret', 'parameter']), name: z.string().min(1).max(2048) })
    .optional(),
  access: AccessSchema,
});

export type RollbackRequestInput = z.input<typeof RollbackRequestSchema>;
export type RollbackRequest = z.output<typeof RollbackRequestSchema>;

/** One rollback per user at a time: a second request finds the first. */
export function rollbackWorkflowId(accountId: string, userName: string): string {
  return `rollback-${accountId}-${userName}`;
}
