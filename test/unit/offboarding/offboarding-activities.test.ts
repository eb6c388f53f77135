import { IAMClient } from '@aws-sdk/client-iam';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { AwsClients } from '../../../activities/aws/clients';
import { createOffboardingActivities } from '../../../activities/offboarding-activities';
import {
  CONTAINMENT_POLICY_DOCUMENT,
  containmentPolicyDocument,
  isContainmentPolicy,
  sessionsIssuedBefore,
} from '../../../activities/offboarding-policy';
import type { ContainmentFailureDetails } from '../../../activities/offboarding-activities';
import type { PriorUserState } from '../../../domain/offboarding-report';
import { PURGE_STEPS, purgeStepsFor } from '../../../domain/offboarding-report';

const POLICY = 'keywarden-offboarding-deny-all';
const target = {
  accountId: '111111111111',
  roleName: 'OrganizationAccountAccessRole',
  sessionName: 'keywarden-t',
};

interface FakeUser {
  keys: Array<{ id: string; status: 'Active' | 'Inactive' }>;
  inline: Record<string, string>;
  groups: string[];
  tags?: Record<string, string>;
}

function awsError(name: string, status: number, message = name): Error {
  return Object.assign(new Error(message), {
    name,
    $fault: status >= 500 ? 'server' : 'client',
    $metadata: { httpStatusCode: status },
  });
}

/** IAM's quota on the inline policies of one user, counted without whitespace. */
const USER_INLINE_POLICY_QUOTA = 2048;
const policySize = (documents: string[]) => documents.join('').replace(/\s/g, '').length;

/**
 * Just enough of IAM for one user, answering by command name; every call is recorded. Like IAM
 * (and unlike the emulator), PutUserPolicy enforces the 2,048-character quota on the sum of the
 * user's inline policies.
 */
