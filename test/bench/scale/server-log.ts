import { readFileSync } from 'node:fs';

/**
 * What the Temporal server logs when a workflow nears or passes one of its limits: history
 * events or size, pending children, activities, signals or cancel requests, payload (blob) size,
 * memo size, or a workflow failed for passing one.
 */
const LIMIT_WARNINGS = [
  /history size exceeds (warn|error) limit/i,
  /history count exceeds (warn|error) limit/i,
  /pending (child workflows|activities|signals|cancel requests?)[^"]*limit/i,
  /blob size exceeds/i,
  /memo size exceeds/i,
  /exceeds? (the )?(warn|error) limit/i,
  /WORKFLOW_TASK_FAILED_CAUSE_PENDING_\w+_LIMIT_EXCEEDED/,
  /terminat\w+ .*(history|limit)/i,
];

export interface LogScan {
  lines: number;
  limitWarnings: number;
  /** The first few, as logged. */
  samples: string[];
}

export function scanServerLog(file: string): LogScan {
  const lines = readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '');
  const hits = lines.filter((line) => LIMIT_WARNINGS.some((pattern) => pattern.test(line)));
  return {
    lines: lines.length,
    limitWarnings: hits.length,
    samples: hits.slice(0, 5).map((l) => l.slice(0, 400)),
  };
}
