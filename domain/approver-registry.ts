import { z } from 'zod';
import { publicKeySchema } from './approval-signature-schemas';
import type { ApproverRegistry } from './effective-signatures';
import { normalizePrincipal, principalSchema } from './ids';

export {
  NO_REGISTRY,
  effectiveSignatures,
  type ApproverRegistry,
  type EffectiveSignatures,
} from './effective-signatures';

/**
 * The approvers' public keys as the worker's operators keep them (KEYWARDEN_APPROVER_KEYS), out
 * of reach of whoever writes a campaign spec: keys from a spec authenticate approvers against
 * other users of the namespace, but not against the initiator who wrote the spec.
 */
export const ApproverRegistryFileSchema = z
  .strictObject({
    /** true: every gate requires signatures, whatever a spec or offboarding policy says. */
    requireSignatures: z.boolean().default(true),
    approvers: z.record(principalSchema, publicKeySchema),
  })
  .superRefine((file, ctx) => {
    const seen = new Map<string, string>();
    for (const [who, key] of Object.entries(file.approvers)) {
      const other = seen.get(key);
      if (other !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['approvers', who],
          message: `${who} has the same public key as ${other}: every approver needs a key of their own (four eyes)`,
        });
      }
      seen.set(key, who);
    }
  });

export function registryFrom(file: z.output<typeof ApproverRegistryFileSchema>): ApproverRegistry {
  const publicKeys = Object.fromEntries(
    Object.entries(file.approvers).map(([who, key]) => [normalizePrincipal(who), key]),
  );
  return { configured: true, requireSignatures: file.requireSignatures, publicKeys };
}
