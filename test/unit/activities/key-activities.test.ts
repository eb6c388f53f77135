import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import {
  CreateAccessKeyCommand,
  DeleteAccessKeyCommand,
  GetAccessKeyLastUsedCommand,
  GetUserCommand,
  GetUserPolicyCommand,
  IAMClient,
  ListAccessKeysCommand,
  ListUserPoliciesCommand,
  TagUserCommand,
  ListUserTagsCommand,
  UntagUserCommand,
} from '@aws-sdk/client-iam';
import {
  CreateSecretCommand,
  DeleteSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import type { Info } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import type { AwsEnvironment } from '../../../activities/aws/aws-config';
import type { AwsClients } from '../../../activities/aws/clients';
import type { MemberRoleRef } from '../../../activities/aws/credentials';
import {
  createKeyActivities,
  type CreateAndStageKeyInput,
  type CreateAndStageKeyResult,
  type CreateKeyProgress,
  type DiscardNewKeyInput,
  type StagedKeyInput,
} from '../../../activities/key-activities';
import { CREATING_TAG } from '../../../activities/creation-mark';
import { CONTAINMENT_POLICY_DOCUMENT } from '../../../activities/offboarding-policy';
import { formatKeySecret, secretVersionToken } from '../../../activities/secret-value';

const TARGET: MemberRoleRef = {
  accountId: '111122223333',
  roleName: 'OrganizationAccountAccessRole',
  sessionName: 'keywarden-unit',
};
const USER = 'alice.ops';
const SECRET_NAME = 'keywarden/111122223333/alice.ops';
const SECRET_ARN = `arn:aws:secretsmanager:us-east-1:${TARGET.accountId}:secret:x`;
const OLD_KEY = 'AKIAOLDOLDOLDOLDOLD1';
const OLD_SECRET = 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYzzzOLDKEY1';
const NEW_KEY = 'AKIANEWNEWNEWNEWNEW1';
const NEW_SECRET = 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYzzzNEWKEY1';
const NEW_KEY_2 = 'AKIANEWNEWNEWNEWNEW2';
const NEW_SECRET_2 = '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';
/** Keys someone made outside keywarden (the owner, in the console, say). */
const OTHER_KEY = 'AKIAOTHEROTHEROTHER1';
const OTHER_SECRET = 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYzzOTHERKEY';
const ALL_SECRETS = [OLD_SECRET, NEW_SECRET, NEW_SECRET_2, OTHER_SECRET];
const SECRET_OF: Record<string, string> = {
  [OLD_KEY]: OLD_SECRET,
  [NEW_KEY]: NEW_SECRET,
  [NEW_KEY_2]: NEW_SECRET_2,
  [OTHER_KEY]: OTHER_SECRET,
};
const CREDS = { accessKeyId: 'unit', secretAccessKey: 'unit' };
const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;

const CURRENT = 'AWSCURRENT';
const PREVIOUS = 'AWSPREVIOUS';
const PENDING = 'AWSPENDING';
const OLD_VERSION = 'v-old-0000-0000-0000-000000000000';
const OLDER_VERSION = 'v-older-000-0000-0000-000000000000';

const tokenFor = (accessKeyId: string) =>
  secretVersionToken({ accountId: TARGET.accountId, secretName: SECRET_NAME, accessKeyId });
const valueOf = (accessKeyId: string) =>
  formatKeySecret({ accessKeyId, secretAccessKey: SECRET_OF[accessKeyId] ?? 'unknown-secret' });

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

interface FakeKey {
  id: string;
  status: 'Active' | 'Inactive';
  createDate: Date;
  lastUsed?: Date;
}

interface FakeVersion {
  value: string;
  stages: string[];
}

/**
 * In-memory IAM and Secrets Manager of one account, behind real SDK client objects. Secrets
 * Manager follows AWS's staging-label rules: moving AWSCURRENT makes the old current AWSPREVIOUS,
 * a label already on another version must be named in RemoveFromVersionId, DescribeSecret lists
 * only versions that carry a label, and a ClientRequestToken is idempotent for the same value.
 */
class FakeAccount {
  userExists = true;
  keys: FakeKey[] = [
    { id: OLD_KEY, status: 'Active', createDate: new Date(Date.now() - 100 * DAY_MS), lastUsed: new Date() },
  ];
  /** The IDs CreateAccessKey hands out, in order. */
  nextKeyIds = [NEW_KEY, NEW_KEY_2];
  /** Inline policies by name, each as IAM returns its document: URL-encoded. */
  inlinePolicies: Record<string, string> = {};
  calls: string[] = [];
  /** User tags, as TagUser and UntagUser leave them. */
  tags: Record<string, string> = {};
  putTokens: Array<string | undefined> = [];
  putFailure: ((input: { SecretString?: string }) => Error) | undefined;
  deleteFailure: Error | undefined;
  /** When set, every IAM call fails with it. */
  iamFailure: Error | undefined;
  /**
   * When set, CreateAccessKey's first answer is lost and the SDK sends it again: IAM makes a key
   * for the lost try, then answers the second as IAM would (LimitExceeded for a full user).
   */
  createAnswerLost = false;
  /** IAM's clock: CreateDate of a new key, which IAM gives in whole seconds. */
  now = (): Date => new Date();
  secret: Record<string, FakeVersion> | undefined;

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

  get keyIds(): string[] {
    return this.keys.map((k) => k.id);
  }

  /** An existing secret: AWSCURRENT holds the old key, and an older version is AWSPREVIOUS. */
  withExistingSecret(): this {
    this.secret = {
      [OLD_VERSION]: { value: valueOf(OLD_KEY), stages: [CURRENT] },
      [OLDER_VERSION]: {
        value: formatKeySecret({ accessKeyId: 'AKIAOLDEROLDEROLDER1', secretAccessKey: 'x'.repeat(12) }),
        stages: [PREVIOUS],
      },
    };
    return this;
  }

  /** The labels of every version that carries one, each sorted. */
  stages(): Record<string, string[]> {
    return Object.fromEntries(
      Object.entries(this.secret ?? {})
        .filter(([, v]) => v.stages.length > 0)
        .map(([id, v]) => [id, [...v.stages].sort()]),
    );
  }

  holderOf(stage: string): string | undefined {
    return Object.entries(this.secret ?? {}).find(([, v]) => v.stages.includes(stage))?.[0];
  }

  private iamCall(command: unknown): unknown {
    const noUser = () =>
      awsError({ name: 'NoSuchEntity', message: `The user with name ${USER} cannot be found.`, status: 404 });
    if (this.iamFailure !== undefined) {
      this.calls.push(`IAM ${(command as object).constructor.name}`);
      throw this.iamFailure;
    }
    if (command instanceof GetUserCommand) {
      this.calls.push('GetUser');
      if (!this.userExists) throw noUser();
      return {
        User: {
          UserName: USER,
          UserId: 'AIDAEXAMPLE',
          Arn: `arn:aws:iam::${TARGET.accountId}:user/${USER}`,
          Path: '/',
          CreateDate: new Date(Date.now() - 400 * DAY_MS),
        },
      };
    }
    if (command instanceof ListAccessKeysCommand) {
      this.calls.push('ListAccessKeys');
      if (!this.userExists) throw noUser();
      return {
        AccessKeyMetadata: this.keys.map((k) => ({
          UserName: USER,
          AccessKeyId: k.id,
          Status: k.status,
          CreateDate: k.createDate,
        })),
        IsTruncated: false,
      };
    }
    if (command instanceof GetAccessKeyLastUsedCommand) {
      const id = command.input.AccessKeyId ?? '';
      this.calls.push(`GetAccessKeyLastUsed ${id}`);
      const used = this.keys.find((k) => k.id === id)?.lastUsed;
      return {
        UserName: USER,
        AccessKeyLastUsed:
          used === undefined
            ? { ServiceName: 'N/A', Region: 'N/A' }
            : { LastUsedDate: used, ServiceName: 'ec2', Region: 'eu-west-1' },
      };
    }
    if (command instanceof CreateAccessKeyCommand) {
      this.calls.push('CreateAccessKey');
      if (this.keys.length >= 2) {
        throw awsError({
          name: 'LimitExceeded',
          message: 'Cannot exceed quota for AccessKeysPerUser: 2',
          status: 409,
        });
      }
      const createDate = new Date(Math.floor(this.now().getTime() / 1000) * 1000);
      const make = (): string => {
        const id = this.nextKeyIds.shift();
        assert.ok(id, 'the test gave CreateAccessKey enough key IDs');
        this.keys.push({ id, status: 'Active', createDate });
        return id;
      };
      let attempts = 1;
      if (this.createAnswerLost) {
        this.createAnswerLost = false;
        make();
        attempts = 2;
        if (this.keys.length >= 2) {
          throw Object.assign(
            awsError({
              name: 'LimitExceeded',
              message: 'Cannot exceed quota for AccessKeysPerUser: 2',
              status: 409,
            }),
            { $metadata: { httpStatusCode: 409, attempts } },
          );
        }
      }
      const id = make();
      return {
        AccessKey: { AccessKeyId: id, SecretAccessKey: SECRET_OF[id], UserName: USER, Status: 'Active' },
        $metadata: { httpStatusCode: 200, attempts },
      };
    }
    if (command instanceof DeleteAccessKeyCommand) {
      const id = command.input.AccessKeyId ?? '';
      this.calls.push(`DeleteAccessKey ${id}`);
      if (this.deleteFailure !== undefined) throw this.deleteFailure;
      if (!this.keyIds.includes(id)) throw awsError({ name: 'NoSuchEntity', message: 'gone', status: 404 });
      this.keys = this.keys.filter((k) => k.id !== id);
      return {};
    }
    if (command instanceof ListUserPoliciesCommand) {
      this.calls.push('ListUserPolicies');
      if (!this.userExists) throw noUser();
      return { PolicyNames: Object.keys(this.inlinePolicies), IsTruncated: false };
    }
    if (command instanceof GetUserPolicyCommand) {
      const name = command.input.PolicyName ?? '';
      this.calls.push(`GetUserPolicy ${name}`);
      const document = this.inlinePolicies[name];
      if (document === undefined) throw awsError({ name: 'NoSuchEntity', message: 'no policy', status: 404 });
      return { UserName: USER, PolicyName: name, PolicyDocument: document };
    }
    if (command instanceof TagUserCommand) {
      for (const tag of command.input.Tags ?? []) {
        this.calls.push(`TagUser ${tag.Key ?? ''}`);
        this.tags[tag.Key ?? ''] = tag.Value ?? '';
      }
      return {};
    }
    if (command instanceof ListUserTagsCommand) {
      this.calls.push('ListUserTags');
      return { Tags: Object.entries(this.tags).map(([Key, Value]) => ({ Key, Value })), IsTruncated: false };
    }
    if (command instanceof UntagUserCommand) {
      for (const key of command.input.TagKeys ?? []) {
        this.calls.push(`UntagUser ${key}`);
        delete this.tags[key];
      }
      return {};
    }
    throw new Error(`unexpected IAM call ${(command as object).constructor.name}`);
  }

  private secretsCall(command: unknown): unknown {
    const notFound = (what = 'the specified secret') =>
      awsError({
        name: 'ResourceNotFoundException',
        message: `Secrets Manager can't find ${what}.`,
        status: 400,
      });
    const invalid = (message: string) =>
      awsError({ name: 'InvalidParameterException', message, status: 400 });

    if (command instanceof DescribeSecretCommand) {
      this.calls.push('DescribeSecret');
      if (this.secret === undefined) throw notFound();
      return { ARN: SECRET_ARN, Name: SECRET_NAME, VersionIdsToStages: this.stages() };
    }
    if (command instanceof GetSecretValueCommand) {
      const { VersionId, VersionStage } = command.input;
      this.calls.push(`GetSecretValue ${VersionId ?? VersionStage ?? CURRENT}`);
      if (this.secret === undefined) throw notFound();
      const id = VersionId ?? this.holderOf(VersionStage ?? CURRENT);
      const version = id === undefined ? undefined : this.secret[id];
      if (id === undefined || version === undefined)
        throw notFound(`the specified secret value for VersionId: ${id}`);
      return {
        ARN: SECRET_ARN,
        Name: SECRET_NAME,
        VersionId: id,
        SecretString: version.value,
        VersionStages: [...version.stages],
      };
    }
    if (command instanceof PutSecretValueCommand) {
      const { ClientRequestToken: token, SecretString: value, VersionStages: stages } = command.input;
      this.calls.push(`PutSecretValue ${(stages ?? [CURRENT]).join(',')}`);
      this.putTokens.push(token);
      if (this.putFailure !== undefined) throw this.putFailure(command.input);
      if (this.secret === undefined) throw notFound();
      assert.ok(token !== undefined && value !== undefined);
      const existing = this.secret[token];
      if (existing !== undefined) {
        if (existing.value !== value) {
          throw awsError({
            name: 'ResourceExistsException',
            message: `token ${token} is in use`,
            status: 400,
          });
        }
        return { ARN: SECRET_ARN, Name: SECRET_NAME, VersionId: token, VersionStages: [...existing.stages] };
      }
      const labels = [...(stages ?? [CURRENT])];
      if (Object.keys(this.secret).length === 0 && !labels.includes(CURRENT)) labels.push(CURRENT);
      const oldCurrent = labels.includes(CURRENT) ? this.holderOf(CURRENT) : undefined;
      for (const v of Object.values(this.secret)) v.stages = v.stages.filter((s) => !labels.includes(s));
      if (oldCurrent !== undefined) {
        for (const v of Object.values(this.secret)) v.stages = v.stages.filter((s) => s !== PREVIOUS);
        this.secret[oldCurrent]?.stages.push(PREVIOUS);
      }
      this.secret[token] = { value, stages: labels };
      return { ARN: SECRET_ARN, Name: SECRET_NAME, VersionId: token, VersionStages: [...labels] };
    }
    if (command instanceof CreateSecretCommand) {
      const { ClientRequestToken: token, SecretString: value } = command.input;
      this.calls.push('CreateSecret');
      this.putTokens.push(token);
      if (this.putFailure !== undefined) throw this.putFailure(command.input);
      if (this.secret !== undefined) {
        throw awsError({
          name: 'ResourceExistsException',
          message: 'the secret already exists',
          status: 400,
        });
      }
      assert.ok(token !== undefined && value !== undefined);
      this.secret = { [token]: { value, stages: [CURRENT] } };
      return { ARN: SECRET_ARN, Name: SECRET_NAME, VersionId: token };
    }
    if (command instanceof UpdateSecretVersionStageCommand) {
      const { VersionStage: stage, MoveToVersionId: moveTo, RemoveFromVersionId: removeFrom } = command.input;
      this.calls.push(
        `UpdateSecretVersionStage ${stage ?? '?'}${moveTo === undefined ? '' : ` to ${moveTo}`}` +
          `${removeFrom === undefined ? '' : ` from ${removeFrom}`}`,
      );
      if (this.secret === undefined) throw notFound();
      assert.ok(stage !== undefined);
      const holder = this.holderOf(stage);
      if (removeFrom !== undefined && !this.secret[removeFrom]?.stages.includes(stage)) {
        throw invalid(`Version stage ${stage} not found in version ${removeFrom}`);
      }
      if (moveTo !== undefined && this.secret[moveTo] === undefined)
        throw invalid(`Not a valid version: ${moveTo}`);
      if (moveTo !== undefined && holder !== undefined && holder !== moveTo && holder !== removeFrom) {
        throw invalid(
          `Staging label ${stage} is attached to version ${holder}: name it in RemoveFromVersionId`,
        );
      }
      if (stage === CURRENT && moveTo === undefined)
        throw invalid('AWSCURRENT cannot be removed, only moved');
      if (removeFrom !== undefined) {
        const from = this.secret[removeFrom];
        if (from !== undefined) from.stages = from.stages.filter((s) => s !== stage);
      }
      const to = moveTo === undefined ? undefined : this.secret[moveTo];
      if (to !== undefined && !to.stages.includes(stage)) to.stages.push(stage);
      if (stage === CURRENT && removeFrom !== undefined && removeFrom !== moveTo) {
        for (const v of Object.values(this.secret)) v.stages = v.stages.filter((s) => s !== PREVIOUS);
        this.secret[removeFrom]?.stages.push(PREVIOUS);
      }
      return { ARN: SECRET_ARN, Name: SECRET_NAME };
    }
    if (command instanceof DeleteSecretCommand) {
      this.calls.push('DeleteSecret');
      this.secret = undefined;
      return { ARN: SECRET_ARN, Name: SECRET_NAME };
    }
    throw new Error(`unexpected Secrets Manager call ${(command as object).constructor.name}`);
  }

  deps(env: AwsEnvironment = { region: 'us-east-1' }) {
    const aws = { env, member: () => ({ iam: this.iam, secrets: this.secrets }) } as unknown as AwsClients;
    return { aws };
  }
}

/** Every log line any activity wrote in this file: none may carry a secret access key. */
const logLines: string[] = [];
const record =
  (level: string) =>
  (message: string, meta?: Record<string, unknown>): void => {
    logLines.push(`${level} ${message} ${JSON.stringify(meta ?? {})}`);
  };
const logger = {
  log: (level: string, message: string, meta?: Record<string, unknown>) => record(level)(message, meta),
  trace: record('TRACE'),
  debug: record('DEBUG'),
  info: record('INFO'),
  warn: record('WARN'),
  error: record('ERROR'),
};

const assertNoSecret = (text: string, what: string) => {
  for (const secret of ALL_SECRETS) assert.ok(!text.includes(secret), `${what} carries a secret access key`);
};

const failureOf = async (promise: Promise<unknown>): Promise<ApplicationFailure> => {
  const error = await promise.then(
    () => assert.fail('expected a failure'),
    (e: unknown) => e,
  );
  assert.ok(error instanceof ApplicationFailure, String(error));
  assertNoSecret(
    `${error.message} ${JSON.stringify(error.details ?? [])} ${error.stack ?? ''} ${String(error.cause)}`,
    'the failure',
  );
  return error;
};

/** When the activity was first scheduled in these tests: a minute ago. */
const scheduledAt = () => Date.now() - MINUTE_MS;

/**
 * Runs createAndStageKey with Context.current() available, as the worker would on an attempt
 * with this activity info. Heartbeats are recorded in the account's call log, in order.
 */
const createAndStage = async (
  account: FakeAccount,
  info: Partial<Info> = {},
  input: Partial<CreateAndStageKeyInput> = {},
): Promise<CreateAndStageKeyResult> => {
  const activities = createKeyActivities(account.deps());
  const env = new MockActivityEnvironment(
    { attempt: 1, scheduledTimestampMs: scheduledAt(), ...info },
    { logger },
  );
  env.on('heartbeat', (details: unknown) => account.calls.push(`heartbeat ${JSON.stringify(details)}`));
  const run = <I, R>(fn: (i: I) => Promise<R>, i: I): Promise<R> => env.run(fn, i);
  const result = await run((i: CreateAndStageKeyInput) => activities.createAndStageKey(i), {
    target: TARGET,
    userName: USER,
    knownAccessKeyIds: [OLD_KEY],
    secretName: SECRET_NAME,
    ...input,
  });
  assertNoSecret(JSON.stringify(result), 'the result');
  return result;
};

const staged = (versionId: string, accessKeyId = NEW_KEY): StagedKeyInput => ({
  target: TARGET,
  userName: USER,
  accessKeyId,
  secretName: SECRET_NAME,
  versionId,
});

after(() => {
  for (const line of logLines) assertNoSecret(line, 'a log line');
});

describe('createAndStageKey (fake AWS)', () => {
  test('stages the new key as AWSPENDING only, under a token derived from the key; AWSCURRENT stays', async () => {
    const account = new FakeAccount().withExistingSecret();
    const result = await createAndStage(
      account,
      {},
      { origin: { kind: 'campaign', workflowId: 'q3-rotation' } },
    );
    const token = tokenFor(NEW_KEY);
    assert.deepEqual(account.putTokens, [token]);
    const today = new Date().toISOString().slice(0, 10);
    const description = `keywarden made-by=campaign:q3-rotation created=${today} stored=secretsmanager:${SECRET_NAME}`;
    assert.deepEqual(result, {
      accessKeyId: NEW_KEY,
      secretArn: SECRET_ARN,
      versionId: token,
      secretCreated: false,
      description,
    });
    assert.deepEqual(account.tags, { [NEW_KEY]: description }, 'the user carries the key description tag');
    assert.deepEqual(account.stages(), {
      [OLD_VERSION]: [CURRENT],
      [OLDER_VERSION]: [PREVIOUS],
      [token]: [PENDING],
    });
    assert.equal(account.secret?.[token]?.value, valueOf(NEW_KEY));
    assert.deepEqual(account.keyIds, [OLD_KEY, NEW_KEY]);
    assert.ok(!account.calls.some((c) => c.startsWith('UpdateSecretVersionStage')), 'no label was moved');
  });

  test('heartbeats the new key ID right after CreateAccessKey, before anything is stored', async () => {
    const account = new FakeAccount().withExistingSecret();
    await createAndStage(account);
    const heartbeat = `heartbeat ${JSON.stringify({ createdAccessKeyId: NEW_KEY } satisfies CreateKeyProgress)}`;
    const create = account.calls.indexOf('CreateAccessKey');
    assert.ok(create >= 0);
    assert.equal(account.calls[create + 1], heartbeat);
    assert.ok(
      account.calls.indexOf(heartbeat) < account.calls.findIndex((c) => c.startsWith('PutSecretValue')),
    );
    assert.equal(account.calls.filter((c) => c.startsWith('heartbeat')).length, 1);
  });

  test('a brand-new secret: its first version is AWSCURRENT and AWSPENDING, secretCreated: true', async () => {
    const account = new FakeAccount();
    const result = await createAndStage(account);
    const token = tokenFor(NEW_KEY);
    assert.deepEqual(result, {
      accessKeyId: NEW_KEY,
      secretArn: SECRET_ARN,
      versionId: token,
      secretCreated: true,
      description: account.tags[NEW_KEY],
    });
    assert.match(
      result.description ?? '',
      /^keywarden made-by=campaign:unknown created=\d{4}-\d{2}-\d{2} stored=secretsmanager:/,
    );
    assert.deepEqual(account.stages(), { [token]: [CURRENT, PENDING] });
    assert.deepEqual(
      account.putTokens,
      [token, token],
      'PutSecretValue (not found), then CreateSecret, same token',
    );
    assert.ok(account.calls.includes('CreateSecret'));
  });

  test('a store that fails deletes the new key, and the failure never quotes the secret', async () => {
    const account = new FakeAccount().withExistingSecret();
    // A (hypothetical) service error that echoes the request body back.
    account.putFailure = (req) =>
      awsError({
        name: 'InvalidRequestException',
        message: `bad SecretString ${req.SecretString ?? ''}`,
        status: 400,
      });
    const failure = await failureOf(createAndStage(account));
    assert.equal(failure.type, 'ValidationError');
    assert.equal(failure.nonRetryable, true);
    assert.match(
      failure.message,
      /^staging the new key AKIANEWNEWNEWNEWNEW1 of user alice\.ops .*\[redacted\]/,
    );
    assert.deepEqual(account.keyIds, [OLD_KEY], 'the key nobody can use was deleted');
    assert.ok(account.calls.includes(`DeleteAccessKey ${NEW_KEY}`));
    assert.deepEqual(account.stages(), { [OLD_VERSION]: [CURRENT], [OLDER_VERSION]: [PREVIOUS] });
  });

  test('when the cleanup delete fails too, the store error is what is reported (retryable 5xx)', async () => {
    const account = new FakeAccount().withExistingSecret();
    account.putFailure = () => awsError({ name: 'InternalServiceError', message: 'try later', status: 500 });
    account.deleteFailure = awsError({ name: 'ServiceFailure', message: 'IAM is down', status: 500 });
    const failure = await failureOf(createAndStage(account));
    assert.equal(failure.nonRetryable, false);
    assert.match(failure.message, /InternalServiceError: try later/);
    assert.deepEqual(
      account.keyIds,
      [OLD_KEY, NEW_KEY],
      'the recorded key is left for the next attempt to delete',
    );
  });

  test('a retry deletes the key its heartbeat recorded but never stored, then makes a new one', async () => {
    const account = new FakeAccount().withExistingSecret();
    // Attempt 1 made NEW_KEY (and heartbeated it), then died before storing it. It even looks
    // used and older than the schedule: the heartbeat alone says it is ours.
    account.keys.push({
      id: NEW_KEY,
      status: 'Active',
      createDate: new Date(Date.now() - 2 * MINUTE_MS),
      lastUsed: new Date(),
    });
    account.nextKeyIds = [NEW_KEY_2];
    const result = await createAndStage(account, {
      attempt: 2,
      heartbeatDetails: { createdAccessKeyId: NEW_KEY } satisfies CreateKeyProgress,
    });
    assert.equal(result.accessKeyId, NEW_KEY_2);
    assert.equal(result.versionId, tokenFor(NEW_KEY_2));
    assert.deepEqual(account.keyIds, [OLD_KEY, NEW_KEY_2]);
    const order = account.calls.filter((c) => /DeleteAccessKey|CreateAccessKey|GetSecretValue/.test(c));
    assert.deepEqual(order, [
      `GetSecretValue ${tokenFor(NEW_KEY)}`,
      `DeleteAccessKey ${NEW_KEY}`,
      'CreateAccessKey',
    ]);
    assert.ok(logLines.some((l) => l.includes(NEW_KEY) && /never stored/.test(l)));
  });

  describe('a lost CreateAccessKey answer that the SDK sends again, in the same second as the schedule', () => {
    // IAM gives CreateDate in whole seconds: a key made 100 ms after the first schedule reads as
    // 700 ms older than it.
    const second = Math.floor(Date.now() / 1000) * 1000;
    const info = { scheduledTimestampMs: second + 700 };

    test('a full user: LimitExceeded is retryable, and the retry removes the key the lost try made', async () => {
      const account = new FakeAccount().withExistingSecret();
      account.now = () => new Date(second + 800);
      account.createAnswerLost = true;
      const failure = await failureOf(createAndStage(account, { ...info, attempt: 1 }));
      assert.equal(failure.nonRetryable, false, failure.message);
      assert.equal(failure.type, 'KeyAppeared');
      assert.deepEqual(account.keyIds, [OLD_KEY, NEW_KEY], 'the lost try made a key nobody recorded');

      const result = await createAndStage(account, { ...info, attempt: 2 });
      assert.equal(result.accessKeyId, NEW_KEY_2);
      assert.deepEqual(account.keyIds, [OLD_KEY, NEW_KEY_2], 'exactly one new key, the stored one');
      assert.equal(account.tags[CREATING_TAG], undefined, 'the creation mark is gone');
      assert.ok(account.calls.includes(`DeleteAccessKey ${NEW_KEY}`));
    });

    test('a heartbeat left by an earlier attempt, whose key is gone, does not hide the key a later try lost', async () => {
      // Attempt 1 made a key, heartbeated it, failed to store it and deleted it. Attempt 2 lost
      // its CreateAccessKey answer and never heartbeated, so attempt 3 still sees attempt 1's details.
      const account = new FakeAccount().withExistingSecret();
      account.now = () => new Date(second + 800);
      account.createAnswerLost = true;
      const gone = 'AKIAGONEGONEGONEGONE';
      const lost = await failureOf(
        createAndStage(account, {
          ...info,
          attempt: 2,
          heartbeatDetails: { createdAccessKeyId: gone } satisfies CreateKeyProgress,
        }),
      );
      assert.equal(lost.type, 'KeyAppeared', lost.message);
      assert.deepEqual(account.keyIds, [OLD_KEY, NEW_KEY], 'the lost try made a key nobody recorded');

      const result = await createAndStage(account, {
        ...info,
        attempt: 3,
        heartbeatDetails: { createdAccessKeyId: gone } satisfies CreateKeyProgress,
      });
      assert.equal(result.accessKeyId, NEW_KEY_2);
      assert.deepEqual(account.keyIds, [OLD_KEY, NEW_KEY_2], 'exactly one new key, the stored one');
      assert.ok(account.calls.includes(`DeleteAccessKey ${NEW_KEY}`));
    });

    test('a heartbeated key that was staged is returned, and a key a later try lost is removed', async () => {
      const account = new FakeAccount();
      account.keys = [];
      account.now = () => new Date(second + 800);
      const first = await createAndStage(account, { ...info, attempt: 1 }, { knownAccessKeyIds: [] });
      // A later try of the same activity (a zombie of a timed-out attempt) marked the user again
      // and lost its CreateAccessKey answer.
      account.keys.push({ id: NEW_KEY_2, status: 'Active', createDate: new Date(second + 800) });
      account.tags[CREATING_TAG] =
        `test/00000000-0000-0000-0000-000000000000@${new Date(second + 800).toISOString()}`;
      const again = await createAndStage(
        account,
        {
          ...info,
          attempt: 3,
          heartbeatDetails: { createdAccessKeyId: NEW_KEY } satisfies CreateKeyProgress,
        },
        { knownAccessKeyIds: [] },
      );
      assert.deepEqual(again, first);
      assert.deepEqual(account.keyIds, [NEW_KEY], 'the staged key stays, the lost one is gone');
      assert.ok(account.calls.includes(`DeleteAccessKey ${NEW_KEY_2}`));
    });

    test('a user with room: the extra key of the lost try is removed at once', async () => {
      const account = new FakeAccount();
      account.keys = [];
      account.now = () => new Date(second + 800);
      account.createAnswerLost = true;
      const result = await createAndStage(account, { ...info, attempt: 1 }, { knownAccessKeyIds: [] });
      assert.equal(result.accessKeyId, NEW_KEY_2);
      assert.deepEqual(account.keyIds, [NEW_KEY_2]);
      assert.ok(account.calls.includes(`DeleteAccessKey ${NEW_KEY}`));
      assert.ok(logLines.some((l) => l.includes(NEW_KEY) && /answer was lost/.test(l)));
    });
  });

  test('a retry after the key was staged returns the earlier result and makes nothing new', async () => {
    const account = new FakeAccount().withExistingSecret();
    const first = await createAndStage(account);
    account.calls = [];
    const again = await createAndStage(account, {
      attempt: 2,
      heartbeatDetails: { createdAccessKeyId: NEW_KEY } satisfies CreateKeyProgress,
    });
    assert.deepEqual(again, first);
    assert.deepEqual(account.keyIds, [OLD_KEY, NEW_KEY]);
    assert.ok(
      !account.calls.some((c) => /CreateAccessKey|DeleteAccessKey|PutSecretValue|CreateSecret/.test(c)),
    );
  });

  test('a retry of a brand-new secret that was staged still says secretCreated: true', async () => {
    const account = new FakeAccount();
    const first = await createAndStage(account);
    const again = await createAndStage(account, { attempt: 3 }); // heartbeat lost: found by age and no use
    assert.deepEqual(again, first);
    assert.equal(again.secretCreated, true);
    assert.deepEqual(account.keyIds, [OLD_KEY, NEW_KEY]);
  });

  test('without a heartbeat, an unknown, never-used key made after the first schedule is left alone: a full user gets LimitExceeded', async () => {
    const account = new FakeAccount().withExistingSecret();
    account.keys.push({ id: NEW_KEY, status: 'Active', createDate: new Date(Date.now() - 30_000) });
    account.nextKeyIds = [NEW_KEY_2];
    await assert.rejects(createAndStage(account, { attempt: 2 }), (error: unknown) => {
      assert.ok(error instanceof ApplicationFailure);
      assert.equal(error.type, 'LimitExceeded');
      return true;
    });
    assert.deepEqual(account.keyIds, [OLD_KEY, NEW_KEY]);
    assert.ok(
      !account.calls.some((c) => /DeleteAccessKey|CreateAccessKey/.test(c)),
      'nothing deleted or made',
    );
  });

  test('a key made out of band before the first schedule is never deleted: a full user gets LimitExceeded', async () => {
    const account = new FakeAccount().withExistingSecret();
    // The owner made a key in the console 5 minutes ago and has not used it yet.
    account.keys.push({ id: OTHER_KEY, status: 'Active', createDate: new Date(Date.now() - 5 * MINUTE_MS) });
    const failure = await failureOf(createAndStage(account, { attempt: 2 }));
    assert.equal(failure.type, 'LimitExceeded');
    assert.equal(failure.nonRetryable, true);
    assert.ok(failure.message.includes(OTHER_KEY));
    assert.deepEqual(account.keyIds, [OLD_KEY, OTHER_KEY]);
    assert.ok(!account.calls.some((c) => /DeleteAccessKey|CreateAccessKey/.test(c)));
  });

  test('a key made out of band before the first schedule survives; with room left, the rotation proceeds', async () => {
    const account = new FakeAccount().withExistingSecret();
    account.keys = [{ id: OTHER_KEY, status: 'Active', createDate: new Date(Date.now() - 5 * MINUTE_MS) }];
    const result = await createAndStage(account, { attempt: 2 }, { knownAccessKeyIds: [] });
    assert.equal(result.accessKeyId, NEW_KEY);
    assert.deepEqual(account.keyIds, [OTHER_KEY, NEW_KEY]);
  });

  test('an unknown key made after the first schedule but already used is not ours either', async () => {
    const account = new FakeAccount().withExistingSecret();
    account.keys.push({
      id: OTHER_KEY,
      status: 'Active',
      createDate: new Date(Date.now() - 10_000),
      lastUsed: new Date(),
    });
    const failure = await failureOf(createAndStage(account, { attempt: 2 }));
    assert.equal(failure.type, 'LimitExceeded');
    assert.deepEqual(account.keyIds, [OLD_KEY, OTHER_KEY]);
  });

  test('a user who already holds two known keys gets a non-retryable LimitExceeded, and no key', async () => {
    const account = new FakeAccount().withExistingSecret();
    account.keys.push({ id: OTHER_KEY, status: 'Inactive', createDate: new Date(Date.now() - 10 * DAY_MS) });
    const failure = await failureOf(createAndStage(account, {}, { knownAccessKeyIds: [OLD_KEY, OTHER_KEY] }));
    assert.equal(failure.type, 'LimitExceeded');
    assert.equal(failure.nonRetryable, true);
    assert.match(failure.message, /already holds 2 access keys .*at most 2/);
    assert.ok(!account.calls.includes('CreateAccessKey'));
    assert.equal(account.putTokens.length, 0);
  });

  test('AccessDenied is non-retryable and names the step', async () => {
    const account = new FakeAccount();
    account.iamFailure = awsError({
      name: 'AccessDenied',
      message: 'not authorized to perform iam:ListAccessKeys',
      status: 403,
    });
    const failure = await failureOf(createAndStage(account));
    assert.equal(failure.type, 'AccessDenied');
    assert.equal(failure.nonRetryable, true);
    assert.match(
      failure.message,
      /^listing the access keys of user alice\.ops in account 111122223333: AccessDenied/,
    );
  });
});

describe('verifyStagedKey (fake STS endpoint)', () => {
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

  /** An existing secret whose AWSPENDING version holds the new key (AWSCURRENT still the old one). */
  const setup = () => {
    const account = new FakeAccount().withExistingSecret();
    const versionId = tokenFor(NEW_KEY);
    assert.ok(account.secret);
    account.secret[versionId] = { value: valueOf(NEW_KEY), stages: [PENDING] };
    seen.length = 0;
    return {
      account,
      versionId,
      activities: createKeyActivities(account.deps({ region: 'us-east-1', endpoint })),
    };
  };
  const aliceArn = `arn:aws:iam::${TARGET.accountId}:user/${USER}`;

  test('reads the staged version by ID, signs GetCallerIdentity with its key and returns the identity', async () => {
    const { account, versionId, activities } = setup();
    stsAnswer = stsIdentity(aliceArn, TARGET.accountId);
    const identity = await activities.verifyStagedKey(staged(versionId));
    assert.deepEqual(identity, { arn: aliceArn, account: TARGET.accountId });
    assert.match(String(seen[0]?.authorization), new RegExp(`Credential=${NEW_KEY}/`));
    assert.deepEqual(account.calls, [`GetSecretValue ${versionId}`], 'read by VersionId, not AWSCURRENT');
    assertNoSecret(JSON.stringify(identity), 'the result');
  });

  test('a user under a path is still the user', async () => {
    const { versionId, activities } = setup();
    stsAnswer = stsIdentity(`arn:aws:iam::${TARGET.accountId}:user/ops/team/${USER}`, TARGET.accountId);
    const identity = await activities.verifyStagedKey(staged(versionId));
    assert.equal(identity.account, TARGET.accountId);
  });

  for (const code of ['InvalidClientTokenId', 'SignatureDoesNotMatch']) {
    test(`${code} (IAM not consistent yet) is retryable`, async () => {
      const { versionId, activities } = setup();
      stsAnswer = stsError(code);
      const failure = await failureOf(activities.verifyStagedKey(staged(versionId)));
      assert.equal(failure.nonRetryable, false);
      assert.equal(failure.type, code);
      assert.match(failure.message, new RegExp(`^verifying key ${NEW_KEY} of user alice\\.ops .*: ${code}:`));
    });
  }

  test('AccessDenied stays non-retryable', async () => {
    const { versionId, activities } = setup();
    stsAnswer = stsError('AccessDenied');
    const failure = await failureOf(activities.verifyStagedKey(staged(versionId)));
    assert.equal(failure.nonRetryable, true);
    assert.equal(failure.type, 'AccessDenied');
  });

  test('a key of another account is refused', async () => {
    const { versionId, activities } = setup();
    stsAnswer = stsIdentity(`arn:aws:iam::444455556666:user/${USER}`, '444455556666');
    const failure = await failureOf(activities.verifyStagedKey(staged(versionId)));
    assert.equal(failure.nonRetryable, true);
    assert.equal(failure.type, 'WrongIdentity');
  });

  test('a key of another user of the account is refused', async () => {
    const { versionId, activities } = setup();
    stsAnswer = stsIdentity(`arn:aws:iam::${TARGET.accountId}:user/build-bot`, TARGET.accountId);
    const failure = await failureOf(activities.verifyStagedKey(staged(versionId)));
    assert.equal(failure.nonRetryable, true);
    assert.equal(failure.type, 'WrongIdentity');
    assert.match(failure.message, /user\/build-bot.*not as user alice\.ops/);
  });

  test('a version that holds another key is refused without calling STS', async () => {
    const { activities } = setup();
    const failure = await failureOf(activities.verifyStagedKey(staged(OLD_VERSION)));
    assert.equal(failure.nonRetryable, true);
    assert.equal(failure.type, 'SecretMismatch');
    assert.match(failure.message, new RegExp(`holds key ${OLD_KEY} instead`));
    assert.equal(seen.length, 0);
  });

  test('a missing version, or a missing secret, is refused without calling STS', async () => {
    const { account, activities } = setup();
    const noVersion = await failureOf(activities.verifyStagedKey(staged(tokenFor(NEW_KEY_2), NEW_KEY_2)));
    assert.equal(noVersion.nonRetryable, true);
    assert.equal(noVersion.type, 'SecretMismatch');
    assert.match(noVersion.message, /does not exist/);
    account.secret = undefined;
    const noSecret = await failureOf(activities.verifyStagedKey(staged(tokenFor(NEW_KEY))));
    assert.equal(noSecret.type, 'SecretMismatch');
    assert.equal(noSecret.nonRetryable, true);
    assert.equal(seen.length, 0);
  });

  test('a version that is not keywarden JSON is refused without quoting it', async () => {
    const { account, versionId, activities } = setup();
    assert.ok(account.secret);
    account.secret[versionId] = { value: `not json ${NEW_SECRET}`, stages: [PENDING] };
    const failure = await failureOf(activities.verifyStagedKey(staged(versionId)));
    assert.equal(failure.type, 'SecretMismatch');
    assert.match(failure.message, /is not \{"AccessKeyId","SecretAccessKey"\} JSON/);
  });
});

describe('promoteStagedKey (fake Secrets Manager)', () => {
  test('moves AWSCURRENT to the staged version, the old one becomes AWSPREVIOUS, AWSPENDING goes', async () => {
    const account = new FakeAccount().withExistingSecret();
    const { versionId } = await createAndStage(account);
    const activities = createKeyActivities(account.deps());
    account.calls = [];
    assert.deepEqual(await activities.promoteStagedKey(staged(versionId)), {
      previousVersionId: OLD_VERSION,
    });
    assert.deepEqual(account.stages(), { [OLD_VERSION]: [PREVIOUS], [versionId]: [CURRENT] });
    assert.deepEqual(
      account.calls.filter((c) => c.startsWith('UpdateSecretVersionStage')),
      [
        `UpdateSecretVersionStage ${CURRENT} to ${versionId} from ${OLD_VERSION}`,
        `UpdateSecretVersionStage ${PENDING} from ${versionId}`,
      ],
    );
  });

  test('promoting again is a no-op that gives the same answer', async () => {
    const account = new FakeAccount().withExistingSecret();
    const { versionId } = await createAndStage(account);
    const activities = createKeyActivities(account.deps());
    const first = await activities.promoteStagedKey(staged(versionId));
    const promoted = account.stages();
    account.calls = [];
    assert.deepEqual(await activities.promoteStagedKey(staged(versionId)), first);
    assert.deepEqual(account.stages(), promoted);
    assert.ok(!account.calls.some((c) => c.startsWith('UpdateSecretVersionStage')), 'nothing moved');
  });

  test('a brand-new secret: only AWSPENDING is removed, and there is no previous version', async () => {
    const account = new FakeAccount();
    const { versionId } = await createAndStage(account);
    const activities = createKeyActivities(account.deps());
    assert.deepEqual(await activities.promoteStagedKey(staged(versionId)), {});
    assert.deepEqual(account.stages(), { [versionId]: [CURRENT] });
    assert.deepEqual(await activities.promoteStagedKey(staged(versionId)), {});
  });
});

describe('inspectUserKeys (fake IAM)', () => {
  const inspect = (account: FakeAccount) =>
    createKeyActivities(account.deps()).inspectUserKeys({ target: TARGET, userName: USER });
  const encoded = (document: string) => encodeURIComponent(document);

  test('lists the keys now, with status and last use, and no containment', async () => {
    const account = new FakeAccount();
    const [old] = account.keys;
    assert.ok(old?.lastUsed);
    const created = new Date(Date.now() - 3 * DAY_MS);
    account.keys.push({ id: OTHER_KEY, status: 'Inactive', createDate: created });
    account.inlinePolicies = { 'read-only-s3': encoded('{"Version":"2012-10-17","Statement":[]}') };
    const now = await inspect(account);
    assert.deepEqual(now, {
      userExists: true,
      keys: [
        {
          accessKeyId: OLD_KEY,
          status: 'Active',
          createDate: old.createDate.toISOString(),
          lastUsedDate: old.lastUsed.toISOString(),
        },
        { accessKeyId: OTHER_KEY, status: 'Inactive', createDate: created.toISOString() },
      ],
    });
    assert.deepEqual(JSON.parse(JSON.stringify(now)), now, 'plain JSON');
  });

  test("reports keywarden's deny-all inline policy, as IAM returns it (URL-encoded, any name)", async () => {
    const account = new FakeAccount();
    account.inlinePolicies = {
      'read-only-s3': encoded('{"Version":"2012-10-17","Statement":[]}'),
      'keywarden-offboarding-deny-all': encoded(CONTAINMENT_POLICY_DOCUMENT),
    };
    assert.equal((await inspect(account)).containmentPolicy, 'keywarden-offboarding-deny-all');

    // An offboarding may name its policy as it likes: the document is what contains the user.
    account.inlinePolicies = {
      'deny-everything': encoded(JSON.stringify(JSON.parse(CONTAINMENT_POLICY_DOCUMENT), null, 2)),
    };
    assert.equal((await inspect(account)).containmentPolicy, 'deny-everything');
  });

  test('another inline policy, even under a keywarden name, is not containment', async () => {
    const account = new FakeAccount();
    account.inlinePolicies = {
      'keywarden-something-else': encoded(
        JSON.stringify({
          Version: '2012-10-17',
          Statement: [{ Effect: 'Deny', Action: 's3:*', Resource: '*' }],
        }),
      ),
      'allow-all': encoded(
        JSON.stringify({
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }],
        }),
      ),
    };
    const now = await inspect(account);
    assert.equal(now.containmentPolicy, undefined);
    assert.ok(!('containmentPolicy' in now));
  });

  test('a missing user gives userExists: false and reads nothing more', async () => {
    const account = new FakeAccount();
    account.userExists = false;
    assert.deepEqual(await inspect(account), { userExists: false, keys: [] });
    assert.deepEqual(account.calls, ['GetUser']);
  });

  test('AccessDenied is non-retryable', async () => {
    const account = new FakeAccount();
    account.iamFailure = awsError({ name: 'AccessDenied', message: 'not authorized', status: 403 });
    const failure = await failureOf(inspect(account));
    assert.equal(failure.type, 'AccessDenied');
    assert.equal(failure.nonRetryable, true);
    assert.match(failure.message, /^reading the access keys of user alice\.ops in account 111122223333/);
  });
});

