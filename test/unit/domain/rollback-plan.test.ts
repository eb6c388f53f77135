import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { KeyLookup, LookedUpKey, StoredKeyLocation } from '../../../domain/key-lookup';
import { planRollback, RollbackRequestSchema } from '../../../domain/rollback-request';

const ACCOUNT = '111122223333';
const request = { accountId: ACCOUNT, userName: 'ci-bot' };

function key(accessKeyId: string, status: LookedUpKey['status'] = 'Active'): LookedUpKey {
  return { accessKeyId, status, createDate: '2026-01-01T00:00:00Z' };
}

function secret(versions: StoredKeyLocation['versions'], name = 'keywarden/ci-bot'): StoredKeyLocation {
  return {
    kind: 'secret',
    name,
    arn: `arn:aws:secretsmanager:us-east-1:${ACCOUNT}:secret:${name}`,
    versions,
  };
}

const rotated = secret([
  { versionId: 'v-new', stages: ['AWSCURRENT'], accessKeyId: 'AKIANEW' },
  { versionId: 'v-old', stages: ['AWSPREVIOUS'], accessKeyId: 'AKIAOLD' },
]);

function lookup(stored: StoredKeyLocation[], userKeys = [key('AKIAOLD'), key('AKIANEW')]): KeyLookup {
  return {
    account: { accountId: ACCOUNT, name: 'prod' },
    userName: 'ci-bot',
    userExists: true,
    userKeys,
    containmentPolicies: [],
    permissionSources: [],
    stored,
  };
}

const refusal = (result: ReturnType<typeof planRollback>) => ('refused' in result ? result.refused : '');

describe('planning a rollback of a stored key', () => {
  test('the previous version holds an Active key of the user: the plan names both versions', () => {
    assert.deepEqual(planRollback(lookup([rotated]), request), {
      plan: {
        location: { kind: 'secret', name: 'keywarden/ci-bot' },
        current: { versionId: 'v-new', accessKeyId: 'AKIANEW' },
        previous: { versionId: 'v-old', accessKeyId: 'AKIAOLD' },
      },
    });
  });

  test('a parameter is read by its labels', () => {
    const parameter: StoredKeyLocation = {
      kind: 'parameter',
      name: `/keywarden/${ACCOUNT}/ci-bot`,
      arn: '',
      versions: [
        { versionId: '1', stages: ['previous'], accessKeyId: 'AKIAOLD' },
        { versionId: '2', stages: ['current'], accessKeyId: 'AKIANEW' },
      ],
    };
    const result = planRollback(lookup([parameter]), request);
    assert.ok('plan' in result);
    assert.equal(result.plan.previous.versionId, '1');
  });

  test('refused, saying why, whenever the consumers would get a key that does not work', () => {
    assert.match(
      refusal(planRollback(lookup([rotated], [key('AKIAOLD', 'Inactive'), key('AKIANEW')]), request)),
      /holds AKIAOLD, which is Inactive: .*Reactivate it first/,
    );
    assert.match(
      refusal(planRollback(lookup([rotated], [key('AKIANEW')]), request)),
      /holds AKIAOLD, which user ci-bot in account 111122223333 no longer has/,
    );
    assert.match(
      refusal(
        planRollback(
          lookup([secret([{ versionId: 'v', stages: ['AWSCURRENT'], accessKeyId: 'AKIANEW' }])]),
          request,
        ),
      ),
      /no previous version/,
    );
    assert.match(
      refusal(
        planRollback(
          lookup([
            secret([
              { versionId: 'a', stages: ['AWSCURRENT'], accessKeyId: 'AKIANEW' },
              { versionId: 'b', stages: ['AWSPREVIOUS'], accessKeyId: 'AKIANEW' },
            ]),
          ]),
          request,
        ),
      ),
      /holds the current key already/,
    );
    assert.match(refusal(planRollback({ ...lookup([]), userExists: false }, request)), /does not exist/);
    assert.match(refusal(planRollback(lookup([]), request)), /stored no key/);
  });

  test('two destinations: refused until one is named, and a named one must be one of them', () => {
    const both = [rotated, secret(rotated.versions, 'keywarden/ci-bot-copy')];
    assert.match(refusal(planRollback(lookup(both), request)), /stored in 2 places .*--secret <name>/);
    const named = planRollback(lookup(both), {
      ...request,
      location: { kind: 'secret', name: 'keywarden/ci-bot-copy' },
    });
    assert.ok('plan' in named && named.plan.location.name === 'keywarden/ci-bot-copy');
    assert.match(
      refusal(planRollback(lookup(both), { ...request, location: { kind: 'parameter', name: '/x' } })),
      /parameter \/x is not where keywarden stored a key/,
    );
  });

  test('the request schema says what to fix', () => {
    const bad = RollbackRequestSchema.safeParse({
      accountId: '12',
      userName: 'a b',
      reason: ' ',
      initiator: 'me',
    });
    assert.ok(!bad.success);
    const messages = bad.error.issues.map((i) => i.message).join('\n');
    assert.match(messages, /exactly 12 digits/);
    assert.match(messages, /IAM user name/);
    assert.match(messages, /give a reason/);
  });
});
