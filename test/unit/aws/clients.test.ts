import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { FromTemporaryCredentialsOptions } from '@aws-sdk/credential-providers';
import { createServer } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { GetUserCommand } from '@aws-sdk/client-iam';
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
      aws.member({ ...ref, accountId: '222222222222' });
      aws.member({ ...ref, accountId: '333333333333' });
      assert.equal(aws.size, 2, 'two accounts of one client each (the others are built on first use)');
      assert.equal(credentials.size, 2);
      assert.notEqual(aws.member(ref).iam, first, 'an evicted account gets new clients');
    } finally {
      aws.destroy();
    }
  });

  test('every account and the management account share one keep-alive connection pool', async () => {
    const iam = await fakeIam();
    const aws = new AwsClients(
      { ...env, endpoint: iam.url },
      new MemberCredentials(env, { temporaryCredentials: fakeSts }),
    );
    try {
      for (const accountId of ['111111111111', '222222222222', '333333333333']) {
        const out = await aws.member({ ...ref, accountId }).iam.send(new GetUserCommand({ UserName: 'bob' }));
        assert.equal(out.User?.UserName, 'bob');
      }
      await aws.management().iam.send(new GetUserCommand({ UserName: 'bob' }));
      assert.equal(iam.requests(), 4);
      assert.equal(iam.connections(), 1, 'one TCP connection carried the calls of three accounts');
      const closed = iam.allClosed();
      aws.destroy();
      await closed;
    } finally {
      aws.destroy();
      await iam.close();
    }
  });

  test('an account evicted with a call in flight: the call completes, the pool stays open', async () => {
    const iam = await fakeIam();
    const aws = new AwsClients(
      { ...env, endpoint: iam.url },
      new MemberCredentials(env, { temporaryCredentials: fakeSts }),
      { maxMemberAccounts: 1 },
    );
    try {
      const held = iam.hold();
      const call = aws.member(ref).iam.send(new GetUserCommand({ UserName: 'bob' }));
      await held.arrived;
      // Evicts the first account while AWS has not answered its call yet.
      const other = aws.member({ ...ref, accountId: '222222222222' }).iam;
      held.answer();
      assert.equal((await call).User?.UserName, 'bob');
      await other.send(new GetUserCommand({ UserName: 'bob' }));
      assert.equal(iam.requests(), 2);
      assert.equal(iam.connections(), 1, 'the evicted account did not close the shared connection');
    } finally {
      aws.destroy();
      await iam.close();
    }
  });
});

const GET_USER_XML =
  '<GetUserResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><GetUserResult><User>' +
  '<Path>/</Path><UserName>bob</UserName><UserId>AIDAEXAMPLE</UserId>' +
  '<Arn>arn:aws:iam::111111111111:user/bob</Arn><CreateDate>2026-01-01T00:00:00Z</CreateDate>' +
  '</User></GetUserResult><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></GetUserResponse>';

/** A local HTTP server that answers every call as IAM GetUser, counting calls and connections. */
async function fakeIam() {
  let requests = 0;
  let hold: { arrived: () => void; release: Promise<void> } | undefined;
  const sockets = new Set<Socket>();
  let connections = 0;
  const server = createServer((req, res) => {
    requests += 1;
    req.resume();
    req.on('end', () => {
      const held = hold;
      hold = undefined;
      const answer = () => {
        res.writeHead(200, { 'content-type': 'text/xml' });
        res.end(GET_USER_XML);
      };
      if (held === undefined) return answer();
      held.arrived();
      void held.release.then(answer);
    });
  });
  server.on('connection', (socket: Socket) => {
    connections += 1;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests: () => requests,
    connections: () => connections,
    /** The next call waits for answer(); `arrived` resolves once the server has it. */
    hold() {
      let arrived: () => void = () => undefined;
      let answer: () => void = () => undefined;
      const arrivedPromise = new Promise<void>((resolve) => (arrived = resolve));
      const release = new Promise<void>((resolve) => (answer = resolve));
      hold = { arrived, release };
      return { arrived: arrivedPromise, answer };
    },
    /** Resolves once every connection the server has accepted is closed. */
    allClosed: () => Promise.all([...sockets].map((s) => new Promise((resolve) => s.once('close', resolve)))),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
