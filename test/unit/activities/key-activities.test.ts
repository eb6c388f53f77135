import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import {
  CreateAccessKeyCommand,
  DeleteAccessKeyCommand,
  GetAccessKeyLastUsedCommand,
  IAMClient,
  ListAccessKeysCommand,
} from '@aws-sdk/client-iam';
import {
  CreateSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import type { AwsEnvironment } from '../../../activities/aws/aws-config';
import type { AwsClients } from '../../../activities/aws/clients';
import type { MemberRoleRef } from '../../../activities/aws/credentials';
import { createKeyActivities } from '../../../activities/key-activities';
import { formatKeySecret, secretVersionToken } from '../../../activities/secret-value';

const TARGET: MemberRoleRef = {
  accountId: '111122223333',
  roleName: 'OrganizationAccountAccessRole',
  sessionName: 'keywarden-unit',
};
const USER = 'alice.ops';
const SECRET_NAME = 'keywarden/111122223333/alice.ops';
const OLD_KEY = 'AKIAOLDOLDOLDOLDOLD1';
const NEW_KEY = 'AKIANEWNEWNEWNEWNEW1';
const NEW_SECRET = 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYzzzNEWKEY1';
const CREDS = { accessKeyId: 'unit', secretAccessKey: 'unit' };

interface AwsErrorInit {
  name: string;
  message: string;
  status: number;
}

function awsError({ name, message, status }: AwsErrorInit): Error {
  return Object.assign(new Error(message), {
    name,
    $fault: status >= 500 ? 'server' : 'client',
    $metadata: { httpStatusCode: status },
  });
}

/** In-memory IAM and Secrets Manager of one account, behind real SDK client objects. */
class FakeAccount {
  keys = [OLD_KEY];
  calls: string[] = [];
  putTokens: Array<string | undefined> = [];
  putFailure: ((input: { SecretString?: string }) => Error) | undefined;
  deleteFailure: Error | undefined;
  versions: Record<string, string[]> | undefined;

  readonly iam = new IAMClient({ region: 'us-east-1', credentials: CREDS });
  readonly secrets = new SecretsManagerClient({ region: 'us-east-1', credentials: CREDS });

  constructor() {
    const iamSend = (command: unknown): Promise<unknown> =>
      Promise.resolve().then(() => this.iamCall(command));
    const secretsSend = (command: unknown): Promise<unknown> =>
      Promise.resolve().then(() => this.secretsCall(command));
    Object.assign(this.iam, { send: iamSend });
    Object.assign(this.secrets, { send: secretsSend });
  }

  private iamCall(command: unknown): unknown {
    if (command instanceof ListAccessKeysCommand) {
      this.calls.push('ListAccessKeys');
      return {
        AccessKeyMetadata: this.keys.map((id) => ({
          AccessKeyId: id,
          Status: 'Active',
          CreateDate: new Date(),
        })),
      };
    }
    if (command instanceof GetAccessKeyLastUsedCommand) {
      this.calls.push(`GetAccessKeyLastUsed ${command.input.AccessKeyId}`);
      return { AccessKeyLastUsed: { ServiceName: 'N/A', Region: 'N/A' } };
    }
    if (command instanceof CreateAccessKeyCommand) {
      this.calls.push('CreateAccessKey');
      this.keys.push(NEW_KEY);
      return {
        AccessKey: { AccessKeyId: NEW_KEY, SecretAccessKey: NEW_SECRET, UserName: USER, Status: 'Active' },
      };
    }
    if (command instanceof DeleteAccessKeyCommand) {
      const id = command.input.AccessKeyId ?? '';
      this.calls.push(`DeleteAccessKey ${id}`);
      if (this.deleteFailure !== undefined) throw this.deleteFailure;
      if (!this.keys.includes(id)) throw awsError({ name: 'NoSuchEntity', message: 'gone', status: 404 });
      this.keys = this.keys.filter((k) => k !== id);
      return {};
    }
    throw new Error(`unexpected IAM call ${String(command)}`);
  }

  private secretsCall(command: unknown): unknown {
    const notFound = () =>
      awsError({ name: 'ResourceNotFoundException', message: 'Secrets Manager cannot find it', status: 400 });
    if (command instanceof DescribeSecretCommand) {
      this.calls.push('DescribeSecret');
      if (this.versions === undefined) throw notFound();
      return {
        ARN: `arn:aws:secretsmanager:us-east-1:${TARGET.accountId}:secret:x`,
        VersionIdsToStages: this.versions,
      };
    }
    if (command instanceof GetSecretValueCommand) {
      this.calls.push('GetSecretValue');
      throw notFound();
    }
    if (command instanceof PutSecretValueCommand || command instanceof CreateSecretCommand) {
      const op = command instanceof PutSecretValueCommand ? 'PutSecretValue' : 'CreateSecret';
      this.calls.push(op);
      this.putTokens.push(command.input.ClientRequestToken);
      if (this.putFailure !== undefined) throw this.putFailure(command.input);
      if (op === 'PutSecretValue' && this.versions === undefined) throw notFound();
      const versionId = command.input.ClientRequestToken ?? 'generated';
      this.versions = { [versionId]: ['AWSCURRENT'] };
      return { ARN: `arn:aws:secretsmanager:us-east-1:${TARGET.accountId}:secret:x`, VersionId: versionId };
    }
    throw new Error(`unexpected Secrets Manager call ${String(command)}`);
  }

  deps(env: AwsEnvironment = { region: 'us-east-1' }) {
    const aws = { env, member: () => ({ iam: this.iam, secrets: this.secrets }) } as unknown as AwsClients;
    return { aws };
  }
}

const failureOf = async (promise: Promise<unknown>): Promise<ApplicationFailure> => {
  const error = await promise.then(
    () => assert.fail('expected a failure'),
    (e: unknown) => e,
  );
  assert.ok(error instanceof ApplicationFailure, String(error));
  const everything = `${error.message} ${JSON.stringify(error.details ?? [])} ${error.stack ?? ''} ${String(error.cause)}`;
  assert.ok(!everything.includes(NEW_SECRET), 'the failure carries the secret access key');
  return error;
};

const silent = { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} };
/** Runs an activity with Context.current() available (attempt 1), as the worker would. */
const inActivity = <I, R>(fn: (input: I) => Promise<R>, arg: I): Promise<R> =>
  new MockActivityEnvironment({ attempt: 1 }, { logger: silent }).run(fn, arg);
