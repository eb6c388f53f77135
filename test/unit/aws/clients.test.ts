import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { FromTemporaryCredentialsOptions } from '@aws-sdk/credential-providers';
import { GetUserCommand, type GetUserCommandOutput } from '@aws-sdk/client-iam';
import {
  AwsClients,
  awsOperationName,
  IAM_RETRY,
  SDK_MAX_ATTEMPTS,
  type ObservedCommand,
} from '../../../activities/aws/clients';
import { deniedAction } from '../../../activities/aws/errors';
import { MemberCredentials } from '../../../activities/aws/credentials';

const env = {
  region: 'us-east-1',
  endpoint: 'http://127.0.0.1:5000',
  baseCredentials: () => Promise.resolve({ accessKeyId: 'A', secretAccessKey: 'B' }),
};
const fakeSts = (_: FromTemporaryCredentialsOptions) => () =>
  Promise.resolve({ accessKeyId: 'ASIA', secretAccessKey: 's' });
const ref = {
  accountId: '111111111111',
  roleName: 'OrganizationAccountAccessRole',
  sessionName: 'keywarden-c1',
};

/** The SDK's retry strategies carry their mode, though their types do not declare it. */
async function retryModeOf(client: { config: { retryStrategy(): Promise<object> } }): Promise<unknown> {
  const strategy = await client.config.retryStrategy();
  return (strategy as { mode?: unknown }).mode;
}

