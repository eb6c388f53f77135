import type { ListedWorkflow } from './list-workflows';
import { waitingForText } from './waiting-for';

/** `keywarden list` as text: one line per workflow, and under one that waits, who it waits for. */
export function listText(workflows: readonly ListedWorkflow[]): string[] {
  if (workflows.length === 0) return ['no matching workflows'];
  const lines: string[] = [];
  for (const w of workflows) {
    const state = w.executionStatus === 'RUNNING' ? (w.phase ?? 'running') : w.executionStatus.toLowerCase();
    const by = w.initiator === undefined ? '' : `, by ${w.initiator}`;
    lines.push(`${w.workflowId}  ${w.kind}  ${state}  (started ${w.startedAt}${by})`);
    if (w.waitingFor !== undefined) lines.push(`    waits for: ${waitingForText(w.waitingFor)}`);
    else if (w.waitingForUnknown !== undefined) lines.push(`    waits for: unknown (${w.waitingForUnknown})`);
  }
  return lines;
}
