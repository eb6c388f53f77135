/** The kinds of input the corpus sends, in the order the corpus runs and reports them. */
export const CATEGORIES = [
  'campaign spec',
  'CLI argument',
  'environment or config file',
  'webhook request',
  'approval signal',
  'approval update',
  'monitor event',
] as const;
export type Category = (typeof CATEGORIES)[number];

/** What the error output must hold: what is wrong and where, and how to fix it. */
export type Refusal = ReadonlyArray<string | RegExp>;

/** One run of the keywarden CLI that must be refused with exit code 2. */
export interface CliCase {
  name: string;
  /** Arguments after `keywarden`; `{dir}` stands for the case's own scratch directory. */
  args: string[];
  /** Files written into `{dir}` first: name → text (mode 0600), or text and mode. */
  files?: Record<string, string | { text: string; mode: number }>;
  /** Environment changes for this run; undefined unsets a variable. `{dir}` is replaced here too. */
  env?: Record<string, string | undefined>;
  refusal: Refusal;
  /** Workflow IDs the input would have started, had it been accepted: each must not exist. */
  wouldStart?: string[];
}
