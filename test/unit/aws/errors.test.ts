import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { NoSuchEntityException } from '@aws-sdk/client-iam';
import { ResourceNotFoundException } from '@aws-sdk/client-secrets-manager';
import { ApplicationFailure } from '@temporalio/common';
import { ErrorType, NON_RETRYABLE_ERROR_TYPES } from '../../../domain/errors';
import {
  awsErrorName,
  deniedAction,
  isAwsError,
  labelOperation,
  redactSecrets,
  toActivityFailure,
} from '../../../activities/aws/errors';

/** An error shaped like what SDK v3 throws after deserializing an AWS error response. */
function awsError(
  code: string,
  message: string,
  status: number,
  fault: 'client' | 'server' = status >= 500 ? 'server' : 'client',
) {
  return Object.assign(new Error(message), {
    name: code,
    Code: code,
    $fault: fault,
    $metadata: { httpStatusCode: status, requestId: 'req-1' },
  });
}

const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';

describe('awsErrorName', () => {
  test('prefers the wire code over the SDK class name', () => {
    const err = Object.assign(new NoSuchEntityException({ message: 'gone', $metadata: {} }), {
      Code: 'NoSuchEntity',
    });
    assert.equal(awsErrorName(err), 'NoSuchEntity');
    assert.ok(isAwsError(err, 'NoSuchEntityException'));
    assert.ok(isAwsError(err, 'NoSuchEntity'));
  });

  test('falls back to the class name, then to a Node network code', () => {
    assert.equal(
      awsErrorName(new ResourceNotFoundException({ message: 'x', $metadata: {} })),
      'ResourceNotFoundException',
    );
    assert.equal(awsErrorName(Object.assign(new Error('connect'), { code: 'ECONNREFUSED' })), 'ECONNREFUSED');
    assert.equal(awsErrorName('a string'), 'UnknownError');
    assert.equal(awsErrorName(undefined), 'UnknownError');
  });
});

