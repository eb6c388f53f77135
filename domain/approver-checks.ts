import { normalizePrincipal } from './principal';

/** Distinct approvers who are not the initiator: only they can count towards requiredApprovals. */
export function eligibleApprovers(approvers: readonly string[], initiator: string): string[] {
  const self = normalizePrincipal(initiator);
  return [...new Set(approvers.map(normalizePrincipal))].filter((a) => a !== self);
}

/** The four-eyes cross-check shared by campaign specs and offboarding requests; undefined when fine. */
export function approverShortfall(
  approval: { approvers: readonly string[]; requiredApprovals: number },
  initiator: string,
): string | undefined {
  const available = eligibleApprovers(approval.approvers, initiator).length;
  if (available >= approval.requiredApprovals) return undefined;
  return (
    `approval.requiredApprovals is ${approval.requiredApprovals} but only ${available} approvers ` +
    'other than the initiator are listed: add approvers or lower requiredApprovals'
  );
}

/** With signatures required, every approver (and the initiator, who may reject or abort) needs a key. */
export function publicKeyProblem(
  approval: {
    approvers: readonly string[];
    signatures?: 'off' | 'required';
    publicKeys?: Record<string, string>;
  },
  initiator: string,
): string | undefined {
  // No keys listed: the worker's approver key registry (KEYWARDEN_APPROVER_KEYS) provides them.
  if (approval.signatures !== 'required' || Object.keys(approval.publicKeys ?? {}).length === 0)
    return undefined;
  const keyed = new Set(Object.keys(approval.publicKeys ?? {}).map(normalizePrincipal));
  const missing = [...new Set([...approval.approvers, initiator].map(normalizePrincipal))].filter(
    (who) => !keyed.has(who),
  );
  if (missing.length === 0) {
    const owners = new Map<string, string>();
    for (const [who, key] of Object.entries(approval.publicKeys ?? {})) {
      const other = owners.get(key);
      if (other !== undefined)
        return `approval.publicKeys: ${who} has the same key as ${other}; every signer needs a key of their own`;
      owners.set(key, who);
    }
    return undefined;
  }
  return (
    `approval.signatures is required but approval.publicKeys has no key for ${missing.join(', ')}: ` +
    'run `keywarden keygen --approver <who>` for each and list the printed public keys'
  );
}

/** The signer's public key, by normalized approver. */
export function publicKeyFor(publicKeys: Record<string, string>, approver: string): string | undefined {
  const who = normalizePrincipal(approver);
  const entry = Object.entries(publicKeys).find(([name]) => normalizePrincipal(name) === who);
  return entry?.[1];
}
