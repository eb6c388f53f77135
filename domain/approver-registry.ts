import { z } from 'zod';
import { publicKeySchema } from './approval-signature';
import { normalizePrincipal, principalSchema } from './ids';

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

export interface ApproverRegistry {
  configured: boolean;
  requireSignatures: boolean;
  publicKeys: Record<string, string>;
}

export const NO_REGISTRY: ApproverRegistry = { configured: false, requireSignatures: false, publicKeys: {} };

export function registryFrom(file: z.output<typeof ApproverRegistryFileSchema>): ApproverRegistry {
  const publicKeys = Object.fromEntries(
    Object.entries(file.approvers).map(([who, key]) => [normalizePrincipal(who), key]),
  );
  return { configured: true, requireSignatures: file.requireSignatures, publicKeys };
}

export interface EffectiveSignatures {
  signatures: 'off' | 'required';
  publicKeys: Record<string, string>;
  /** Where the keys come from: the worker's registry, or the spec (its author chose them). */
  keySource: 'registry' | 'spec';
}

/** The registry wins: it may require signatures, and its keys replace any a spec lists. */
export function effectiveSignatures(
  approval: { signatures?: 'off' | 'required'; publicKeys?: Record<string, string> },
  registry: ApproverRegistry | undefined,
): EffectiveSignatures {
  if (registry?.configured) {
    return {
      signatures: registry.requireSignatures || approval.signatures === 'required' ? 'required' : 'off',
      publicKeys: registry.publicKeys,
      keySource: 'registry',
    };
  }
  return {
    signatures: approval.signatures ?? 'off',
    publicKeys: approval.publicKeys ?? {},
    keySource: 'spec',
  };
}
