import { z } from 'zod';
import { durationSchema } from './duration';
import { publicKeySchema } from './approval-signature-schemas';
import { principalSchema } from './ids';

export { approverShortfall, eligibleApprovers, publicKeyFor, publicKeyProblem } from './approver-checks';

/** Who may approve, and what happens when nobody does. Campaigns and offboarding extend it. */
export const ApprovalSettingsBase = z.strictObject({
  approvers: z
    .array(principalSchema)
    .min(1, 'list at least one approver in approvers, e.g. ["alice@example.com"]'),
  requiredApprovals: z.int().min(1, 'requiredApprovals must be at least 1').default(1),
  timeout: durationSchema.default('7d'),
  onTimeout: z.enum(['reject', 'escalate']).default('reject'),
  /**
   * off: an approval is the approver's name as typed (anyone who may signal the workflow can type
   * it). required: every approval, rejection and abort carries the approver's Ed25519 signature.
   */
  signatures: z.enum(['off', 'required']).default('off'),
  /** Each signer's public key (64 hex characters, from `keywarden keygen`), by approver. */
  publicKeys: z.record(principalSchema, publicKeySchema).default({}),
});

export type ApprovalSettings = z.output<typeof ApprovalSettingsBase>;
