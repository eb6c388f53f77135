import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { WorkerLogScan } from '../../bench/scale/worker-log';

const ESC = '\u001b';
// Lines as the worker's SDK logs them, colours included.
const PAYLOAD = `${ESC}[2m2026-11-30T19:14:55.441602Z${ESC}[0m ${ESC}[33m WARN${ESC}[0m ${ESC}[2mtemporalio_common::payload_limits${ESC}[0m${ESC}[2m:${ESC}[0m [TMPRL1103] Attempted to upload payloads with size that exceeded the warning limit. ${ESC}[3msize${ESC}[0m${ESC}[2m=${ESC}[0m560033 ${ESC}[3mlimit${ESC}[0m${ESC}[2m=${ESC}[0m524288`;
const slowTask = (ms: number) =>
  `${ESC}[2m2026-11-30T19:30:25.677680Z${ESC}[0m ${ESC}[33m WARN${ESC}[0m [TMPRL1104] Workflow task duration exceeded 5 seconds. ${ESC}[3mworkflow_type${ESC}[0m${ESC}[2m=${ESC}[0mrotationCampaign ${ESC}[3mattempt${ESC}[0m${ESC}[2m=${ESC}[0m1 ${ESC}[3mworkflow_task_duration${ESC}[0m${ESC}[2m=${ESC}[0m${ms} ${ESC}[3mworkflow_history_size${ESC}[0m${ESC}[2m=${ESC}[0m216556`;

describe("the scale simulation's reading of the worker log", () => {
  test('counts payload warnings and slow workflow tasks, and keeps the longest task', () => {
    const scan = new WorkerLogScan();
    for (const line of [
      PAYLOAD,
      slowTask(5074),
      '2026-11-30T19:33:19.690Z [INFO] key rotation finished {',
      slowTask(7491),
    ]) {
      scan.line(line);
    }
    const figures = scan.result();
    assert.equal(figures.payloadWarnings, 1);
    assert.equal(figures.slowWorkflowTasks, 2);
    assert.equal(figures.longestWorkflowTaskMs, 7491);
    assert.equal(figures.samples.length, 1);
    assert.match(figures.samples[0] ?? '', /\[TMPRL1103\] .* size=560033 limit=524288$/);
  });

  test('a log without warnings counts none', () => {
    const scan = new WorkerLogScan();
    scan.line('2026-11-30T19:33:19.690Z [INFO] key rotation finished {');
    assert.deepEqual(scan.result(), {
      payloadWarnings: 0,
      slowWorkflowTasks: 0,
      longestWorkflowTaskMs: 0,
      samples: [],
    });
  });
});
