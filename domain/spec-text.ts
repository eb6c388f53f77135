// Kept apart from the schemas: the yaml package requires Node's `process` module, so anything that
// imports this file cannot be bundled into workflow code. Only the CLI and HTTP edges should use it.
import { parse as parseYaml } from 'yaml';
import type { CampaignSpecParseResult } from './campaign-spec';
import { parseCampaignSpec } from './campaign-spec';
import type { OffboardingRequestParseResult } from './offboarding-request';
import { parseOffboardingRequest } from './offboarding-request';

export type TextFormat = 'yaml' | 'json';

/** Parses text already read by the caller; syntax errors come back as messages, not exceptions. */
export function parseStructuredText(
  text: string,
  format: TextFormat,
): { ok: true; value: unknown } | { ok: false; message: string } {
  try {
    const value: unknown = format === 'yaml' ? parseYaml(text) : JSON.parse(text);
    return { ok: true, value };
  } catch (err) {
    const detail = err instanceof Error ? err.message : String(err);
    return { ok: false, message: `invalid ${format === 'yaml' ? 'YAML' : 'JSON'}: ${detail}` };
  }
}

export function parseCampaignSpecText(text: string, format: TextFormat): CampaignSpecParseResult {
  const parsed = parseStructuredText(text, format);
  return parsed.ok ? parseCampaignSpec(parsed.value) : parsed;
}

export function parseOffboardingRequestText(text: string, format: TextFormat): OffboardingRequestParseResult {
  const parsed = parseStructuredText(text, format);
  return parsed.ok ? parseOffboardingRequest(parsed.value) : parsed;
}
