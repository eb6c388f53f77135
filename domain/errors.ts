/** ApplicationFailure `type` values shared by activities and workflows. */
export const ErrorType = {
  AccessDenied: 'AccessDenied',
  NoSuchEntity: 'NoSuchEntity',
  LimitExceeded: 'LimitExceeded',
  Validation: 'ValidationError',
  Throttled: 'Throttled',
  NotImplemented: 'NotImplemented',
  InvalidSpec: 'InvalidSpec',
} as const;

export type ErrorTypeName = (typeof ErrorType)[keyof typeof ErrorType];

/** Retrying cannot fix these: the item is reported as failed and the campaign moves on. Throttling is retried. */
export const NON_RETRYABLE_ERROR_TYPES: ErrorTypeName[] = [
  ErrorType.AccessDenied,
  ErrorType.NoSuchEntity,
  ErrorType.LimitExceeded,
  ErrorType.Validation,
  ErrorType.NotImplemented,
  ErrorType.InvalidSpec,
];
