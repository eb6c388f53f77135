import type { FaultClass } from '../fault-proxy';

/** What one chaos run measured: the input of docs/reliability.md. */
export interface ChaosFigures {
  mode: 'short' | 'full';
  seed: number;
  startedAt: string;
  finishedAt: string;
  accounts: number;
  workers: number;
  blackoutSeconds: number;
  campaign: { id: string; status: string; selectedUsers: number; durationSeconds: number };
  offboarding: {
    id: string;
    phase: string;
    matchedUsers: number;
    purged: number;
    contained: number;
    durationSeconds: number;
  };
  killsSurvived: number;
  /** Activity types cut mid-flight by a kill, and the types the run executed at all. */
  interruptedActivityTypes: string[];
  activityTypesRun: string[];
  faults: { campaign: Record<FaultClass, number>; offboarding: Record<FaultClass, number> };
  awsRequests: number;
  checkerSamples: number;
  longestUnstagedSeconds: number;
  violations: string[];
}

/** The corpus run's figure, when one has been made: refused inputs out of inputs sent. */
export interface BadInputFigures {
  refused: number;
  total: number;
  /** Per kind of input, in the corpus's order. */
  byCategory?: Array<{ category: string; refused: number; total: number }>;
  measuredAt?: string;
}
