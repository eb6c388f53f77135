import { z } from 'zod';
import { signatureSchema } from './approval-signature-schemas';
import { accountIdSchema, principalSchema } from './ids';

/**
 * The `skip-account` signal: stop retrying the search of an account that does not answer. The run
 * then ends `incomplete`, naming the account. Sent by the initiator or a listed approver.
 */
export const SkipAccountSignalSchema = z.strictObject({
  by: principalSchema,
  accountId: accountIdSchema,
  reason: z
    .string({ error: 'reason is a string: why this account need not be searched' })
    .trim()
    .min(1, 'give a reason: why this account need not be searched (it is recorded in the status)')
    .max(500, 'reason is at most 500 characters'),
  // With approval.signatures required: `keywarden skip-account --key <file>` signs the skip.
  expiresAt: z.iso.datetime({ message: 'expiresAt is an ISO-8601 UTC time' }).optional(),
  signature: signatureSchema.optional(),
});
export type SkipAccountSignal = z.output<typeof SkipAccountSignalSchema>;
