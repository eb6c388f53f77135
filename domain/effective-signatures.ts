export interface ApproverRegistry {
  configured: boolean;
  requireSignatures: boolean;
  publicKeys: Record<string, string>;
}

export const NO_REGISTRY: ApproverRegistry = { configured: false, requireSignatures: false, publicKeys: {} };

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
