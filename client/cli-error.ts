/** An error for the person at the terminal: printed as one line, no stack trace. */
export class CliError extends Error {
  override readonly name = 'CliError';
  constructor(
    message: string,
    readonly exitCode: 1 | 2 = 1,
  ) {
    super(message);
  }
}

/** Exit code 2: the input was wrong (a bad spec file, an unknown ID); nothing was started. */
export class UsageError extends CliError {
  constructor(message: string) {
    super(message, 2);
  }
}
