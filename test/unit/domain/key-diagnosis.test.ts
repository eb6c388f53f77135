import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseAccessKeyId } from '../../../domain/access-key-id';
import { diagnoseKey, keyAgeDays, type KeyCauseCode, type WorkflowRef } from '../../../domain/key-diagnosis';
import type { KeyLookup, LookedUpKey } from '../../../domain/key-lookup';

const ACCOUNT = '111122223333';
const OLD = 'AKIAOLDOLDOLDOLD0001';
const NEW = 'AKIANEWNEWNEWNEW0002';

const key = (accessKeyId: string, status: LookedUpKey['status'] = 'Active'): LookedUpKey => ({
  accessKeyId,
  status,
  createDate: '2026-01-01T00:00:00.000Z',
});

const secretHolding = (current: string, previous?: string): KeyLookup['stored'] => [
  {
    kind: 'secret',
    name: 'keywarden/app',
    arn: 'arn:aws:secretsmanager:us-east-1:111122223333:secret:keywarden/app-AbCdEf',
    versions: [
      { versionId: 'v2', stages: ['AWSCURRENT'], accessKeyId: current },
      ...(previous === undefined
        ? []
        : [{ versionId: 'v1', stages: ['AWSPREVIOUS'], accessKeyId: previous }]),
    ],
  },
];

/** A key that works: active, the user's only key, with a permission, and the one stored. */
function healthy(overrides: Partial<KeyLookup> = {}): KeyLookup {
  return {
    accessKeyId: OLD,
    account: { accountId: ACCOUNT, name: 'payments', state: 'ACTIVE', ouPath: 'Root/Prod' },
    userName: 'app',
    userArn: `arn:aws:iam::${ACCOUNT}:user/app`,
    userExists: true,
    key: key(OLD),
    userKeys: [key(OLD)],
    containmentPolicies: [],
    permissionSources: ['managed policy ReadOnlyAccess'],
    stored: secretHolding(OLD),
    ...overrides,
  };
}

const codes = (lookup: KeyLookup, containedBy: WorkflowRef[] = []): KeyCauseCode[] =>
  diagnoseKey({ lookup, containedBy }).map((c) => c.code);

