import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { CampaignSpec } from '../domain/campaign-spec';
import type { TextFormat } from '../domain/spec-text';
import { parseCampaignSpecText } from '../domain/spec-text';
import { UsageError } from './cli-error';

/** .json is JSON; .yaml, .yml and anything else is read as YAML (JSON is valid YAML too). */
export function specFormat(file: string): TextFormat {
  return path.extname(file).toLowerCase() === '.json' ? 'json' : 'yaml';
}

/** Parses spec text; every problem is a UsageError naming the file, the field and the fix. */
export function parseSpecText(
  text: string,
  file: string,
  format: TextFormat = specFormat(file),
): CampaignSpec {
  const result = parseCampaignSpecText(text, format);
  if (!result.ok) throw new UsageError(`${file} is not a valid campaign spec:\n${result.message}`);
  return result.spec;
}

export function readSpecFile(file: string): CampaignSpec {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new UsageError(`spec file ${file} does not exist`);
    if (code === 'EISDIR')
      throw new UsageError(`spec file ${file} is a directory: give a .yaml or .json file`);
    throw new UsageError(
      `cannot read spec file ${file}: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  if (text.trim() === '') throw new UsageError(`spec file ${file} is empty`);
  return parseSpecText(text, file);
}