const input = { target: TARGET, userName: USER, knownAccessKeyIds: [OLD_KEY], secretName: SECRET_NAME };

describe('createAndStoreKey (fake AWS)', () => {
  test('stores under a ClientRequestToken derived from the new key, and records the previous version', async () => {
    const account = new FakeAccount();
    account.versions = { 'v-old': ['AWSCURRENT'], 'v-older': ['AWSPREVIOUS'] };
    const activities = createKeyActivities(account.deps());
    const result = await inActivity((i: typeof input) => activities.createAndStoreKey(i), input);
    const token = secretVersionToken({
      accountId: TARGET.accountId,
      secretName: SECRET_NAME,
      accessKeyId: NEW_KEY,
    });
    assert.deepEqual(account.putTokens, [token]);
    assert.deepEqual(result, {
      accessKeyId: NEW_KEY,
      secretArn: `arn:aws:secretsmanager:us-east-1:${TARGET.accountId}:secret:x`,
      versionId: token,
      previousVersionId: 'v-old',
      secretCreated: false,
    });
  });

  test('a store that fails deletes the new key, and the failure never quotes the secret', async () => {
    const account = new FakeAccount();
    // A (hypothetical) service error that echoes the request body back.
    account.putFailure = (req) =>
      awsError({
        name: 'InvalidRequestException',
        message: `bad SecretString ${req.SecretString ?? ''}`,
        status: 400,
      });
    const activities = createKeyActivities(account.deps());
    const failure = await failureOf(inActivity((i: typeof input) => activities.createAndStoreKey(i), input));
    assert.equal(failure.type, 'ValidationError');
    assert.equal(failure.nonRetryable, true);
    assert.match(
      failure.message,
      /^storing the new key AKIANEWNEWNEWNEWNEW1 of user alice\.ops .*\[redacted\]/,
    );
    assert.deepEqual(account.keys, [OLD_KEY], 'the key nobody can use was deleted');
    assert.ok(account.calls.includes(`DeleteAccessKey ${NEW_KEY}`));
  });

  test('when the cleanup delete fails too, the store error is what is reported (retryable 5xx)', async () => {
    const account = new FakeAccount();
    account.putFailure = () => awsError({ name: 'InternalServiceError', message: 'try later', status: 500 });
    account.deleteFailure = awsError({ name: 'ServiceFailure', message: 'IAM is down', status: 500 });
    const activities = createKeyActivities(account.deps());
    const failure = await failureOf(inActivity((i: typeof input) => activities.createAndStoreKey(i), input));
    assert.equal(failure.nonRetryable, false);
    assert.match(failure.message, /InternalServiceError: try later/);
    assert.deepEqual(account.keys, [OLD_KEY, NEW_KEY], 'the orphan is left for the next attempt to delete');
  });

  test('an unused key the workflow did not know is deleted before a new one is made', async () => {
    const account = new FakeAccount();
    account.keys = [OLD_KEY, 'AKIAORPHANORPHAN0001'];
    const activities = createKeyActivities(account.deps());
    const result = await inActivity((i: typeof input) => activities.createAndStoreKey(i), input);
    assert.equal(result.accessKeyId, NEW_KEY);
    assert.equal(result.secretCreated, true);
    assert.deepEqual(account.keys, [OLD_KEY, NEW_KEY]);
    const order = account.calls.filter((c) => /DeleteAccessKey|CreateAccessKey/.test(c));
    assert.deepEqual(order, ['DeleteAccessKey AKIAORPHANORPHAN0001', 'CreateAccessKey']);
  });
});

