import type { ProgressSnapshot } from './progress-snapshot';
import { progressKey, progressLine } from './progress-text';
import type { ProgressView } from './progress-view';

/** For pipes and logs: one line per change of phase, counts or state, never a redraw. */
export class PlainProgressView implements ProgressView {
  private lastKey: string | undefined;

  constructor(
    private readonly write: (line: string) => void,
    private readonly now: () => Date = () => new Date(),
  ) {}

  update(snapshot: ProgressSnapshot): void {
    const key = progressKey(snapshot);
    if (key === this.lastKey) return;
    this.lastKey = key;
    this.write(progressLine(snapshot, this.now()));
  }

  stop(): void {}
}
