import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { ApproverRegistryFileSchema, registryFrom, type ApproverRegistry } from '../domain/approver-registry';
import { parseStructuredText } from '../domain/spec-text';

export const APPROVER_KEYS_ENV = 'KEYWARDEN_APPROVER_KEYS';

/**
 * The approver key registry named by KEYWARDEN_APPROVER_KEYS (YAML or JSON), or undefined when
 * it is unset. Every problem names the file and the field, never a key.
 */
export function approverRegistryFromEnv(env: NodeJS.ProcessEnv = process.env): ApproverRegistry | undefined {
  const file = env[APPROVER_KEYS_ENV];
  if (file === undefined || file.trim() === '') return undefined;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new Error(
      `${APPROVER_KEYS_ENV}: cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? 'error'}); ` +
        'it lists the approvers\' public keys, e.g. {"requireSignatures": true, "approvers": {"alice@example.com": "<64 hex>"}}',
      { cause: error },
    );
  }
  const structured = parseStructuredText(text, /\.json$/i.test(file) ? 'json' : 'yaml');
  if (!structured.ok) throw new Error(`${APPROVER_KEYS_ENV}: ${file}: ${structured.message}`);
  const parsed = ApproverRegistryFileSchema.safeParse(structured.value);
  if (!parsed.success)
    throw new Error(
      `${APPROVER_KEYS_ENV}: ${file} is not a valid approver key registry:\n${z.prettifyError(parsed.error)}`,
    );
  return registryFrom(parsed.data);
}
