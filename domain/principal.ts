/** A principal as keywarden compares them: trimmed, lower case. */
export function normalizePrincipal(principal: string): string {
  return principal.trim().toLowerCase();
}

export function samePrincipal(a: string, b: string): boolean {
  return normalizePrincipal(a) === normalizePrincipal(b);
}
