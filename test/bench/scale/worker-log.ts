import { stripVTControlCharacters } from 'node:util';

/** What the worker's SDK logs when a workflow nears a Temporal limit or a workflow task runs long. */
const PAYLOAD_WARNING = /\[TMPRL1103\]/;
const SLOW_TASK = /\[TMPRL1104\]/;

export interface WorkerLogFigures {
  /** Payloads over the SDK's warning size (512 KiB), as it logs them. */
  payloadWarnings: number;
  /** Workflow tasks that ran over 5 s. */
  slowWorkflowTasks: number;
  longestWorkflowTaskMs: number;
  /** The first few payload warnings, as logged. */
  samples: string[];
}

/** Reads the worker's log line by line for the SDK's payload and task-duration warnings. */
export class WorkerLogScan {
  private readonly figures: WorkerLogFigures = {
    payloadWarnings: 0,
    slowWorkflowTasks: 0,
    longestWorkflowTaskMs: 0,
    samples: [],
  };

  line(raw: string): void {
    const text = stripVTControlCharacters(raw);
    if (PAYLOAD_WARNING.test(text)) {
      this.figures.payloadWarnings++;
      if (this.figures.samples.length < 5) this.figures.samples.push(text.slice(0, 400));
    } else if (SLOW_TASK.test(text)) {
      this.figures.slowWorkflowTasks++;
      const ms = Number(/workflow_task_duration=(\d+)/.exec(text)?.[1] ?? 0);
      this.figures.longestWorkflowTaskMs = Math.max(this.figures.longestWorkflowTaskMs, ms);
    }
  }

  result(): WorkerLogFigures {
    return { ...this.figures, samples: [...this.figures.samples] };
  }
}