describe('discardNewKey (fake AWS)', () => {
  const discardInput = (result: CreateAndStageKeyResult): DiscardNewKeyInput => ({
    ...staged(result.versionId, result.accessKeyId),
    secretCreated: result.secretCreated,
  });

  test('before promotion: deletes exactly the new key and AWSPENDING; AWSCURRENT is untouched; a retry is a no-op', async () => {
    const account = new FakeAccount().withExistingSecret();
    const before = account.stages();
    const created = await createAndStage(account);
    const activities = createKeyActivities(account.deps());
    account.calls = [];

    assert.deepEqual(await activities.discardNewKey(discardInput(created)), {
      keyDeleted: true,
      secret: 'pending-removed',
    });
    assert.deepEqual(account.keyIds, [OLD_KEY]);
    assert.deepEqual(account.stages(), before, 'AWSCURRENT and AWSPREVIOUS exactly as before');
    assert.equal(account.secret?.[OLD_VERSION]?.value, valueOf(OLD_KEY));
    assert.ok(!account.calls.some((c) => c.includes(CURRENT)), 'AWSCURRENT was never touched');
    assert.deepEqual(
      account.calls.filter((c) => c.startsWith('DeleteAccessKey')),
      [`DeleteAccessKey ${NEW_KEY}`],
    );

    account.calls = [];
    assert.deepEqual(await activities.discardNewKey(discardInput(created)), {
      keyDeleted: false,
      secret: 'unchanged',
    });
    assert.deepEqual(account.stages(), before);
    assert.ok(!account.calls.some((c) => /UpdateSecretVersionStage|DeleteSecret/.test(c)));
  });

  test('a secret this rotation created, holding only our version, is deleted; a retry is a no-op', async () => {
    const account = new FakeAccount();
    const created = await createAndStage(account);
    assert.equal(created.secretCreated, true);
    const activities = createKeyActivities(account.deps());
    assert.deepEqual(await activities.discardNewKey(discardInput(created)), {
      keyDeleted: true,
      secret: 'deleted',
    });
    assert.equal(account.secret, undefined);
    assert.deepEqual(account.keyIds, [OLD_KEY]);
    assert.deepEqual(await activities.discardNewKey(discardInput(created)), {
      keyDeleted: false,
      secret: 'deleted',
    });
  });

  test('a secret this rotation created but where someone stored another version since is kept', async () => {
    const account = new FakeAccount();
    const created = await createAndStage(account);
    // Someone else put their own value as AWSCURRENT meanwhile: ours became AWSPREVIOUS.
    account.secret = {
      [created.versionId]: { value: valueOf(NEW_KEY), stages: [PREVIOUS, PENDING] },
      [OLD_VERSION]: { value: valueOf(OTHER_KEY), stages: [CURRENT] },
    };
    const activities = createKeyActivities(account.deps());
    assert.deepEqual(await activities.discardNewKey(discardInput(created)), {
      keyDeleted: true,
      secret: 'pending-removed',
    });
    assert.deepEqual(account.stages(), { [OLD_VERSION]: [CURRENT], [created.versionId]: [PREVIOUS] });
    assert.ok(!account.calls.includes('DeleteSecret'));
  });

  test('a key that IAM refuses to delete is a retryable failure that names the key', async () => {
    const account = new FakeAccount().withExistingSecret();
    const created = await createAndStage(account);
    account.deleteFailure = awsError({ name: 'ServiceFailure', message: 'IAM is down', status: 500 });
    const failure = await failureOf(createKeyActivities(account.deps()).discardNewKey(discardInput(created)));
    assert.equal(failure.nonRetryable, false);
    assert.match(failure.message, new RegExp(`^deleting the new key ${NEW_KEY} of user alice\\.ops`));
    assert.deepEqual(account.stages()[created.versionId], [PENDING], 'nothing else was done yet');
  });
});
