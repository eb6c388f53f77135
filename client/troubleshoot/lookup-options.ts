import type { Command } from 'commander';
import type { z } from 'zod';
import { DEFAULT_MEMBER_ROLE_NAME } from '../../domain/access';
import { KeyLookupRequestSchema, type KeyLookupRequest } from '../../domain/key-lookup';
import { UsageError } from '../cli-error';

export interface LookupOptions {
  roleName: string;
  externalId?: string;
  json?: boolean;
}

/** The options whois and doctor share: how to reach the account, and JSON output. */
export function addLookupOptions(command: Command): Command {
  return command
    .option('--role-name <name>', 'the role keywarden assumes in the account', DEFAULT_MEMBER_ROLE_NAME)
    .option('--external-id <id>', 'the sts:ExternalId the role requires, if any')
    .option(
      '--account <id>',
      "the account (12 digits): the key's, when you know it (skips sts:GetAccessKeyInfo), or the user's with --user",
    )
    .option('--json', 'print the result as JSON');
}

function issues(error: z.ZodError): string {
  return error.issues
    .map((i) => (i.path.length > 0 ? `${i.path.join('.')}: ${i.message}` : i.message))
    .join('; ');
}

/** A request for one key, or the reason (exit code 2) the input is not one. */
export function keyRequest(
  accessKeyId: string,
  opts: LookupOptions & { account?: string },
): KeyLookupRequest {
  const parsed = KeyLookupRequestSchema.options[0].safeParse({
    accessKeyId,
    ...(opts.account === undefined ? {} : { accountId: opts.account }),
    roleName: opts.roleName,
    ...(opts.externalId === undefined ? {} : { externalId: opts.externalId }),
  });
  if (!parsed.success) throw new UsageError(issues(parsed.error).replace(/^accessKeyId: /, ''));
  return parsed.data;
}

/** A request for one user of one account, or the reason (exit code 2) the input is not one. */
export function userRequest(accountId: string, userName: string, opts: LookupOptions): KeyLookupRequest {
  const parsed = KeyLookupRequestSchema.options[1].safeParse({
    accountId,
    userName,
    roleName: opts.roleName,
    ...(opts.externalId === undefined ? {} : { externalId: opts.externalId }),
  });
  if (!parsed.success) throw new UsageError(issues(parsed.error));
  return parsed.data;
}
