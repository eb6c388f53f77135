import { z } from 'zod';

export const accountIdSchema = z
  .string({
    error:
      'an account ID is a string of 12 digits, e.g. "012345678901" (quote it in YAML so leading zeros survive)',
  })
  .regex(/^[0-9]{12}$/, 'an account ID is exactly 12 digits, e.g. "012345678901"');

const OU_ID_PATTERN = /^ou-[0-9a-z]{4,32}-[0-9a-z]{8,32}$/;
const ROOT_ID_PATTERN = /^r-[0-9a-z]{4,32}$/;

/** True when the reference is an OU id (`ou-…`) or the root id (`r-…`) rather than an OU name. */
export function isOuId(ref: string): boolean {
  return OU_ID_PATTERN.test(ref) || ROOT_ID_PATTERN.test(ref);
}

// An OU name may be any non-empty text, so an id and a name share one schema; isOuId tells them apart.
export const ouRefSchema = z
  .string({ error: 'an OU reference is an OU id ("ou-abcd-12345678"), the root id ("r-abcd") or an OU name' })
  .trim()
  .min(
    1,
    'an OU reference must not be empty: give an OU id ("ou-abcd-12345678"), the root id ("r-abcd") or an OU name',
  )
  .max(128, 'an OU reference is at most 128 characters');

export const campaignIdSchema = z
  .string({ error: 'a campaign id is a string, e.g. "q3-rotation"' })
  .regex(
    /^[a-zA-Z0-9][a-zA-Z0-9._-]{0,63}$/,
    'a campaign id is 1-64 letters, digits, ".", "_" or "-", starting with a letter or digit, e.g. "q3-rotation"',
  );

export const principalSchema = z
  .string({ error: 'a principal is a string, typically an email, e.g. "alice@example.com"' })
  .trim()
  .min(1, 'a principal must not be empty: give a name or email, e.g. "alice@example.com"')
  .max(256, 'a principal is at most 256 characters');

export { normalizePrincipal, samePrincipal } from './principal';
