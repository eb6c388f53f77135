/** How a leaver's IAM users are recognised: by user name, or by the value of one tag. */
export interface UserMatch {
  userNames: string[];
  /** Default `email`. */
  tagKey: string;
  tagValues: string[];
}

const norm = (value: string): string => value.trim().toLowerCase();

/**
 * How a user matches the leaver: `userName` (names compare case-insensitively), `tag:<key>` (the
 * tag key and its value compare case-insensitively), or undefined. `tags` is read only when the
 * name does not match, so a caller may pass a function that fetches them.
 */
export async function matchLeaver(
  match: UserMatch,
  userName: string,
  tags: () => Promise<Record<string, string> | undefined>,
): Promise<string | undefined> {
  if (match.userNames.some((name) => norm(name) === norm(userName))) return 'userName';
  if (match.tagValues.length === 0) return undefined;
  const values = new Set(match.tagValues.map(norm));
  const tagKey = norm(match.tagKey);
  const found = await tags();
  if (found === undefined) return undefined;
  const hit = Object.entries(found).some(([key, value]) => norm(key) === tagKey && values.has(norm(value)));
  return hit ? `tag:${match.tagKey}` : undefined;
}
