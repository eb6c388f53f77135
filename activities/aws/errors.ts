import { ApplicationFailure } from '@temporalio/common';
import { ErrorType } from '../../domain/errors';

/**
 * Failure types for transient AWS trouble. They are retryable: Temporal's retry policy backs off.
 * (The non-retryable types are the domain's ErrorType names.)
 */
export const RetryableAwsErrorType = {
  Throttled: ErrorType.Throttled,
  ServiceUnavailable: 'ServiceUnavailable',
  Conflict: 'Conflict',
  ExpiredToken: 'ExpiredToken',
} as const;

const THROTTLING = new Set([
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'RequestThrottled',
  'RequestThrottledException',
  'RequestLimitExceeded',
  'TooManyRequestsException',
  'ProvisionedThroughputExceededException',
  'TransactionInProgressException',
  'SlowDown',
  'BandwidthLimitExceeded',
  'EC2ThrottledException',
  'PriorRequestNotComplete',
]);
const ACCESS_DENIED = new Set([
  'AccessDenied',
  'AccessDeniedException',
  'UnauthorizedOperation',
  'UnrecognizedClientException',
  'InvalidClientTokenId',
  'SignatureDoesNotMatch',
  'AuthFailure',
  'OptInRequired',
  'AWSOrganizationsNotInUseException',
]);
/** The codes that mean "this principal may not do this", as opposed to bad or unknown credentials. */
const NOT_PERMITTED = new Set(['AccessDenied', 'AccessDeniedException', 'UnauthorizedOperation']);
const EXPIRED = new Set(['ExpiredToken', 'ExpiredTokenException', 'RequestExpired']);
const NO_SUCH_ENTITY = new Set([
  'NoSuchEntity',
  'NoSuchEntityException',
  'ResourceNotFoundException',
  'AccountNotFoundException',
  'ParentNotFoundException',
  'OrganizationalUnitNotFoundException',
  'ChildNotFoundException',
]);
const LIMIT_EXCEEDED = new Set(['LimitExceeded', 'LimitExceededException']);
const VALIDATION = new Set([
  'ValidationError',
  'ValidationException',
  'InvalidInput',
  'InvalidInputException',
  'InvalidRequestException',
  'MalformedPolicyDocument',
  'MalformedPolicyDocumentException',
  'MissingParameter',
  'PasswordPolicyViolation',
  'PasswordPolicyViolationException',
]);
const CONFLICT = new Set([
  'ConcurrentModification',
  'ConcurrentModificationException',
  'EntityTemporarilyUnmodifiable',
  'EntityTemporarilyUnmodifiableException',
]);
const SERVER = new Set([
  'ServiceFailure',
  'ServiceFailureException',
  'InternalFailure',
  'InternalError',
  'InternalServiceError',
  'InternalServiceErrorException',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'ServiceException',
  'RequestTimeout',
  'RequestTimeoutException',
  'TimeoutError',
  'NetworkingError',
]);
const NOT_IMPLEMENTED = new Set(['NotImplemented', 'NotImplementedException', 'NotImplementedError']);
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'ENOTFOUND',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
]);

const SECRET_LIKE = /[A-Za-z0-9/+=]{40}/g;
const MAX_MESSAGE = 500;

/** Replaces anything shaped like a secret access key (or a chunk of a session token). */
export function redactSecrets(text: string): string {
  return text.replace(SECRET_LIKE, '[redacted]');
}

const OPERATION_PROPERTY = '$keywardenOperation';
// AWS: "User: arn:... is not authorized to perform: iam:UpdateAccessKey on resource: ...".
const ACTION_IN_MESSAGE = /perform:\s*([a-z0-9-]+:[A-Za-z0-9*]+)/;

/**
 * Records on an error which AWS operation threw it (as an IAM action, 'iam:UpdateAccessKey').
 * The first label wins: a member call whose AssumeRole failed keeps 'sts:AssumeRole'.
 */
export function labelOperation(err: unknown, operation: string): void {
  if (typeof err !== 'object' || err === null || OPERATION_PROPERTY in err) return;
  Object.defineProperty(err, OPERATION_PROPERTY, { value: operation, enumerable: false, configurable: true });
}

/** The IAM action an AccessDenied refused: as AWS names it in the message, else the operation that failed. */
export function deniedAction(err: unknown): string | undefined {
  const e = shape(err);
  const named = ACTION_IN_MESSAGE.exec(str(e.message) ?? '')?.[1];
  if (named !== undefined) return named;
  const label: unknown = (e as Record<string, unknown>)[OPERATION_PROPERTY];
  return typeof label === 'string' ? label : undefined;
}

interface ErrorShape {
  name?: unknown;
  Code?: unknown;
  code?: unknown;
  message?: unknown;
  $fault?: unknown;
  $metadata?: { httpStatusCode?: unknown; requestId?: unknown };
  $responseBodyText?: unknown;
}

function shape(err: unknown): ErrorShape {
  return typeof err === 'object' && err !== null ? err : {};
}

const str = (value: unknown): string | undefined =>
  typeof value === 'string' && value !== '' ? value : undefined;

/**
 * The AWS error code of an SDK v3 error: the wire code when the protocol has one
 * (IAM answers `NoSuchEntity`, while the SDK class name is `NoSuchEntityException`),
 * otherwise the exception name; a Node network error code (ECONNREFUSED) otherwise.
 */
