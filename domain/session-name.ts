const MAX_ROLE_SESSION_NAME = 64;

/** AssumeRole session name that traces CloudTrail entries back to the campaign or offboarding. */
export function roleSessionName(id: string): string {
  return `keywarden-${id}`.replace(/[^\w+=,.@-]/g, '-').slice(0, MAX_ROLE_SESSION_NAME);
}
