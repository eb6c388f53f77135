/** A failure of the local stack that a person can fix; its message says how. Printed without a stack trace. */
export class SetupError extends Error {
  override readonly name = 'SetupError';
}
