import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isUserArn } from '../../../activities/key-activities';
import {
  formatKeySecret,
  parseKeySecret,
  secretVersionToken,
  storedAccessKeyId,
} from '../../../activities/secret-value';

const KEY = {
  accessKeyId: 'AKIAEXAMPLEEXAMPLE01',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
};

describe('secret value', () => {
  test('is the JSON that consumers of the secret read', () => {
    const value = formatKeySecret(KEY);
    assert.deepEqual(JSON.parse(value), {
      AccessKeyId: KEY.accessKeyId,
      SecretAccessKey: KEY.secretAccessKey,
    });
    assert.deepEqual(parseKeySecret(value), KEY);
    assert.equal(storedAccessKeyId(value), KEY.accessKeyId);
  });

  test('anything else parses to undefined, never to an error that could quote it', () => {
    for (const value of [
      '',
      'not json',
      `{"AccessKeyId":"${KEY.accessKeyId}","SecretAccessKey":"${KEY.secretAccessKey}"`,
      'null',
      '[]',
      '"AKIA"',
      JSON.stringify({ AccessKeyId: KEY.accessKeyId }),
      JSON.stringify({ AccessKeyId: 1, SecretAccessKey: 'x' }),
      JSON.stringify({ AccessKeyId: '', SecretAccessKey: 'x' }),
      JSON.stringify({ accessKeyId: KEY.accessKeyId, secretAccessKey: KEY.secretAccessKey }),
    ]) {
      assert.equal(parseKeySecret(value), undefined, value);
      assert.equal(storedAccessKeyId(value), undefined, value);
    }
  });
});

describe('secretVersionToken', () => {
  const scope = {
    accountId: '111122223333',
    secretName: 'keywarden/111122223333/alice',
    accessKeyId: 'AKIA1',
  };

  test('is the same for the same key, so a retried PutSecretValue adds no version', () => {
    assert.equal(secretVersionToken(scope), secretVersionToken({ ...scope }));
  });

  test('is UUID-shaped (name-based, version 5) within the 32-64 characters Secrets Manager takes', () => {
    const token = secretVersionToken(scope);
    assert.match(token, /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.ok(token.length >= 32 && token.length <= 64);
  });

  test('differs per key, per secret and per account', () => {
    const tokens = new Set([
      secretVersionToken(scope),
      secretVersionToken({ ...scope, accessKeyId: 'AKIA2' }),
      secretVersionToken({ ...scope, secretName: 'keywarden/other' }),
      secretVersionToken({ ...scope, accountId: '444455556666' }),
    ]);
    assert.equal(tokens.size, 4);
  });
});

describe('isUserArn', () => {
  test('accepts the user, with or without an IAM path, in any partition', () => {
    assert.ok(isUserArn('arn:aws:iam::111122223333:user/alice.ops', '111122223333', 'alice.ops'));
    assert.ok(isUserArn('arn:aws:iam::111122223333:user/team/ops/alice.ops', '111122223333', 'alice.ops'));
    assert.ok(isUserArn('arn:aws-us-gov:iam::111122223333:user/alice.ops', '111122223333', 'alice.ops'));
  });

  test('refuses another user, another account, a role, or a name that only matches as a pattern', () => {
    assert.ok(!isUserArn('arn:aws:iam::111122223333:user/bob', '111122223333', 'alice.ops'));
    assert.ok(!isUserArn('arn:aws:iam::111122223333:user/xalice.ops', '111122223333', 'alice.ops'));
    assert.ok(!isUserArn('arn:aws:iam::444455556666:user/alice.ops', '111122223333', 'alice.ops'));
    assert.ok(!isUserArn('arn:aws:sts::111122223333:assumed-role/alice.ops/s', '111122223333', 'alice.ops'));
    assert.ok(!isUserArn('arn:aws:iam::111122223333:user/aliceXops', '111122223333', 'alice.ops'));
    assert.ok(!isUserArn('', '111122223333', 'alice.ops'));
  });
});