describe('AwsClients', () => {
  test('one client per (account/role, region, service), reused across calls', () => {
    const aws = new AwsClients(env, new MemberCredentials(env, { temporaryCredentials: fakeSts }));
    try {
      const m1 = aws.management();
      assert.equal(aws.management().iam, m1.iam);
      const a = aws.member(ref);
      assert.equal(aws.member({ ...ref }).iam, a.iam);
      assert.equal(aws.member({ ...ref }).secrets, a.secrets);
      assert.notEqual(a.iam, m1.iam);
      const b = aws.member({ ...ref, accountId: '222222222222' });
      assert.notEqual(b.iam, a.iam);
      // Member clients other than IAM are built on first use: IAM and Secrets Manager in a, IAM in b.
      assert.equal(aws.size, 3 + 2 + 1);
      assert.notEqual(b.sts, a.sts);
      assert.equal(aws.size, 3 + 3 + 2);
    } finally {
      aws.destroy();
    }
    assert.equal(aws.size, 0);
  });

  test('clients get the endpoint, the region and SDK retries capped at 2 attempts, IAM excepted', async () => {
    const aws = new AwsClients(env, new MemberCredentials(env, { temporaryCredentials: fakeSts }));
    try {
      const { iam, sts, secrets } = aws.member(ref);
      assert.equal(await iam.config.region(), 'us-east-1');
      for (const client of [sts, secrets, aws.management().organizations, aws.management().sts]) {
        assert.equal(await client.config.maxAttempts(), SDK_MAX_ATTEMPTS);
        assert.equal(await retryModeOf(client), 'standard');
      }
      // IAM throttles low: its clients retry throttling with the SDK's client-side rate limiting.
      for (const client of [iam, aws.management().iam]) {
        assert.equal(await client.config.maxAttempts(), IAM_RETRY.maxAttempts);
        assert.equal(await retryModeOf(client), 'adaptive');
      }
      assert.equal(SDK_MAX_ATTEMPTS, 2);
      assert.deepEqual(IAM_RETRY, { maxAttempts: 5, retryMode: 'adaptive' });
      const endpoint = await iam.config.endpoint?.();
      assert.equal(endpoint?.hostname, '127.0.0.1');
      assert.equal(endpoint?.port, 5000);
      const creds = await iam.config.credentials();
      assert.equal(creds.accessKeyId, 'ASIA');
    } finally {
      aws.destroy();
    }
  });

  test('clientForCredentials is never cached and signs with exactly the given key', async () => {
    const aws = new AwsClients(env);
    const key = { accessKeyId: 'AKIANEW', secretAccessKey: 'new-secret' };
    const one = aws.clientForCredentials(key);
    const two = aws.clientForCredentials(key);
    try {
      assert.notEqual(one, two);
      assert.equal(aws.size, 0);
      const creds = await one.config.credentials();
      assert.equal(creds.accessKeyId, 'AKIANEW');
      assert.equal(creds.secretAccessKey, 'new-secret');
      assert.equal(creds.sessionToken, undefined);
    } finally {
      one.destroy();
      two.destroy();
    }
  });

  test('every call is named as its IAM action, to the observer and on the error it throws', async () => {
    const seen: ObservedCommand[] = [];
    const aws = new AwsClients(env, new MemberCredentials(env, { temporaryCredentials: fakeSts }), {
      onCommand: (_service, _name, call) => seen.push(call),
    });
    try {
      const { iam } = aws.member(ref);
      // Stands in for AWS refusing the call, after keywarden's middleware has run.
      iam.middlewareStack.add(
        () => () => Promise.reject(Object.assign(new Error('Access Denied'), { name: 'AccessDenied' })),
        { step: 'finalizeRequest', name: 'refuse' },
      );
      const error: unknown = await iam.send(new GetUserCommand({ UserName: 'bob' })).catch((e: unknown) => e);
      assert.equal(deniedAction(error), 'iam:GetUser');
      assert.deepEqual(seen, [
        {
          service: 'iam',
          commandName: 'GetUserCommand',
          operation: 'iam:GetUser',
          account: ref.accountId,
          userName: 'bob',
        },
      ]);
      assert.equal(
        awsOperationName('secretsmanager', 'PutSecretValueCommand'),
        'secretsmanager:PutSecretValue',
      );
    } finally {
      aws.destroy();
    }
  });

  test('keeps the clients of the most recently used member accounts only, and credentials likewise', () => {
    const credentials = new MemberCredentials(env, { temporaryCredentials: fakeSts, maxCached: 2 });
    const aws = new AwsClients(env, credentials, { maxMemberAccounts: 2 });
    try {
      const first = aws.member(ref).iam;
      let destroyed = 0;
      const destroy = first.destroy.bind(first);
      first.destroy = () => {
        destroyed += 1;
        destroy();
      };
      aws.member({ ...ref, accountId: '222222222222' });
      aws.member({ ...ref, accountId: '333333333333' });
      assert.equal(aws.size, 2, 'two accounts of one client each (the others are built on first use)');
      assert.equal(credentials.size, 2);
      assert.equal(destroyed, 1, 'the evicted idle client closed its connections');
      assert.notEqual(aws.member(ref).iam, first, 'an evicted account gets new clients');
    } finally {
      aws.destroy();
    }
  });

  test('an evicted client is destroyed only once its calls in flight have finished', async () => {
    const aws = new AwsClients(env, new MemberCredentials(env, { temporaryCredentials: fakeSts }), {
      maxMemberAccounts: 1,
    });
    try {
      const { iam } = aws.member(ref);
      let destroyed = 0;
      const destroy = iam.destroy.bind(iam);
      iam.destroy = () => {
        destroyed += 1;
        destroy();
      };
      let answer: (value: { output: GetUserCommandOutput; response: unknown }) => void = () => undefined;
      // Stands in for AWS taking its time to answer: the call stays in flight until answered.
      iam.middlewareStack.add(
        () => () =>
          new Promise<{ output: GetUserCommandOutput; response: unknown }>((resolve) => {
            answer = resolve;
          }),
        { step: 'finalizeRequest', name: 'slowAws' },
      );
      const call = iam.send(new GetUserCommand({ UserName: 'bob' }));
      await new Promise((resolve) => setImmediate(resolve));
      aws.member({ ...ref, accountId: '222222222222' });
      assert.equal(destroyed, 0, 'not destroyed under a call in flight');
      answer({
        output: {
          $metadata: {},
          User: {
            UserName: 'bob',
            UserId: 'AIDA',
            Arn: 'arn:aws:iam::111111111111:user/bob',
            Path: '/',
            CreateDate: new Date(),
          },
        },
        response: {},
      });
      await call;
      assert.equal(destroyed, 1, 'destroyed once the call finished');
    } finally {
      aws.destroy();
    }
  });
});
