import type { ProgressSnapshot } from './progress-snapshot';

/** Where `status --watch` shows each snapshot: redrawn bars on a terminal, plain lines elsewhere. */
export interface ProgressView {
  update(snapshot: ProgressSnapshot): void;
  stop(): void;
}