function fakeIam(user: FakeUser | undefined, opts: { failOn?: Record<string, Error> } = {}) {
  const calls: string[] = [];
  const client = new IAMClient({
    region: 'us-east-1',
    credentials: { accessKeyId: 'x', secretAccessKey: 'y' },
  });
  const answer = (name: string, input: Record<string, unknown>): unknown => {
    const failure = opts.failOn?.[name];
    if (failure) throw failure;
    if (name === 'ListServiceSpecificCredentialsCommand') {
      throw awsError(
        'InternalFailure',
        500,
        'The action ListServiceSpecificCredentials has not been implemented',
      );
    }
    if (user === undefined) throw awsError('NoSuchEntity', 404, 'The user cannot be found.');
    switch (name) {
      case 'ListAccessKeysCommand':
        return { AccessKeyMetadata: user.keys.map((k) => ({ AccessKeyId: k.id, Status: k.status })) };
      case 'UpdateAccessKeyCommand': {
        const key = user.keys.find((k) => k.id === input.AccessKeyId)!;
        key.status = input.Status as 'Active' | 'Inactive';
        return {};
      }
      case 'DeleteAccessKeyCommand':
        user.keys = user.keys.filter((k) => k.id !== input.AccessKeyId);
        return {};
      case 'GetLoginProfileCommand':
        throw awsError('NoSuchEntity', 404);
      case 'ListUserPoliciesCommand':
        return { PolicyNames: Object.keys(user.inline) };
      case 'GetUserPolicyCommand': {
        const doc = user.inline[input.PolicyName as string];
        if (doc === undefined) throw awsError('NoSuchEntity', 404);
        return { PolicyDocument: encodeURIComponent(doc) };
      }
      case 'PutUserPolicyCommand': {
        const others = Object.entries(user.inline).filter(([name]) => name !== input.PolicyName);
        const size = policySize([...others.map(([, doc]) => doc), input.PolicyDocument as string]);
        if (size > USER_INLINE_POLICY_QUOTA) {
          throw awsError(
            'LimitExceeded',
            409,
            `Cannot exceed quota for PolicySize: ${USER_INLINE_POLICY_QUOTA}`,
          );
        }
        user.inline[input.PolicyName as string] = input.PolicyDocument as string;
        return {};
      }
      case 'DeleteUserPolicyCommand':
        if (!((input.PolicyName as string) in user.inline)) throw awsError('NoSuchEntity', 404);
        delete user.inline[input.PolicyName as string];
        return {};
      case 'ListUserTagsCommand':
        return { Tags: Object.entries(user.tags ?? {}).map(([Key, Value]) => ({ Key, Value })) };
      case 'UntagUserCommand':
        for (const key of input.TagKeys as string[]) delete user.tags?.[key];
        return {};
      case 'ListGroupsForUserCommand':
        return { Groups: user.groups.map((GroupName) => ({ GroupName })) };
      case 'ListAttachedUserPoliciesCommand':
      case 'ListMFADevicesCommand':
      case 'ListSSHPublicKeysCommand':
      case 'ListSigningCertificatesCommand':
        return {};
      default:
        throw new Error(`fake IAM: unexpected ${name}`);
    }
  };
  const send = (command: {
    constructor: { name: string };
    input: Record<string, unknown>;
  }): Promise<unknown> => {
    calls.push(command.constructor.name);
    try {
      return Promise.resolve(answer(command.constructor.name, command.input));
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
  };
  Object.assign(client, { send });
  const aws = { member: () => ({ iam: client }) } as unknown as AwsClients;
  return { activities: createOffboardingActivities({ aws }), calls };
}

/** Runs an activity in a mock activity environment, keeping its result type. */
function run<I, R>(fn: (input: I) => Promise<R>, input: I, env = new MockActivityEnvironment()): Promise<R> {
  return env.run<[I], R, (input: I) => Promise<R>>(fn, input);
}

const leaver = (): FakeUser => ({
  keys: [
    { id: 'AKIAACTIVE', status: 'Active' },
    { id: 'AKIAINACTIVE', status: 'Inactive' },
  ],
  inline: { 'read-s3': '{"Version":"2012-10-17","Statement":[]}' },
  groups: ['developers'],
});

describe('containUser', () => {
  test('records the prior state (heartbeated before any change), then deactivates the keys, then denies', async () => {
    const user = leaver();
    const { activities, calls } = fakeIam(user);
    const env = new MockActivityEnvironment();
    const heartbeats: Array<{ details: unknown; callsSoFar: string[] }> = [];
    env.on('heartbeat', (details: unknown) => heartbeats.push({ details, callsSoFar: [...calls] }));
    const result = await run(
      (input) => activities.containUser(input),
      { target, userName: 'mallory', policyName: POLICY },
      env,
    );

    assert.equal(result.prior.source, 'observed');
    assert.deepEqual(result.prior.accessKeys, [
      { id: 'AKIAACTIVE', status: 'Active' },
      { id: 'AKIAINACTIVE', status: 'Inactive' },
    ]);
    assert.deepEqual(result.prior.inlinePolicyNames, ['read-s3']);
    assert.deepEqual(result.prior.groups, ['developers']);
    assert.deepEqual(result.deactivatedKeyIds, ['AKIAACTIVE']);
    assert.equal(result.alreadyContained, false);
    assert.ok(user.keys.every((k) => k.status === 'Inactive'));
    assert.ok(isContainmentPolicy(user.inline[POLICY]));

    assert.equal(heartbeats.length, 1);
    assert.deepEqual(heartbeats[0]!.details, { prior: result.prior });
    assert.ok(
      !heartbeats[0]!.callsSoFar.some((c) => c === 'PutUserPolicyCommand' || c === 'UpdateAccessKeyCommand'),
    );
    // The keys go off first: whatever happens to the policy, a deactivated key is useless.
    const putAt = calls.indexOf('PutUserPolicyCommand');
    assert.ok(putAt > calls.indexOf('UpdateAccessKeyCommand'));
    // The policy denies everything, and every session issued before the containment time.
    assert.equal(result.sessionsIssuedBefore, sessionsIssuedBefore(user.inline[POLICY]));
    assert.ok(Date.parse(result.sessionsIssuedBefore!) <= Date.parse(result.containedAt));
  });

  test('inline-policy quota full: every key is still deactivated, the failure says the policy is missing', async () => {
    // Existing inline policies that leave no room for the deny policy under IAM's 2,048 characters.
    const bulky = JSON.stringify({
      Version: '2012-10-17',
      Statement: Array.from({ length: 20 }, (_, i) => ({
        Effect: 'Allow',
        Action: [`s3:GetObject`, `s3:PutObject`],
        Resource: `arn:aws:s3:::bucket-${i}/*`,
      })),
    });
    assert.ok(policySize([bulky]) < USER_INLINE_POLICY_QUOTA);
    assert.ok(
      policySize([bulky, containmentPolicyDocument(new Date().toISOString())]) > USER_INLINE_POLICY_QUOTA,
    );
    const user: FakeUser = {
      keys: [
        { id: 'AKIAONE', status: 'Active' },
        { id: 'AKIATWO', status: 'Active' },
      ],
      inline: { 'bulky-app-access': bulky },
      groups: [],
    };
    const { activities, calls } = fakeIam(user);
    const error = await run((input) => activities.containUser(input), {
      target,
      userName: 'mallory',
      policyName: POLICY,
    }).then(
      () => assert.fail('a user without the deny policy is not contained'),
      (e: unknown) => e,
    );
    assert.ok(
      user.keys.every((k) => k.status === 'Inactive'),
      'both keys are off',
    );
    assert.equal(user.inline[POLICY], undefined);
    assert.ok(calls.includes('PutUserPolicyCommand'), 'the policy was tried after the keys');
    assert.ok(error instanceof ApplicationFailure);
    assert.equal(error.type, 'LimitExceeded');
    assert.equal(error.nonRetryable, true, 'a full quota does not fix itself');
    assert.match(error.message, /containment incomplete .*keys deactivated; deny policy NOT attached/);
    assert.match(error.message, /Cannot exceed quota for PolicySize: 2048/);
    const details = error.details?.[0] as ContainmentFailureDetails;
    assert.deepEqual(
      { keys: details.steps?.keysDeactivated, policy: details.steps?.denyPolicyAttached },
      { keys: true, policy: false },
    );
    assert.equal(details.prior.accessKeys.filter((k) => k.status === 'Active').length, 2);
  });

  test('a throttled policy put is retryable; the keys were deactivated in the same attempt', async () => {
    const user = leaver();
    const { activities } = fakeIam(user, {
      failOn: { PutUserPolicyCommand: awsError('Throttling', 400, 'Rate exceeded') },
    });
    const error = await run((input) => activities.containUser(input), {
      target,
      userName: 'mallory',
      policyName: POLICY,
    }).then(
      () => assert.fail('expected a failure'),
      (e: unknown) => e,
    );
    assert.ok(error instanceof ApplicationFailure);
    assert.equal(error.nonRetryable, false, 'the retry policy tries again');
    assert.ok(user.keys.every((k) => k.status === 'Inactive'));
    // The retry (same activity, the first attempt's heartbeat) completes containment.
    const env = new MockActivityEnvironment({
      attempt: 2,
      heartbeatDetails: { prior: (error.details?.[0] as ContainmentFailureDetails).prior },
    });
    const retried = await run(
      (input) => fakeIam(user).activities.containUser(input),
      { target, userName: 'mallory', policyName: POLICY },
      env,
    );
    assert.deepEqual(retried.deactivatedKeyIds, []);
    assert.deepEqual(retried.prior.accessKeys[0], { id: 'AKIAACTIVE', status: 'Active' });
    assert.ok(isContainmentPolicy(user.inline[POLICY]));
  });

  test('a retry after a crash reuses the heartbeated record, not the contained state', async () => {
    const user = leaver();
    const first = await run((input) => fakeIam(user).activities.containUser(input), {
      target,
      userName: 'mallory',
      policyName: POLICY,
    });
    // The same activity again, as Temporal would retry it, with the first attempt's heartbeat.
    const env = new MockActivityEnvironment({ attempt: 2, heartbeatDetails: { prior: first.prior } });
    const again = await run(
      (input) => fakeIam(user).activities.containUser(input),
      { target, userName: 'mallory', policyName: POLICY },
      env,
    );
    assert.deepEqual(again.prior, first.prior);
    assert.equal(again.alreadyContained, true);
    assert.deepEqual(again.deactivatedKeyIds, []);
  });

  test('with the record lost, a contained user is detected and the prior state derived conservatively', async () => {
    // A crash after the policy went on and the first key was deactivated; the heartbeat was lost.
    const user: FakeUser = {
      keys: [
        { id: 'AKIASTILLACTIVE', status: 'Active' },
        { id: 'AKIAALREADYOFF', status: 'Inactive' },
      ],
      inline: { [POLICY]: CONTAINMENT_POLICY_DOCUMENT },
      groups: [],
    };
    const result = await run((input) => fakeIam(user).activities.containUser(input), {
      target,
      userName: 'mallory',
      policyName: POLICY,
    });
    assert.equal(result.prior.source, 'inferred');
    assert.deepEqual(result.prior.accessKeys, [
      { id: 'AKIASTILLACTIVE', status: 'Active' },
      { id: 'AKIAALREADYOFF', status: 'Inactive' },
    ]);
    assert.deepEqual(result.prior.uncertainKeyIds, ['AKIAALREADYOFF']);
    assert.deepEqual(
      result.prior.inlinePolicyNames,
      [],
      'the containment policy is not part of the prior state',
    );
    assert.equal(result.prior.replacedPolicyDocument, undefined);
    assert.equal(result.alreadyContained, false, 'a key was still active');
    assert.ok(user.keys.every((k) => k.status === 'Inactive'));
  });

  test('a foreign policy under the containment name is recorded, and restore puts it back', async () => {
    const foreign =
      '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}';
    const user: FakeUser = {
      keys: [{ id: 'AKIA1', status: 'Active' }],
      inline: { [POLICY]: foreign },
      groups: [],
    };
    const { activities } = fakeIam(user);
    const contained = await run((input) => activities.containUser(input), {
      target,
      userName: 'u',
      policyName: POLICY,
    });
    assert.equal(contained.prior.source, 'observed');
    assert.equal(contained.prior.replacedPolicyDocument, foreign);
    assert.ok(isContainmentPolicy(user.inline[POLICY]));
    const restored = await run((input) => activities.restoreUser(input), {
      target,
      userName: 'u',
      policyName: POLICY,
      prior: contained.prior,
    });
    assert.equal(restored.policyPutBack, true);
    assert.equal(user.inline[POLICY], foreign);
    assert.equal(user.keys[0]?.status, 'Active');
  });

  test('deactivation denied (an SCP): the deny policy still goes on; the failure carries the prior state and both steps', async () => {
    const user = leaver();
    const { activities } = fakeIam(user, {
      failOn: { UpdateAccessKeyCommand: awsError('AccessDenied', 403) },
    });
    const error = await run((input) => activities.containUser(input), {
      target,
      userName: 'mallory',
      policyName: POLICY,
    }).then(
      () => assert.fail('expected a failure'),
      (e: unknown) => e,
    );
    assert.ok(error instanceof ApplicationFailure);
    assert.equal(error.type, 'AccessDenied');
    assert.equal(error.nonRetryable, true);
    const details = error.details?.[0] as { prior: PriorUserState } & ContainmentFailureDetails;
    assert.equal(details.prior.accessKeys.length, 2);
    assert.deepEqual(
      { keys: details.steps?.keysDeactivated, policy: details.steps?.denyPolicyAttached },
      { keys: false, policy: true },
    );
    assert.match(error.message, /keys NOT all deactivated; deny policy attached/);
    assert.ok(sessionsIssuedBefore(user.inline[POLICY]), 'the deny policy is on the user');
    assert.equal(user.keys[0]?.status, 'Active');
  });
});

describe('restoreUser', () => {
  test('reactivates exactly the keys that were Active, keeps Inactive ones, reports strangers', async () => {
    const user = leaver();
    const { activities } = fakeIam(user);
    const env = new MockActivityEnvironment();
    const { prior } = await run(
      (input) => activities.containUser(input),
      { target, userName: 'mallory', policyName: POLICY },
      env,
    );
    user.keys.push({ id: 'AKIANEWAFTER', status: 'Inactive' });
    const record = await run((input) => activities.restoreUser(input), {
      target,
      userName: 'mallory',
      policyName: POLICY,
      prior,
    });
    assert.deepEqual(record.reactivatedKeyIds, ['AKIAACTIVE']);
    assert.deepEqual(record.leftInactiveKeyIds, ['AKIAINACTIVE']);
    assert.deepEqual(record.unexpectedKeyIds, ['AKIANEWAFTER']);
    assert.equal(record.policyRemoved, true);
    assert.deepEqual(user.keys, [
      { id: 'AKIAACTIVE', status: 'Active' },
      { id: 'AKIAINACTIVE', status: 'Inactive' },
      { id: 'AKIANEWAFTER', status: 'Inactive' },
    ]);
    assert.deepEqual(Object.keys(user.inline), ['read-s3']);
    // Idempotent: a second restore changes nothing and still succeeds.
    const again = await run((input) => activities.restoreUser(input), {
      target,
      userName: 'mallory',
      policyName: POLICY,
      prior,
    });
    assert.equal(again.policyRemoved, false);
    assert.deepEqual(again.reactivatedKeyIds, ['AKIAACTIVE']);
  });
});

describe('purgeStep', () => {
  test('an API the endpoint does not implement is skipped with the reason, not retried', async () => {
    const { activities, calls } = fakeIam(leaver());
    const record = await run((input) => activities.purgeStep(input), {
      target,
      userName: 'mallory',
      policyName: POLICY,
      step: 'service-specific-credentials' as const,
    });
    assert.equal(record.status, 'skipped');
    assert.match(record.reason ?? '', /NotImplemented/);
    assert.deepEqual(calls, ['ListServiceSpecificCredentialsCommand']);
  });

  test('removes what is there and names it; nothing-to-do when empty or when the user is gone', async () => {
    const user = leaver();
    const { activities } = fakeIam(user);
    const keys = await run((input) => activities.purgeStep(input), {
      target,
      userName: 'mallory',
      policyName: POLICY,
      step: 'access-keys' as const,
    });
    assert.equal(keys.status, 'done');
    assert.deepEqual(keys.items, ['AKIAACTIVE', 'AKIAINACTIVE']);
    assert.deepEqual(user.keys, []);
    const empty = await run((input) => activities.purgeStep(input), {
      target,
      userName: 'mallory',
      policyName: POLICY,
      step: 'access-keys' as const,
    });
    assert.equal(empty.status, 'nothing-to-do');

    // The description keywarden wrote for a key goes with it; other tags stay.
    const tagged = leaver();
    tagged.tags = {
      AKIAACTIVE: 'keywarden made-by=campaign:q3 created=2026-01-02 stored=secretsmanager:keywarden/mallory',
      email: 'mallory@example.com',
    };
    await run((input) => fakeIam(tagged).activities.purgeStep(input), {
      target,
      userName: 'mallory',
      policyName: POLICY,
      step: 'access-keys' as const,
    });
    assert.deepEqual(tagged.tags, { email: 'mallory@example.com' });

    const gone = await run((input) => fakeIam(undefined).activities.purgeStep(input), {
      target,
      userName: 'mallory',
      policyName: POLICY,
      step: 'groups' as const,
    });
    assert.equal(gone.status, 'nothing-to-do');
    assert.equal(gone.reason, 'the user no longer exists');
  });
});

describe('purge order', () => {
  test('follows the order AWS documents; strip-credentials keeps the user', () => {
    assert.deepEqual(
      [...PURGE_STEPS],
      [
        'login-profile',
        'access-keys',
        'signing-certificates',
        'ssh-public-keys',
        'service-specific-credentials',
        'mfa-devices',
        'inline-policies',
        'attached-policies',
        'groups',
        'user',
      ],
    );
    assert.deepEqual(purgeStepsFor('delete-user'), [...PURGE_STEPS]);
    assert.deepEqual(purgeStepsFor('strip-credentials'), PURGE_STEPS.slice(0, -1));
  });

  test('the deny policy denies everything and every session issued before containment', () => {
    const at = '2026-03-01T09:30:00.000Z';
    const document = JSON.parse(containmentPolicyDocument(at)) as {
      Statement: Array<Record<string, unknown>>;
    };
    assert.deepEqual(document.Statement, [
      { Sid: 'KeywardenDenyAll', Effect: 'Deny', Action: '*', Resource: '*' },
      {
        Sid: 'KeywardenDenySessionsIssuedBeforeContainment',
        Effect: 'Deny',
        Action: '*',
        Resource: '*',
        Condition: { DateLessThan: { 'aws:TokenIssueTime': at } },
      },
    ]);
    assert.equal(sessionsIssuedBefore(containmentPolicyDocument(at)), at);
    assert.equal(sessionsIssuedBefore(CONTAINMENT_POLICY_DOCUMENT), undefined, 'the earlier document');
    assert.ok(isContainmentPolicy(containmentPolicyDocument(at)));
    // A document with an extra statement is not keywarden's.
    const widened = JSON.parse(containmentPolicyDocument(at)) as { Statement: unknown[] };
    widened.Statement.push({ Effect: 'Allow', Action: 's3:*', Resource: '*' });
    assert.ok(!isContainmentPolicy(JSON.stringify(widened)));
  });

  test('the containment policy is recognised whatever its formatting', () => {
    assert.ok(isContainmentPolicy(CONTAINMENT_POLICY_DOCUMENT));
    assert.ok(
      isContainmentPolicy(
        '{ "Statement": [ { "Resource": "*", "Action": "*", "Effect": "Deny" } ], "Version": "2012-10-17" }',
      ),
    );
    assert.ok(
      !isContainmentPolicy(
        '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}',
      ),
    );
    assert.ok(!isContainmentPolicy('not json'));
    assert.ok(!isContainmentPolicy(undefined));
  });
});