export function awsErrorName(err: unknown): string {
  const e = shape(err);
  const name = str(e.name);
  const code = str(e.Code) ?? (name === undefined || name === 'Error' ? str(e.code) : undefined);
  return code ?? name ?? 'UnknownError';
}

/** True when the error carries one of these AWS codes (checks both the wire code and the class name). */
export function isAwsError(err: unknown, ...names: string[]): boolean {
  const e = shape(err);
  return names.some((n) => n === str(e.Code) || n === str(e.name) || n === str(e.code));
}

export function httpStatusOf(err: unknown): number | undefined {
  const status = shape(err).$metadata?.httpStatusCode;
  return typeof status === 'number' ? status : undefined;
}

function matches(err: unknown, set: ReadonlySet<string>): boolean {
  const e = shape(err);
  return [e.Code, e.name, e.code].some((n) => typeof n === 'string' && set.has(n));
}

/**
 * A 5xx whose body is not an AWS error document but a generic HTML error page: emulators
 * (moto) answer this way for an API they do not implement. AWS itself answers a 5xx with an
 * AWS error document, which stays retryable.
 */
function looksNotImplemented(err: unknown, message: string): boolean {
  if (matches(err, NOT_IMPLEMENTED)) return true;
  if (/not (yet )?been implemented|is not implemented/i.test(message)) return true;
  const e = shape(err);
  const body = str(e.$responseBodyText) ?? '';
  return httpStatusOf(err) === 500 && /<title>500 Internal Server Error<\/title>/i.test(body);
}

export interface ToActivityFailureOptions {
  /**
   * Codes to treat as retryable although they are normally final. For example, verifying a
   * brand-new key must retry InvalidClientTokenId while IAM is eventually consistent.
   */
  retryableNames?: readonly string[];
}

interface FailureDetails {
  awsErrorName: string;
  /** For AccessDenied: the IAM action that was refused. */
  missingPermission?: string;
  httpStatusCode?: number;
  requestId?: string;
}

/**
 * Turns any error from an AWS call into the ApplicationFailure an activity should throw:
 * throttling, 5xx, network trouble and conflicts are retryable; access, missing entities,
 * limits, validation and unimplemented APIs are final, typed with the domain's ErrorType.
 * The message is '<context>: <ErrorName>: <aws message>', never carries request parameters,
 * and has anything secret-shaped redacted. The original error is not attached as a cause.
 */
export function toActivityFailure(
  err: unknown,
  context: string,
  options: ToActivityFailureOptions = {},
): ApplicationFailure {
  if (err instanceof ApplicationFailure) return err;
  const e = shape(err);
  const name = awsErrorName(err);
  const status = httpStatusOf(err);
  let awsMessage = str(e.message) ?? '';
  if (/Deserialization error|XML parse error|Unexpected token/i.test(awsMessage)) {
    awsMessage = `HTTP ${status ?? '?'} with an unreadable response body`;
  }
  if (status !== undefined && !/HTTP \d{3}/.test(awsMessage)) awsMessage += ` (HTTP ${status})`;

  const details: FailureDetails = { awsErrorName: name };
  if (status !== undefined) details.httpStatusCode = status;
  const requestId = str(e.$metadata?.requestId);
  if (requestId !== undefined) details.requestId = requestId;

  const label = looksNotImplemented(err, str(e.message) ?? '') ? 'NotImplemented' : name;
  // The refused action comes first, so a long message cut at MAX_MESSAGE still names it.
  const refused = matches(err, NOT_PERMITTED) ? deniedAction(err) : undefined;
  if (refused !== undefined) details.missingPermission = refused;
  const why =
    refused === undefined
      ? label
      : `${label}: missing permission ${refused} (\`keywarden iam-policy\` prints what keywarden needs)`;
  const message = redactSecrets(`${context}: ${why}: ${awsMessage}`.trim()).slice(0, MAX_MESSAGE);

  const retryable = (type: string): ApplicationFailure =>
    ApplicationFailure.retryable(message, type, details);
  const final = (type: string): ApplicationFailure => ApplicationFailure.nonRetryable(message, type, details);

  if (options.retryableNames !== undefined && matches(err, new Set(options.retryableNames))) {
    return retryable(name);
  }
  if (label === 'NotImplemented') return final(ErrorType.NotImplemented);
  if (matches(err, THROTTLING) || status === 429) return retryable(RetryableAwsErrorType.Throttled);
  if (matches(err, EXPIRED)) return retryable(RetryableAwsErrorType.ExpiredToken);
  if (matches(err, ACCESS_DENIED)) return final(ErrorType.AccessDenied);
  if (matches(err, NO_SUCH_ENTITY)) return final(ErrorType.NoSuchEntity);
  if (matches(err, LIMIT_EXCEEDED)) return final(ErrorType.LimitExceeded);
  if (matches(err, VALIDATION) || /^InvalidParameter/.test(name)) return final(ErrorType.Validation);
  if (matches(err, CONFLICT)) return retryable(RetryableAwsErrorType.Conflict);
  if (matches(err, SERVER) || matches(err, NETWORK_CODES) || e.$fault === 'server' || (status ?? 0) >= 500) {
    return retryable(RetryableAwsErrorType.ServiceUnavailable);
  }
  if (e.$fault === 'client' || (status !== undefined && status >= 400)) {
    // Any other 4xx (EntityAlreadyExists, DeleteConflict, ...) will not fix itself by retrying.
    return final(name);
  }
  // Not an AWS answer at all (a bug, a credentials-chain problem): let Temporal retry it.
  return retryable(name);
}
