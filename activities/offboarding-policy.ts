/** The inline policy that contains a leaver: it denies every action on every resource. */
export const CONTAINMENT_POLICY_DOCUMENT = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Deny', Action: '*', Resource: '*' }],
});

/** True when a policy document (as IAM returns it, decoded) is keywarden's deny-all document. */
export function isContainmentPolicy(document: string | undefined): boolean {
  if (document === undefined) return false;
  try {
    return canonical(JSON.parse(document)) === canonical(JSON.parse(CONTAINMENT_POLICY_DOCUMENT));
  } catch {
    return false;
  }
}

/** JSON with object keys sorted, so formatting and key order do not matter when comparing. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
