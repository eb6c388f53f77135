import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { FromTemporaryCredentialsOptions } from '@aws-sdk/credential-providers';
import { ApplicationFailure } from '@temporalio/common';
import { roleSessionName } from '../../../domain/session-name';
import type { AwsCredentialIdentity } from '../../../activities/aws/aws-config';
import type { MemberRoleRef } from '../../../activities/aws/credentials';
import { MemberCredentials, memberCacheKey, memoizeCredentials } from '../../../activities/aws/credentials';

const base = { accessKeyId: 'AKIABASE', secretAccessKey: 'base-secret' };
const ref: MemberRoleRef = {
  accountId: '111111111111',
  roleName: 'OrganizationAccountAccessRole',
  sessionName: roleSessionName('campaign-1'),
};

function recordingFactory() {
  const calls: FromTemporaryCredentialsOptions[] = [];
  let issued = 0;
  const factory = (options: FromTemporaryCredentialsOptions) => {
    calls.push(options);
    return () =>
      Promise.resolve<AwsCredentialIdentity>({ accessKeyId: `ASIA${++issued}`, secretAccessKey: 's' });
  };
  return { calls, factory, issued: () => issued };
}

describe('MemberCredentials', () => {
  test('assumes arn:aws:iam::<account>:role/<role> with session name, ExternalId, 1h, region and endpoint', () => {
    const rec = recordingFactory();
    const creds = new MemberCredentials(
      {
        region: 'eu-west-1',
        endpoint: 'http://127.0.0.1:5000',
        baseCredentials: () => Promise.resolve(base),
      },
      { temporaryCredentials: rec.factory },
    );
    creds.provider({ ...ref, externalId: 'ext-123' });
    const [call] = rec.calls;
    assert.ok(call);
    assert.deepEqual(call.params, {
      RoleArn: 'arn:aws:iam::111111111111:role/OrganizationAccountAccessRole',
      RoleSessionName: 'keywarden-campaign-1',
      DurationSeconds: 3600,
      ExternalId: 'ext-123',
    });
    assert.equal(call.clientConfig?.region, 'eu-west-1');
    assert.equal(call.clientConfig?.endpoint, 'http://127.0.0.1:5000');
    assert.equal(call.masterCredentials, creds.base());
  });

  test('no ExternalId parameter when none is configured; no endpoint when unset', () => {
    const rec = recordingFactory();
    new MemberCredentials({ region: 'us-east-1' }, { temporaryCredentials: rec.factory }).provider(ref);
    assert.equal('ExternalId' in (rec.calls[0]?.params ?? {}), false);
    assert.equal(rec.calls[0]?.clientConfig?.endpoint, undefined);
  });

  test('one provider per (account, role, ExternalId, session name)', () => {
    const rec = recordingFactory();
    const creds = new MemberCredentials({ region: 'us-east-1' }, { temporaryCredentials: rec.factory });
    const first = creds.provider(ref);
    assert.equal(creds.provider({ ...ref }), first);
    assert.notEqual(creds.provider({ ...ref, accountId: '222222222222' }), first);
    assert.notEqual(creds.provider({ ...ref, roleName: 'Other' }), first);
    assert.notEqual(creds.provider({ ...ref, externalId: 'ext-1' }), first);
    assert.notEqual(creds.provider({ ...ref, sessionName: roleSessionName('campaign-2') }), first);
    assert.equal(creds.size, 5);
    assert.equal(rec.calls.length, 5);
  });

  test('cache keys cannot collide through separators', () => {
    assert.notEqual(
      memberCacheKey({ accountId: '111111111111', roleName: 'a', externalId: 'b,c', sessionName: 'dd' }),
      memberCacheKey({ accountId: '111111111111', roleName: 'a', externalId: 'b', sessionName: 'c,dd' }),
    );
    assert.notEqual(
      memberCacheKey({ ...ref, externalId: undefined }),
      memberCacheKey({ ...ref, externalId: 'null' }),
    );
  });

  test('invalid references are non-retryable InvalidSpec failures that never echo the ExternalId', () => {
    const creds = new MemberCredentials(
      { region: 'us-east-1' },
      { temporaryCredentials: recordingFactory().factory },
    );
    const bad: Array<[MemberRoleRef, RegExp]> = [
      [{ ...ref, accountId: '123' }, /account ID/],
      [{ ...ref, roleName: 'bad role!' }, /role name/],
      [{ ...ref, sessionName: 'has space' }, /session name/],
      [{ ...ref, externalId: 'x' }, /ExternalId/],
    ];
    for (const [r, message] of bad) {
      assert.throws(
        () => creds.provider(r),
        (err: unknown) =>
          err instanceof ApplicationFailure &&
          err.nonRetryable &&
          err.type === 'InvalidSpec' &&
          message.test(err.message),
      );
    }
    try {
      creds.provider({ ...ref, externalId: 'secret value with spaces' });
      assert.fail('should throw');
    } catch (err) {
      assert.ok(err instanceof Error && !err.message.includes('secret value'));
    }
  });

  test('a session name from roleSessionName is accepted even at 64 characters', () => {
    const creds = new MemberCredentials(
      { region: 'us-east-1' },
      { temporaryCredentials: recordingFactory().factory },
    );
    const long = roleSessionName('x'.repeat(200) + '/with spaces');
    assert.equal(long.length, 64);
    creds.provider({ ...ref, sessionName: long });
  });
});

describe('memoizeCredentials', () => {
  const at = (ms: number) => new Date(ms);

  test('reuses credentials until 5 minutes before expiry, then refreshes', async () => {
    let now = 0;
    let calls = 0;
    const provider = memoizeCredentials(
      () =>
        Promise.resolve({
          accessKeyId: `K${++calls}`,
          secretAccessKey: 's',
          expiration: at(now + 60 * 60 * 1000),
        }),
      { now: () => now },
    );
    assert.equal((await provider()).accessKeyId, 'K1');
    now = 54 * 60 * 1000;
    assert.equal((await provider()).accessKeyId, 'K1');
    now = 55 * 60 * 1000 + 1;
    assert.equal((await provider()).accessKeyId, 'K2');
    assert.equal(calls, 2);
  });

  test('concurrent callers share one refresh', async () => {
    let calls = 0;
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const provider = memoizeCredentials(async () => {
      calls++;
      await gate;
      return { accessKeyId: 'K', secretAccessKey: 's' };
    });
    const all = Promise.all([provider(), provider(), provider()]);
    release();
    assert.equal((await all).length, 3);
    assert.equal(calls, 1);
  });

  test('a failed refresh is not cached', async () => {
    let calls = 0;
    const provider = memoizeCredentials(() => {
      calls++;
      return calls === 1
        ? Promise.reject(new Error('sts down'))
        : Promise.resolve({ accessKeyId: 'K', secretAccessKey: 's' });
    });
    await assert.rejects(provider(), /sts down/);
    assert.equal((await provider()).accessKeyId, 'K');
    assert.equal(calls, 2);
  });

  test('the provider cached per member is memoized (one AssumeRole for many clients)', async () => {
    const rec = recordingFactory();
    const creds = new MemberCredentials({ region: 'us-east-1' }, { temporaryCredentials: rec.factory });
    const provider = creds.provider(ref);
    await Promise.all([provider(), provider(), creds.provider({ ...ref })()]);
    assert.equal(rec.issued(), 1);
  });
});
