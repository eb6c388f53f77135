import type { DriftFinding } from '../../domain/key-drift';
import type { MonitorStatus } from '../../domain/monitor-input';

function findingLine(finding: DriftFinding): string {
  const label = finding.severity === 'alert' ? 'ALERT  ' : 'finding';
  const contained =
    finding.deactivatedByKeywardenAt === undefined
      ? ''
      : ` (keywarden deactivated it at ${finding.deactivatedByKeywardenAt})`;
  return (
    `${label} ${finding.eventTime} ${finding.code}: key ${finding.accessKeyId} of ${finding.userName} ` +
    `in ${finding.accountId} ${finding.change} by ${finding.actorArn} from ${finding.sourceIp}${contained}`
  );
}

/** `keywarden monitor --status` as text: where it reads, the counters, the latest findings first. */
export function monitorStatusText(workflowId: string, status: MonitorStatus, link?: string): string[] {
  const c = status.counts;
  const lines = [
    `monitor:   ${workflowId} reading ${status.queueUrl}${status.queueArn ? ` (${status.queueArn})` : ''}`,
    `since:     ${status.startedAt} (run ${status.runs})${status.lastPollAt ? `, last poll ${status.lastPollAt}` : ''}`,
  ];
  if (status.lastError !== undefined) lines.push(`POLL FAILING: ${status.lastError}`);
  lines.push(
    `messages:  ${c.messages}: ${c.keyEvents} access-key events (${c.keywardenEvents} by keywarden), ` +
      `${c.findings} findings, ${c.alerts} alerts, ${c.ignored} ignored, ` +
      `skipped ${c.skippedMalformed} malformed and ${c.skippedNotCloudTrail} not CloudTrail, ${c.pollFailures} failed polls`,
  );
  if (link) lines.push(`workflow:  ${link}`);
  lines.push(status.findings.length === 0 ? 'no findings' : `latest findings (${status.findings.length}):`);
  lines.push(...status.findings.map(findingLine));
  if (status.recentlySkipped.length > 0) {
    lines.push('recently skipped messages:');
    lines.push(...status.recentlySkipped.map((s) => `  ${s.messageId} ${s.kind}: ${s.reason}`));
  }
  return lines;
}