describe('toActivityFailure', () => {
  const cases: Array<[string, unknown, string, boolean]> = [
    ['IAM throttling', awsError('Throttling', 'Rate exceeded', 400), ErrorType.Throttled, false],
    [
      'Organizations throttling',
      awsError('TooManyRequestsException', 'slow down', 400),
      ErrorType.Throttled,
      false,
    ],
    ['EC2-style throttling', awsError('RequestLimitExceeded', 'slow down', 503), ErrorType.Throttled, false],
    [
      'a bare 429',
      { $metadata: { httpStatusCode: 429 }, name: 'Unknown', message: '' },
      ErrorType.Throttled,
      false,
    ],
    ['IAM 500', awsError('ServiceFailure', 'oops', 500), 'ServiceUnavailable', false],
    [
      'a 503 without a code',
      { $metadata: { httpStatusCode: 503 }, $fault: 'server', name: 'Unknown', message: 'x' },
      'ServiceUnavailable',
      false,
    ],
    [
      'connection refused',
      Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }),
      'ServiceUnavailable',
      false,
    ],
    [
      'a socket timeout',
      Object.assign(new Error('timed out'), { name: 'TimeoutError' }),
      'ServiceUnavailable',
      false,
    ],
    ['IAM concurrent modification', awsError('ConcurrentModification', 'busy', 409), 'Conflict', false],
    ['an expired session', awsError('ExpiredToken', 'expired', 403), 'ExpiredToken', false],
    ['AccessDenied', awsError('AccessDenied', 'not authorized', 403), ErrorType.AccessDenied, true],
    ['AccessDeniedException', awsError('AccessDeniedException', 'no', 400), ErrorType.AccessDenied, true],
    ['UnauthorizedOperation', awsError('UnauthorizedOperation', 'no', 403), ErrorType.AccessDenied, true],
    [
      'InvalidClientTokenId',
      awsError('InvalidClientTokenId', 'bad token', 403),
      ErrorType.AccessDenied,
      true,
    ],
    [
      'NoSuchEntity',
      awsError('NoSuchEntity', 'The user with name bob cannot be found.', 404),
      ErrorType.NoSuchEntity,
      true,
    ],
    [
      'ResourceNotFoundException',
      awsError('ResourceNotFoundException', 'no secret', 400),
      ErrorType.NoSuchEntity,
      true,
    ],
    [
      'LimitExceeded',
      awsError('LimitExceeded', 'Cannot exceed quota for AccessKeysPerUser: 2', 409),
      ErrorType.LimitExceeded,
      true,
    ],
    ['ValidationError', awsError('ValidationError', 'bad', 400), ErrorType.Validation, true],
    ['InvalidParameterValue', awsError('InvalidParameterValue', 'bad', 400), ErrorType.Validation, true],
    [
      'InvalidParameterException',
      awsError('InvalidParameterException', 'bad', 400),
      ErrorType.Validation,
      true,
    ],
    [
      'MalformedPolicyDocument',
      awsError('MalformedPolicyDocument', 'bad json', 400),
      ErrorType.Validation,
      true,
    ],
    ['NotImplemented code', awsError('NotImplemented', 'nope', 500), ErrorType.NotImplemented, true],
    [
      'a "not yet been implemented" 500',
      awsError('InternalFailure', 'The x action has not yet been implemented', 500),
      ErrorType.NotImplemented,
      true,
    ],
    ['another 4xx', awsError('EntityAlreadyExists', 'exists', 409), 'EntityAlreadyExists', true],
  ];
  for (const [label, err, type, nonRetryable] of cases) {
    test(`${label} → ${nonRetryable ? 'final' : 'retryable'} ${type}`, () => {
      const failure = toActivityFailure(err, 'ctx');
      assert.ok(failure instanceof ApplicationFailure);
      assert.equal(failure.type, type);
      assert.equal(failure.nonRetryable, nonRetryable);
    });
  }

  test('every final domain type it produces is in NON_RETRYABLE_ERROR_TYPES', () => {
    for (const [, err, type, nonRetryable] of cases) {
      if (nonRetryable && Object.values(ErrorType).includes(type as never)) {
        assert.ok((NON_RETRYABLE_ERROR_TYPES as string[]).includes(type), type);
      }
      void err;
    }
  });

  test("moto's HTML 500 for an unimplemented API is NotImplemented, with a short message", () => {
    const err = Object.assign(
      new Error(
        '@aws-sdk XML parse error: mismatched tags <html> and </title>.\n  Deserialization error: to see the raw response, inspect the hidden field {error}.$response on this object.',
      ),
      {
        $metadata: { httpStatusCode: 500 },
        $responseBodyText:
          '<!doctype html>\n<html lang=en>\n<title>500 Internal Server Error</title>\n<h1>Internal Server Error</h1>',
      },
    );
    const failure = toActivityFailure(err, 'listing service-specific credentials of bob');
    assert.equal(failure.type, ErrorType.NotImplemented);
    assert.equal(failure.nonRetryable, true);
    assert.equal(
      failure.message,
      'listing service-specific credentials of bob: NotImplemented: HTTP 500 with an unreadable response body',
    );
  });

  test("the message is '<context>: <ErrorName>: <aws message> (HTTP n)' and carries no cause", () => {
    const failure = toActivityFailure(
      awsError('NoSuchEntity', 'The user with name bob cannot be found.', 404),
      'reading bob',
    );
    assert.equal(
      failure.message,
      'reading bob: NoSuchEntity: The user with name bob cannot be found. (HTTP 404)',
    );
    assert.equal(failure.cause, undefined);
    assert.deepEqual(failure.details, [
      { awsErrorName: 'NoSuchEntity', httpStatusCode: 404, requestId: 'req-1' },
    ]);
  });

  test('anything shaped like a secret access key is redacted, in the AWS message and in the context', () => {
    const err = awsError('ValidationError', `Value ${SECRET} at 'secret' failed`, 400);
    const failure = toActivityFailure(err, `storing ${SECRET}`);
    assert.ok(!failure.message.includes(SECRET), failure.message);
    assert.ok(!JSON.stringify(failure.details).includes(SECRET));
    assert.match(failure.message, /\[redacted\]/);
  });

  test('a long session token is redacted all along', () => {
    const token = 'FwoGZXIvYXdzEJr//////////wEaDM' + 'A'.repeat(300) + 'xyz=';
    const out = redactSecrets(`token=${token}`);
    assert.ok(!/[A-Za-z0-9/+=]{40}/.test(out), out);
  });

  test('the message is bounded', () => {
    const failure = toActivityFailure(awsError('ValidationError', 'x '.repeat(2000), 400), 'ctx');
    assert.ok(failure.message.length <= 500);
  });

  test('an ApplicationFailure passes through unchanged', () => {
    const original = ApplicationFailure.nonRetryable('already classified', ErrorType.InvalidSpec);
    assert.equal(toActivityFailure(original, 'ctx'), original);
  });

  test('retryableNames turns a normally final code retryable (a new key propagating through IAM)', () => {
    const failure = toActivityFailure(
      awsError('InvalidClientTokenId', 'The security token included in the request is invalid.', 403),
      'verifying',
      {
        retryableNames: ['InvalidClientTokenId'],
      },
    );
    assert.equal(failure.nonRetryable, false);
    assert.equal(failure.type, 'InvalidClientTokenId');
  });

  test('a non-AWS error stays retryable, typed by its name', () => {
    const failure = toActivityFailure(new TypeError('boom'), 'ctx');
    assert.equal(failure.nonRetryable, false);
    assert.equal(failure.type, 'TypeError');
    assert.equal(failure.message, 'ctx: TypeError: boom');
  });
});