describe('verifyAccessKey (fake STS endpoint)', () => {
  let server: Server;
  let endpoint: string;
  let stsAnswer: { status: number; body: string };
  const seen: IncomingHttpHeaders[] = [];

  const stsError = (code: string) => ({
    status: 403,
    body:
      '<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type>' +
      `<Code>${code}</Code><Message>The security token included in the request is invalid.</Message>` +
      '</Error><RequestId>req-1</RequestId></ErrorResponse>',
  });
  const stsIdentity = (arn: string, account: string) => ({
    status: 200,
    body:
      '<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult>' +
      `<Arn>${arn}</Arn><UserId>AIDAEXAMPLE</UserId><Account>${account}</Account>` +
      '</GetCallerIdentityResult><ResponseMetadata><RequestId>req-2</RequestId></ResponseMetadata>' +
      '</GetCallerIdentityResponse>',
  });

  before(async () => {
    server = createServer((req, res) => {
      seen.push(req.headers);
      req.resume();
      req.on('end', () => {
        res.writeHead(stsAnswer.status, { 'content-type': 'text/xml' });
        res.end(stsAnswer.body);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  /** A secrets client whose AWSCURRENT value holds the new key. */
  const activities = () => {
    const account = new FakeAccount();
    Object.assign(account.secrets, {
      send: (command: unknown) =>
        command instanceof GetSecretValueCommand
          ? Promise.resolve({
              VersionId: 'v1',
              SecretString: formatKeySecret({ accessKeyId: NEW_KEY, secretAccessKey: NEW_SECRET }),
            })
          : Promise.reject(new Error('unexpected call')),
    });
    return createKeyActivities(account.deps({ region: 'us-east-1', endpoint }));
  };
  const verifyInput = { target: TARGET, userName: USER, accessKeyId: NEW_KEY, secretName: SECRET_NAME };

  test('signs GetCallerIdentity with the stored key and returns the identity', async () => {
    stsAnswer = stsIdentity(`arn:aws:iam::${TARGET.accountId}:user/${USER}`, TARGET.accountId);
    seen.length = 0;
    const identity = await activities().verifyAccessKey(verifyInput);
    assert.deepEqual(identity, {
      arn: `arn:aws:iam::${TARGET.accountId}:user/${USER}`,
      account: TARGET.accountId,
    });
    assert.match(String(seen[0]?.authorization), new RegExp(`Credential=${NEW_KEY}/`));
  });

  for (const code of ['InvalidClientTokenId', 'SignatureDoesNotMatch']) {
    test(`${code} (IAM not consistent yet) is retryable`, async () => {
      stsAnswer = stsError(code);
      const failure = await failureOf(activities().verifyAccessKey(verifyInput));
      assert.equal(failure.nonRetryable, false);
      assert.equal(failure.type, code);
      assert.match(failure.message, new RegExp(`^verifying key ${NEW_KEY} of user alice\\.ops .*: ${code}:`));
    });
  }

  test('AccessDenied stays non-retryable', async () => {
    stsAnswer = stsError('AccessDenied');
    const failure = await failureOf(activities().verifyAccessKey(verifyInput));
    assert.equal(failure.nonRetryable, true);
    assert.equal(failure.type, 'AccessDenied');
  });

  test('a key of another account is refused', async () => {
    stsAnswer = stsIdentity(`arn:aws:iam::444455556666:user/${USER}`, '444455556666');
    const failure = await failureOf(activities().verifyAccessKey(verifyInput));
    assert.equal(failure.nonRetryable, true);
    assert.equal(failure.type, 'WrongIdentity');
  });
});
