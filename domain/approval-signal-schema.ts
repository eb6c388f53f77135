import { z } from 'zod';
import { signatureSchema } from './approval-signature-schemas';
import { principalSchema } from './ids';

const SIGNED_FIELDS = ['round', 'planDigest', 'expiresAt', 'signature'] as const;

export const ApprovalSignalSchema = z
  .strictObject({
    approver: principalSchema,
    comment: z.string().max(2000).optional(),
    // A signed approval (keywarden approve --key) adds these four, all together.
    round: z.int().min(0).optional(),
    planDigest: z
      .string()
      .regex(/^[0-9a-f]{64}$/, 'planDigest is 64 hex characters, as the status query shows it')
      .optional(),
    expiresAt: z.iso
      .datetime({ message: 'expiresAt is an ISO-8601 UTC time, e.g. 2026-12-01T12:00:00Z' })
      .optional(),
    signature: signatureSchema.optional(),
  })
  .refine(
    (p) => SIGNED_FIELDS.every((f) => p[f] === undefined) || SIGNED_FIELDS.every((f) => p[f] !== undefined),
    {
      message: 'a signed approval carries round, planDigest, expiresAt and signature together',
    },
  );
export type ApprovalSignal = z.infer<typeof ApprovalSignalSchema>;
