import { readFileSync } from 'node:fs';
import { parseStructuredText } from '../../domain/spec-text';
import type { WebhookPolicy } from '../../domain/webhook-policy';
import { parseWebhookPolicy } from '../../domain/webhook-policy';
import { UsageError } from '../cli-error';
import { specFormat } from '../spec-file';

export const POLICY_ENV = 'KEYWARDEN_WEBHOOK_POLICY';

const HOW_TO_WRITE =
  'write one as YAML or JSON (see examples/webhook-policy.yaml and "The webhook policy" in the README): ' +
  'it names the initiator, the approvers, the allowed match fields and purge modes, and the accounts to search';

/** The policy file from `--policy`, else the environment; a UsageError saying how to write one when neither is set. */
export function policyPath(option: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  const file = option ?? env[POLICY_ENV];
  if (file === undefined || file.trim() === '') {
    throw new UsageError(
      `the webhook needs a policy file: give --policy <file> or set ${POLICY_ENV}; ${HOW_TO_WRITE}`,
    );
  }
  return file;
}

/** Reads and validates a policy file; every problem is a UsageError naming the file and the field. */
export function readWebhookPolicyFile(file: string): WebhookPolicy {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT')
      throw new UsageError(`webhook policy file ${file} does not exist; ${HOW_TO_WRITE}`);
    if (code === 'EISDIR')
      throw new UsageError(`webhook policy file ${file} is a directory: give a .yaml or .json file`);
    throw new UsageError(
      `cannot read webhook policy file ${file}: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  if (text.trim() === '') throw new UsageError(`webhook policy file ${file} is empty; ${HOW_TO_WRITE}`);
  return parseWebhookPolicyText(text, file);
}

export function parseWebhookPolicyText(text: string, file: string): WebhookPolicy {
  const structured = parseStructuredText(text, specFormat(file));
  const parsed = structured.ok ? parseWebhookPolicy(structured.value) : structured;
  if (!parsed.ok) throw new UsageError(`${file} is not a valid webhook policy:\n${parsed.message}`);
  return parsed.policy;
}
