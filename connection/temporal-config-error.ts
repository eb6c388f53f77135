/** The Temporal connection settings are wrong; the message says which setting and how to fix it, never a credential. */
export class TemporalConfigError extends Error {
  override readonly name = 'TemporalConfigError';
}
