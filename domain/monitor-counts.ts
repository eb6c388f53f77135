/** Messages the monitor has read, by what they were. */
export interface MonitorCounts {
  messages: number;
  keyEvents: number;
  keywardenEvents: number;
  findings: number;
  alerts: number;
  /** CloudTrail IAM events that changed no key (another API, a failed call, a key turned off by a person). */
  ignored: number;
  /** Access-key events missing a field the monitor needs: logged, deleted, counted. */
  skippedMalformed: number;
  /** Not CloudTrail IAM events at all: logged, deleted, counted. */
  skippedNotCloudTrail: number;
  pollFailures: number;
}

export const ZERO_COUNTS: MonitorCounts = {
  messages: 0,
  keyEvents: 0,
  keywardenEvents: 0,
  findings: 0,
  alerts: 0,
  ignored: 0,
  skippedMalformed: 0,
  skippedNotCloudTrail: 0,
  pollFailures: 0,
};
