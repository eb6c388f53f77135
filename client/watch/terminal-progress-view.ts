import { MultiBar, type SingleBar } from 'cli-progress';
import type { ProgressSnapshot } from './progress-snapshot';
import { phaseText, usersText } from './progress-text';
import type { ProgressView } from './progress-view';

/** On a terminal: an accounts bar and two text lines (phase, users), redrawn in place. */
export class TerminalProgressView implements ProgressView {
  private readonly bars: MultiBar;
  private accounts: SingleBar | undefined;
  private phase: SingleBar | undefined;
  private users: SingleBar | undefined;

  constructor(
    stream: NodeJS.WriteStream,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.bars = new MultiBar({
      stream,
      hideCursor: true,
      clearOnComplete: false,
      stopOnComplete: false,
      barCompleteChar: '\u2588',
      barIncompleteChar: '\u2591',
      format: '{text}',
    });
  }

  update(s: ProgressSnapshot): void {
    const title = `${s.workflowId}: ${phaseText(s, this.now())}`;
    const ended = s.executionStatus === 'RUNNING' ? '' : ` (ended ${s.executionStatus.toLowerCase()})`;
    this.phase ??= this.bars.create(1, 0, { text: '' });
    this.phase.update(0, { text: `${title}${ended}` });
    if (s.accounts !== undefined) {
      this.accounts ??= this.bars.create(
        s.accounts.total,
        0,
        {},
        { format: 'accounts {bar} {value}/{total} done' },
      );
      this.accounts.setTotal(s.accounts.total);
      this.accounts.update(s.accounts.done);
    }
    this.users ??= this.bars.create(1, 0, { text: '' });
    this.users.update(0, { text: usersText(s) });
  }

  stop(): void {
    this.bars.stop();
  }
}