describe('diagnoseKey maps what AWS shows to causes, each with a fix', () => {
  test('a healthy key has no cause', () => {
    assert.deepEqual(codes(healthy()), []);
  });

  test('inactive: reactivate, or use the stored key when a rotation replaced it', () => {
    const inactive = healthy({ key: key(OLD, 'Inactive'), userKeys: [key(OLD, 'Inactive')] });
    const [cause] = diagnoseKey({ lookup: inactive, containedBy: [] });
    assert.equal(cause?.code, 'inactive');
    assert.match(
      cause?.fix ?? '',
      /update-access-key --user-name app --access-key-id AKIAOLDOLDOLDOLD0001 --status Active/,
    );

    const replaced = healthy({
      key: key(OLD, 'Inactive'),
      userKeys: [key(NEW), key(OLD, 'Inactive')],
      stored: secretHolding(NEW, OLD),
    });
    const causes = diagnoseKey({ lookup: replaced, containedBy: [] });
    assert.deepEqual(
      causes.map((c) => c.code),
      ['inactive', 'newer-key-stored', 'two-keys'],
    );
    assert.match(
      causes[0]?.fix ?? '',
      /point the application at secret keywarden\/app \(AWSCURRENT, key AKIANEWNEWNEWNEW0002\)/,
    );
    assert.match(causes[1]?.problem ?? '', /holds a newer key, AKIANEWNEWNEWNEW0002, as AWSCURRENT/);
  });

  test('a Parameter Store destination: its current label holds the newer key', () => {
    const parameter: KeyLookup['stored'] = [
      {
        kind: 'parameter',
        name: `/keywarden/${ACCOUNT}/app`,
        arn: `arn:aws:ssm:us-east-1:${ACCOUNT}:parameter/keywarden/${ACCOUNT}/app`,
        versions: [
          { versionId: '1', stages: ['previous'], accessKeyId: OLD },
          { versionId: '2', stages: ['current'], accessKeyId: NEW },
        ],
      },
    ];
    const causes = diagnoseKey({
      lookup: healthy({ userKeys: [key(OLD), key(NEW)], stored: parameter }),
      containedBy: [],
    });
    assert.deepEqual(
      causes.map((c) => c.code),
      ['newer-key-stored', 'two-keys'],
    );
    assert.match(
      causes[0]?.problem ?? '',
      new RegExp(`parameter /keywarden/${ACCOUNT}/app holds a newer key, ${NEW}, as current`),
    );
  });

  test('by user: inactive only when none of its keys is active', () => {
    const byUser = (keys: LookedUpKey[]) =>
      healthy({
        accessKeyId: undefined,
        key: undefined,
        userKeys: keys,
        stored: secretHolding(keys[0]!.accessKeyId),
      });
    assert.deepEqual(codes(byUser([key(OLD, 'Inactive')])), ['inactive']);
    assert.deepEqual(codes(byUser([key(OLD), key(NEW, 'Inactive')])), ['two-keys']);
  });

  test('deleted or unknown: the key belongs to no user; the fix names the stored key when there is one', () => {
    const unknown = healthy({
      userName: undefined,
      userArn: undefined,
      userExists: false,
      key: undefined,
      userKeys: [],
      permissionSources: [],
      stored: [],
    });
    const causes = diagnoseKey({ lookup: unknown, containedBy: [] });
    assert.deepEqual(
      causes.map((c) => c.code),
      ['deleted-or-unknown'],
    );
    assert.match(causes[0]?.problem ?? '', /key AKIAOLDOLDOLDOLD0001 does not exist in account 111122223333/);

    const deleted = healthy({ key: undefined, userKeys: [key(NEW)], stored: secretHolding(NEW) });
    const again = diagnoseKey({ lookup: deleted, containedBy: [] });
    assert.deepEqual(
      again.map((c) => c.code),
      ['deleted-or-unknown', 'newer-key-stored'],
    );
    assert.match(again[0]?.fix ?? '', /secret keywarden\/app, which holds key AKIANEWNEWNEWNEW0002/);
  });

  test('an unknown user, asked by account and user', () => {
    const lookup = healthy({
      accessKeyId: undefined,
      key: undefined,
      userExists: false,
      userKeys: [],
      stored: [],
    });
    const causes = diagnoseKey({ lookup, containedBy: [] });
    assert.deepEqual(
      causes.map((c) => c.code),
      ['user-unknown'],
    );
    assert.match(causes[0]?.problem ?? '', /user app does not exist in account 111122223333/);
  });

  test('contained: names the policy and the workflow, and says only reject or cancel restores', () => {
    const offboarding: WorkflowRef = {
      workflowId: 'offboard-e123',
      kind: 'offboarding',
      status: 'RUNNING',
      startTime: '2026-11-01T00:00:00.000Z',
    };
    const lookup = healthy({
      key: key(OLD, 'Inactive'),
      userKeys: [key(OLD, 'Inactive')],
      containmentPolicies: ['keywarden-offboarding-deny-all'],
    });
    const causes = diagnoseKey({ lookup, containedBy: [offboarding] });
    assert.deepEqual(
      causes.map((c) => c.code),
      ['inactive', 'contained'],
    );
    assert.match(
      causes[1]?.problem ?? '',
      /keywarden-offboarding-deny-all is attached by offboarding offboard-e123 \(running\)/,
    );
    assert.match(causes[1]?.fix ?? '', /keywarden cancel offboard-e123/);

    const orphan = diagnoseKey({ lookup, containedBy: [] })[1];
    assert.match(orphan?.problem ?? '', /no keywarden workflow found/);
    assert.match(
      orphan?.fix ?? '',
      /delete-user-policy --user-name app --policy-name keywarden-offboarding-deny-all/,
    );
  });

  test('no permissions: no policy and no group with one', () => {
    const causes = diagnoseKey({ lookup: healthy({ permissionSources: [] }), containedBy: [] });
    assert.deepEqual(
      causes.map((c) => c.code),
      ['no-permissions'],
    );
    assert.match(causes[0]?.fix ?? '', /attach the policy the application needs to app/);
  });

  test('a newer key stored: the application should read the destination again', () => {
    const lookup = healthy({ userKeys: [key(OLD), key(NEW)], stored: secretHolding(NEW, OLD) });
    const causes = diagnoseKey({ lookup, containedBy: [] });
    assert.deepEqual(
      causes.map((c) => c.code),
      ['newer-key-stored', 'two-keys'],
    );
    assert.match(causes[0]?.fix ?? '', /make the application read secret keywarden\/app again/);
  });

  test('two keys, or none', () => {
    const two = diagnoseKey({ lookup: healthy({ userKeys: [key(OLD), key(NEW)] }), containedBy: [] });
    assert.deepEqual(
      two.map((c) => c.code),
      ['two-keys'],
    );
    assert.match(two[0]?.problem ?? '', /AKIAOLDOLDOLDOLD0001 Active, AKIANEWNEWNEWNEW0002 Active/);
    assert.match(two[0]?.fix ?? '', /use the key in secret keywarden\/app \(AKIAOLDOLDOLDOLD0001\)/);

    const none = healthy({ accessKeyId: undefined, key: undefined, userKeys: [], stored: [] });
    const causes = diagnoseKey({ lookup: none, containedBy: [] });
    assert.deepEqual(
      causes.map((c) => c.code),
      ['no-keys'],
    );
    assert.match(causes[0]?.fix ?? '', /aws iam create-access-key --user-name app/);
  });

  test('an account that is not active', () => {
    const lookup = healthy({ account: { accountId: ACCOUNT, state: 'SUSPENDED' } });
    assert.deepEqual(codes(lookup), ['account-not-active']);
  });

  test('every cause has a problem and a fix, and none carries a secret-looking value', () => {
    const all = diagnoseKey({
      lookup: healthy({
        account: { accountId: ACCOUNT, state: 'SUSPENDED' },
        key: key(OLD, 'Inactive'),
        userKeys: [key(OLD, 'Inactive'), key(NEW)],
        containmentPolicies: ['deny'],
        permissionSources: [],
        stored: secretHolding(NEW, OLD),
      }),
      containedBy: [],
    });
    assert.deepEqual(
      all.map((c) => c.code),
      ['account-not-active', 'inactive', 'contained', 'no-permissions', 'newer-key-stored', 'two-keys'],
    );
    for (const cause of all) {
      assert.ok(cause.problem.length > 10 && cause.fix.length > 10, cause.code);
      assert.doesNotMatch(`${cause.problem} ${cause.fix}`, /SecretAccessKey|[A-Za-z0-9/+]{40}/);
    }
  });

  test('key age in whole days', () => {
    assert.equal(keyAgeDays('2026-01-01T00:00:00.000Z', new Date('2026-01-31T12:00:00.000Z')), 30);
  });
});

describe('access key IDs are checked before anything runs', () => {
  test('a user key ID is accepted, trimmed', () => {
    assert.deepEqual(parseAccessKeyId(' AKIAIOSFODNN7EXAMPLE '), {
      ok: true,
      accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
    });
  });

  test('malformed IDs get a message that says what an ID looks like', () => {
    for (const bad of [
      '',
      'akiaiosfodnn7example',
      'AKIA123',
      'AKIAIOSFODNN7EXAMPLE1',
      'wJalrXUtnFEMI/K7MDENG',
    ]) {
      const parsed = parseAccessKeyId(bad);
      assert.equal(parsed.ok, false, bad);
      assert.match(parsed.ok ? '' : parsed.message, /"AKIA" followed by 16 capital letters or digits/);
    }
  });

  test('a temporary (ASIA) key is refused with the reason', () => {
    const parsed = parseAccessKeyId('ASIAIOSFODNN7EXAMPLE');
    assert.equal(parsed.ok, false);
    assert.match(parsed.ok ? '' : parsed.message, /temporary key of a role session/);
  });
});
