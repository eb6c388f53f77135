const MAX_ROLE_SESSION_NAME = 64;

/** Every session keywarden opens in a member account starts with it (the drift monitor tells keywarden's calls by it). */
export const ROLE_SESSION_PREFIX = 'keywarden-';

/** AssumeRole session name that traces CloudTrail entries back to the campaign or offboarding. */
export function roleSessionName(id: string): string {
  return `${ROLE_SESSION_PREFIX}${id}`.replace(/[^\w+=,.@-]/g, '-').slice(0, MAX_ROLE_SESSION_NAME);
}