describe('an AccessDenied names the permission that is missing', () => {
  const denied = (message: string) => awsError('AccessDenied', message, 403);

  test('as AWS names it in the message', () => {
    const failure = toActivityFailure(
      denied(
        'User: arn:aws:sts::111111111111:assumed-role/KeywardenMemberRole/keywarden-c1 is not authorized ' +
          'to perform: iam:UpdateAccessKey on resource: user bob because no identity-based policy allows it',
      ),
      'setting key AKIA1 of user bob in account 111111111111 to Inactive',
    );
    assert.equal(failure.type, ErrorType.AccessDenied);
    assert.match(
      failure.message,
      /^setting key AKIA1 of user bob in account 111111111111 to Inactive: AccessDenied: missing permission iam:UpdateAccessKey \(`keywarden iam-policy`/,
    );
    assert.deepEqual(
      (failure.details?.[0] as { missingPermission?: string }).missingPermission,
      'iam:UpdateAccessKey',
    );
  });

  test('as the failed call was labelled, when the message does not say', () => {
    const err = denied('Access Denied');
    labelOperation(err, 'secretsmanager:GetSecretValue');
    labelOperation(err, 'iam:ListUsers'); // an outer call does not relabel it
    assert.equal(deniedAction(err), 'secretsmanager:GetSecretValue');
    assert.match(
      toActivityFailure(err, 'reading').message,
      /missing permission secretsmanager:GetSecretValue/,
    );
  });

  test('before anything long, so a message cut to length still names it; secrets stay redacted', () => {
    const err = denied(`not authorized to perform: sts:AssumeRole ${'x'.repeat(600)} ${SECRET}`);
    const failure = toActivityFailure(err, 'c'.repeat(300));
    assert.ok(failure.message.length <= 500);
    assert.match(failure.message, /missing permission sts:AssumeRole/);
    assert.ok(!failure.message.includes(SECRET));
  });

  test('bad credentials are not a missing permission', () => {
    const err = awsError(
      'InvalidClientTokenId',
      'The security token included in the request is invalid',
      403,
    );
    labelOperation(err, 'iam:ListUsers');
    const failure = toActivityFailure(err, 'listing');
    assert.equal(failure.type, ErrorType.AccessDenied);
    assert.doesNotMatch(failure.message, /missing permission/);
  });
});
