import { IAMClient } from '@aws-sdk/client-iam';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { AwsClients } from '../../../activities/aws/clients';
import type { CredentialReportRow } from '../../../activities/aws/credential-report';
import { toActivityFailure } from '../../../activities/aws/errors';
import { CredentialReportNotReadyError, SdkIamGateway } from '../../../activities/aws/iam-gateway';
import {
  compareUserNames,
  createInventoryActivities,
  planInventoryPage,
  resumeInventoryPage,
  type InventoryPage,
  type InventoryPageInput,
  type InventoryPageProgress,
} from '../../../activities/inventory-activities';

const ACCOUNT = '111111111111';
const target = { accountId: ACCOUNT, roleName: 'OrganizationAccountAccessRole', sessionName: 'keywarden-t' };
const T = '2024-01-02T03:04:05+00:00';
/** The failures these tests provoke on purpose are asserted, not printed. */
const quietEnv = (info: ConstructorParameters<typeof MockActivityEnvironment>[0] = {}) =>
  new MockActivityEnvironment(info, { logger: new DefaultLogger('ERROR') });

const HEADER =
  'user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,' +
  'password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,' +
  'access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,' +
  'access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,' +
  'access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,cert_1_last_rotated,' +
  'cert_2_active,cert_2_last_rotated';

interface FakeKey {
  id: string;
  status: 'Active' | 'Inactive';
}
interface FakeUser {
  keys: FakeKey[];
  tags: Record<string, string>;
  groups: string[];
  /** A console password, and whether an MFA device guards it (the report's password_enabled, mfa_active). */
  console?: { mfa: boolean };
}

function awsError(name: string, status: number, message = name): Error {
  return Object.assign(new Error(message), {
    name,
    $fault: status >= 500 ? 'server' : 'client',
    $metadata: { httpStatusCode: status },
  });
}

/** The report as AWS writes it (root row first), from the users as they are when it is called. */
function reportOf(users: ReadonlyMap<string, FakeUser>): string {
  const slot = (key: FakeKey | undefined) =>
    key === undefined
      ? ['false', 'N/A', 'N/A', 'N/A', 'N/A']
      : [key.status === 'Active' ? 'true' : 'false', T, 'N/A', 'N/A', 'N/A'];
  const rows = [...users].map(([name, user]) =>
    [
      name,
      `arn:aws:iam::${ACCOUNT}:user/${name}`,
      T,
      user.console ? 'true' : 'false',
      'N/A',
      T,
      'N/A',
      user.console?.mfa ? 'true' : 'false',
    ]
      .concat(slot(user.keys[0]), slot(user.keys[1]), ['false', 'N/A', 'false', 'N/A'])
      .join(','),
  );
  const root = `<root_account>,arn:aws:iam::${ACCOUNT}:root,${T},not_supported,${T},not_supported,not_supported,true,false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A`;
  return [HEADER, root, ...rows].join('\n') + '\n';
}

interface FakeIamOptions {
  /** GenerateCredentialReport answers these states in turn, then COMPLETE. */
  generateStates?: string[];
  /** Errors thrown by command name (every time), or for one user's command ('Command user'). */
  failOn?: Record<string, Error>;
  /** Called before a command is answered: a test can change the account under the activity's feet. */
  before?: (command: string, userName: string | undefined) => void;
  /** The report shows these users, not the current ones (a report older than the last change). */
  reportUsers?: ReadonlyMap<string, FakeUser>;
  /** GetAccountSummary's AccountAccessKeysPresent. */
  rootKeys?: boolean;
}

/** Just enough of IAM for an inventory, answering by command name; every call is recorded. */
function fakeIam(users: Map<string, FakeUser>, opts: FakeIamOptions = {}) {
  const calls: string[] = [];
  const generateStates = [...(opts.generateStates ?? [])];
  const client = new IAMClient({
    region: 'us-east-1',
    credentials: { accessKeyId: 'x', secretAccessKey: 'y' },
  });
  const userOf = (input: Record<string, unknown>): FakeUser => {
    const user = users.get(input.UserName as string);
    if (user === undefined) throw awsError('NoSuchEntity', 404, 'The user cannot be found.');
    return user;
  };
  const answer = (name: string, input: Record<string, unknown>): unknown => {
    const userName = typeof input.UserName === 'string' ? input.UserName : undefined;
    opts.before?.(name, userName);
    const failure = opts.failOn?.[`${name} ${userName ?? ''}`.trim()] ?? opts.failOn?.[name];
    if (failure) throw failure;
    switch (name) {
      case 'GenerateCredentialReportCommand':
        return { State: generateStates.shift() ?? 'COMPLETE' };
      case 'GetCredentialReportCommand':
        return {
          Content: Buffer.from(reportOf(opts.reportUsers ?? users)),
          ReportFormat: 'text/csv',
          GeneratedTime: new Date(),
        };
      case 'GetAccountSummaryCommand':
        return { SummaryMap: { AccountAccessKeysPresent: opts.rootKeys ? 1 : 0, Users: users.size } };
      case 'GetUserCommand':
        userOf(input);
        return {
          User: {
            UserName: userName,
            UserId: `AIDA${userName?.toUpperCase()}`,
            Arn: `arn:aws:iam::${ACCOUNT}:user/${userName}`,
            Path: '/',
            CreateDate: new Date(T),
          },
        };
      case 'ListAccessKeysCommand':
        return {
          AccessKeyMetadata: userOf(input).keys.map((k) => ({
            AccessKeyId: k.id,
            Status: k.status,
            CreateDate: new Date(T),
          })),
        };
      case 'GetAccessKeyLastUsedCommand':
        return { AccessKeyLastUsed: { ServiceName: 'N/A', Region: 'N/A' } };
      case 'ListUserTagsCommand':
        return { Tags: Object.entries(userOf(input).tags).map(([Key, Value]) => ({ Key, Value })) };
      case 'ListGroupsForUserCommand':
        return { Groups: userOf(input).groups.map((GroupName) => ({ GroupName })) };
      default:
        throw new Error(`fake IAM: unexpected ${name}`);
    }
  };
  const send = (command: {
    constructor: { name: string };
    input: Record<string, unknown>;
  }): Promise<unknown> => {
    const name = command.constructor.name;
    const userName = command.input.UserName;
    calls.push(typeof userName === 'string' ? `${name} ${userName}` : name);
    try {
      return Promise.resolve(answer(name, command.input));
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
  };
  Object.assign(client, { send });
  const aws = { member: () => ({ iam: client }) } as unknown as AwsClients;
  return { activities: createInventoryActivities({ aws }), gateway: new SdkIamGateway(client), calls };
}

/** An account: user i holds i % 3 keys (the first of two inactive when i % 5 == 0). */
function account(names: readonly string[]): Map<string, FakeUser> {
  const users = new Map<string, FakeUser>();
  names.forEach((name, i) => {
    const keys: FakeKey[] = [];
    for (let k = 0; k < i % 3; k++) {
      keys.push({ id: `AKIA${i}X${k}`, status: k === 0 && i % 5 === 0 ? 'Inactive' : 'Active' });
    }
    users.set(name, { keys, tags: { index: String(i) }, groups: i % 2 === 0 ? ['devs'] : [] });
  });
  return users;
}

const names = (count: number) =>
  Array.from({ length: count }, (_, i) => `user-${String(i).padStart(2, '0')}`);

function runPage(
  activities: ReturnType<typeof createInventoryActivities>,
  input: Omit<InventoryPageInput, 'target'>,
  env = quietEnv(),
): Promise<InventoryPage> {
  return env.run<[InventoryPageInput], InventoryPage, (i: InventoryPageInput) => Promise<InventoryPage>>(
    (i) => activities.inventoryPage(i),
    { target, ...input },
  );
}

/** What a value looks like after a trip through Temporal's JSON payload converter. */
const asJson = (value: unknown): unknown => JSON.parse(JSON.stringify(value)) as unknown;

async function failureOf(promise: Promise<unknown>): Promise<ApplicationFailure> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof ApplicationFailure, `an ApplicationFailure, not ${String(error)}`);
    return error;
  }
  assert.fail('expected a failure');
}

const row = (userName: string, keys: number): CredentialReportRow => ({
  userName,
  arn: `arn:aws:iam::${ACCOUNT}:user/${userName}`,
  userCreationTime: T,
  accessKeys: Array.from({ length: keys }, (_, k) => ({
    slot: (k + 1) as 1 | 2,
    active: true,
    lastRotated: T,
  })),
});

describe('planInventoryPage', () => {
  test('user names sort by code unit, not by locale', () => {
    const sorted = ['b', 'a-b', 'B', 'a.b', 'A', 'a_b', 'a', 'Ä', 'a+b', 'a@b', 'a=b'].sort(compareUserNames);
    assert.deepEqual(sorted, ['A', 'B', 'a', 'a+b', 'a-b', 'a.b', 'a=b', 'a@b', 'a_b', 'b', 'Ä']);
  });

  test('pages hold maxUsers users with keys; users without keys go with the page before the next user with keys', () => {
    // a(key) b c(key) d e(key) f g(key) h
    const rows = [
      row('h', 0),
      row('g', 1),
      row('f', 0),
      row('e', 2),
      row('d', 0),
      row('c', 1),
      row('b', 0),
      row('a', 1),
    ];
    const first = planInventoryPage(rows, undefined, 2);
    assert.deepEqual(
      first.withKeys.map((r) => r.userName),
      ['a', 'c'],
    );
    assert.equal(first.withoutKeys, 2, 'b and d');
    assert.equal(first.nextAfterUserName, 'd');
    assert.equal(first.totalUsers, 8);

    const second = planInventoryPage(rows, 'd', 2);
    assert.deepEqual(
      second.withKeys.map((r) => r.userName),
      ['e', 'g'],
    );
    assert.equal(second.withoutKeys, 2, 'f and h: the rest of the report');
    assert.equal(second.nextAfterUserName, undefined);
  });

  test('the page that reaches the last user with keys reaches the end; a name no longer in the report still resumes', () => {
    const rows = [row('a', 1), row('b', 1), row('c', 0)];
    assert.equal(planInventoryPage(rows, undefined, 2).nextAfterUserName, undefined);
    const resumed = planInventoryPage(rows, 'aa', 5);
    assert.deepEqual(
      resumed.withKeys.map((r) => r.userName),
      ['b'],
    );
    assert.equal(resumed.withoutKeys, 1);
    const past = planInventoryPage(rows, 'z', 5);
    assert.deepEqual(past, { withKeys: [], withoutKeys: 0, covered: [], totalUsers: 3 });
  });

  test('an account without keys is one page that only counts', () => {
    assert.deepEqual(planInventoryPage([row('x', 0), row('y', 0)], undefined, 1), {
      withKeys: [],
      withoutKeys: 2,
      covered: [row('x', 0), row('y', 0)],
      totalUsers: 2,
    });
  });
});

describe('resumeInventoryPage', () => {
  const input: InventoryPageInput = { target, afterUserName: 'm', maxUsers: 3 };
  const facts = {
    accountId: ACCOUNT,
    userName: 'n',
    userId: 'AIDAN',
    arn: 'arn',
    path: '/',
    createDate: T,
    tags: {},
    groups: [],
    keys: [],
  };
  const saved: InventoryPageProgress = {
    afterUserName: 'm',
    maxUsers: 3,
    done: [facts],
    gone: ['o'],
    keyless: [],
  };

  test('takes the progress of the same page', () => {
    assert.deepEqual(resumeInventoryPage(asJson(saved), input), saved);
  });

  test('ignores details of another page, another account or another shape', () => {
    const fresh = { afterUserName: 'm', maxUsers: 3, done: [], gone: [], keyless: [] };
    assert.deepEqual(resumeInventoryPage(undefined, input), fresh);
    assert.deepEqual(resumeInventoryPage({ ...saved, afterUserName: 'l' }, input), fresh);
    assert.deepEqual(resumeInventoryPage({ ...saved, maxUsers: 4 }, input), fresh);
    assert.deepEqual(resumeInventoryPage({ ...saved, done: [{ ...facts, accountId: '2' }] }, input), fresh);
    assert.deepEqual(resumeInventoryPage({ ...saved, gone: [1] }, input), fresh);
    assert.deepEqual(resumeInventoryPage({ usersListed: 3, usersDone: 1 }, input), fresh);
    assert.deepEqual(resumeInventoryPage('x', input), fresh);
  });
});

describe('inventoryPage', () => {
  test('pages through the account: users with keys in name order, the others only counted, no calls for them', async () => {
    const users = account(names(20));
    const { activities, calls } = fakeIam(users);
    const pages: InventoryPage[] = [];
    let after: string | undefined;
    do {
      const page = await runPage(activities, {
        maxUsers: 4,
        ...(after === undefined ? {} : { afterUserName: after }),
      });
      pages.push(page);
      after = page.nextAfterUserName;
    } while (after !== undefined && pages.length < 20);

    const withKeys = [...users].filter(([, u]) => u.keys.length > 0).map(([name]) => name);
    assert.deepEqual(
      pages.flatMap((p) => p.users.map((u) => u.userName)),
      withKeys,
    );
    assert.ok(pages.slice(0, -1).every((p) => p.users.length === 4));
    assert.equal(pages.at(-1)?.nextAfterUserName, undefined);
    assert.equal(
      pages.reduce((n, p) => n + p.users.length + p.usersWithoutKeys, 0),
      20,
    );
    assert.ok(pages.every((p) => p.totalUsers === 20));
    for (const p of pages) {
      for (const u of p.users) {
        const user = users.get(u.userName)!;
        assert.deepEqual(
          u.keys.map((k) => [k.accessKeyId, k.status]),
          user.keys.map((k) => [k.id, k.status]),
        );
        assert.deepEqual(u.tags, user.tags);
        assert.deepEqual(u.groups, user.groups);
        assert.equal(u.accountId, ACCOUNT);
      }
    }
    const keyless = [...users].filter(([, u]) => u.keys.length === 0).map(([name]) => name);
    for (const name of keyless) {
      assert.ok(!calls.some((c) => c.endsWith(` ${name}`)), `no per-user call for ${name}`);
    }
    assert.ok(!calls.some((c) => c.includes('<root_account>')));
  });

  test('heartbeats after each user with bounded details, and a retry resumes from them', async () => {
    const users = account(names(12));
    const first = fakeIam(users);
    const env = quietEnv();
    const heartbeats: InventoryPageProgress[] = [];
    env.on('heartbeat', (details: InventoryPageProgress) => heartbeats.push(details));
    const full = await runPage(first.activities, { maxUsers: 5 }, env);
    assert.equal(full.users.length, 5);
    const perUser = heartbeats.filter((h) => h.lastUserName !== undefined);
    assert.equal(perUser.length, 5, 'one heartbeat per user');
    for (const h of heartbeats) {
      assert.ok(h.done.length + h.gone.length + h.keyless.length <= 5);
      assert.equal(h.maxUsers, 5);
      assert.equal(h.usersPlanned, 5);
    }

    // The previous attempt died after its third user: the retry asks nothing about those three.
    const crashed = perUser[2]!;
    const doneBefore = crashed.done.map((u) => u.userName);
    assert.equal(doneBefore.length, 3);
    const retry = fakeIam(users);
    const again = await runPage(
      retry.activities,
      { maxUsers: 5 },
      quietEnv({ attempt: 2, heartbeatDetails: asJson(crashed) }),
    );
    assert.deepEqual(again, full);
    for (const name of doneBefore) {
      assert.ok(!retry.calls.some((c) => c.endsWith(` ${name}`)), `${name} is not asked about again`);
    }
    const rest = full.users.map((u) => u.userName).filter((n) => !doneBefore.includes(n));
    for (const name of rest) assert.ok(retry.calls.includes(`GetUserCommand ${name}`));
  });

  test('a user deleted since the report is skipped; one whose keys went is counted without keys', async () => {
    const users = account(names(9)); // with keys: 01 02 04 05 07 08
    const report = new Map(users);
    users.delete('user-02'); // gone before GetUser
    users.set('user-05', { ...users.get('user-05')!, keys: [] }); // keys deleted since the report
    const { activities } = fakeIam(users, {
      reportUsers: report,
      // gone between GetUser and ListAccessKeys
      before: (command, userName) => {
        if (command === 'ListAccessKeysCommand' && userName === 'user-07') users.delete('user-07');
      },
    });
    const page = await runPage(activities, { maxUsers: 10 });
    assert.deepEqual(
      page.users.map((u) => u.userName),
      ['user-01', 'user-04', 'user-08'],
    );
    assert.equal(page.usersWithoutKeys, 3 + 1, 'user-00, 03, 06 and user-05');
    assert.equal(page.totalUsers, 9);
    assert.equal(page.nextAfterUserName, undefined);
  });

  test('AccessDenied is non-retryable, throttling retryable, bad input InvalidSpec', async () => {
    const users = account(names(3));
    const denied = fakeIam(users, {
      failOn: { GenerateCredentialReportCommand: awsError('AccessDenied', 403) },
    });
    const deniedFailure = await failureOf(runPage(denied.activities, { maxUsers: 2 }));
    assert.equal(deniedFailure.type, 'AccessDenied');
    assert.equal(deniedFailure.nonRetryable, true);
    assert.match(deniedFailure.message, /^inventory of account 111111111111 \(first page\): AccessDenied/);

    const throttled = fakeIam(users, {
      failOn: { 'ListUserTagsCommand user-01': awsError('Throttling', 400) },
    });
    const throttledFailure = await failureOf(
      runPage(throttled.activities, { maxUsers: 2, afterUserName: 'user-00' }),
    );
    assert.equal(throttledFailure.type, 'Throttled');
    assert.equal(throttledFailure.nonRetryable, false);
    assert.match(throttledFailure.message, /\(page after user-00\)/);

    for (const maxUsers of [0, 501, 2.5, Number.NaN]) {
      const failure = await failureOf(runPage(fakeIam(users).activities, { maxUsers }));
      assert.equal(failure.type, 'InvalidSpec');
      assert.equal(failure.nonRetryable, true);
    }
    const empty = await failureOf(runPage(fakeIam(users).activities, { maxUsers: 1, afterUserName: '' }));
    assert.equal(empty.type, 'InvalidSpec');
  });

  test('the result and the heartbeats hold no secret and are plain JSON', async () => {
    const { activities } = fakeIam(account(names(6)));
    const env = quietEnv();
    const heartbeats: unknown[] = [];
    env.on('heartbeat', (details: unknown) => heartbeats.push(details));
    const page = await runPage(activities, { maxUsers: 3 }, env);
    assert.deepEqual(JSON.parse(JSON.stringify(page)), page);
    assert.doesNotMatch(JSON.stringify([page, heartbeats]), /secret/i);
  });
});

describe('SdkIamGateway.getCredentialReport', () => {
  test('generates until COMPLETE, waiting between polls, and waits out ReportInProgress', async () => {
    const users = account(['a', 'b']);
    const notReady = awsError('ReportInProgress', 404);
    let gets = 0;
    const { gateway, calls } = fakeIam(users, {
      generateStates: ['STARTED', 'INPROGRESS'],
      before: (command) => {
        if (command === 'GetCredentialReportCommand' && gets++ === 0) throw notReady;
      },
    });
    const waits: number[] = [];
    const rows = await gateway.getCredentialReport({
      pollIntervalMs: 7,
      sleep: (ms) => {
        waits.push(ms);
        return Promise.resolve();
      },
    });
    assert.deepEqual(
      rows.map((r) => r.userName),
      ['a', 'b'],
    );
    assert.deepEqual(waits, [7, 7, 7]);
    assert.deepEqual(calls, [
      'GenerateCredentialReportCommand',
      'GenerateCredentialReportCommand',
      'GenerateCredentialReportCommand',
      'GetCredentialReportCommand',
      'GenerateCredentialReportCommand',
      'GetCredentialReportCommand',
    ]);
  });

  test('LimitExceeded from GenerateCredentialReport is waited out too', async () => {
    let generates = 0;
    const { gateway } = fakeIam(account(['a']), {
      before: (command) => {
        if (command === 'GenerateCredentialReportCommand' && generates++ === 0) {
          throw awsError('LimitExceeded', 409);
        }
      },
    });
    const rows = await gateway.getCredentialReport({ sleep: () => Promise.resolve() });
    assert.equal(rows.length, 1);
  });

  test('a report still not ready after the bounded polling is a retryable failure', async () => {
    const { gateway } = fakeIam(account(['a']), { generateStates: Array<string>(10).fill('STARTED') });
    let waited = 0;
    const err = await gateway
      .getCredentialReport({
        maxPolls: 4,
        sleep: () => {
          waited++;
          return Promise.resolve();
        },
      })
      .then(
        () => assert.fail('expected CredentialReportNotReadyError'),
        (e: unknown) => e,
      );
    assert.ok(err instanceof CredentialReportNotReadyError);
    assert.equal(waited, 3);
    const failure = toActivityFailure(err, 'inventory');
    assert.equal(failure.nonRetryable, false);
    assert.equal(failure.type, 'CredentialReportNotReady');
  });
});

describe('inventoryPage findings about principals', () => {
  const consoleAccount = (): Map<string, FakeUser> =>
    new Map<string, FakeUser>([
      ['ann', { keys: [{ id: 'AKIAANN', status: 'Active' }], tags: {}, groups: [], console: { mfa: true } }],
      ['bob', { keys: [], tags: {}, groups: [], console: { mfa: false } }],
      ['cid', { keys: [{ id: 'AKIACID', status: 'Active' }], tags: {}, groups: [], console: { mfa: false } }],
      [
        'dan',
        { keys: [{ id: 'AKIADAN', status: 'Inactive' }], tags: {}, groups: [], console: { mfa: true } },
      ],
      ['eve', { keys: [{ id: 'AKIAEVE', status: 'Active' }], tags: {}, groups: [] }],
    ]);
  const summary = (page: InventoryPage) =>
    (page.findings ?? []).map((f) => `${f.userName ?? 'root'} ${f.code} ${f.controls.join('+')}`);

  test('console users without MFA, users with a password and an active key, and root keys on the first page', async () => {
    const { activities, calls } = fakeIam(consoleAccount(), { rootKeys: true });
    const page = await runPage(activities, { maxUsers: 10 });
    assert.deepEqual(summary(page), [
      'root ROOT_ACCESS_KEYS_PRESENT CIS 1.4+SecurityHub IAM.4',
      'ann PASSWORD_AND_ACCESS_KEYS ',
      'bob CONSOLE_USER_WITHOUT_MFA CIS 1.10+SecurityHub IAM.5',
      'cid CONSOLE_USER_WITHOUT_MFA CIS 1.10+SecurityHub IAM.5',
      'cid PASSWORD_AND_ACCESS_KEYS ',
    ]);
    assert.equal(page.findings?.[0]?.principalArn, `arn:aws:iam::${ACCOUNT}:root`);
    assert.equal(page.findings?.[2]?.principalArn, `arn:aws:iam::${ACCOUNT}:user/bob`);
    assert.ok(page.findings?.every((f) => f.accountId === ACCOUNT));
    assert.equal(calls.filter((c) => c === 'GetAccountSummaryCommand').length, 1);
    // No per-user call for bob, who holds no key: his finding comes from the report alone.
    assert.ok(!calls.some((c) => c.endsWith(' bob')), calls.join(', '));
  });

  test('each page reports the users it covers, and only the first asks about the root user', async () => {
    const { activities, calls } = fakeIam(consoleAccount(), { rootKeys: false });
    // The first page covers ann and bob (who holds no key), the second cid.
    const first = await runPage(activities, { maxUsers: 1 });
    assert.deepEqual(summary(first), [
      'ann PASSWORD_AND_ACCESS_KEYS ',
      'bob CONSOLE_USER_WITHOUT_MFA CIS 1.10+SecurityHub IAM.5',
    ]);
    const second = await runPage(activities, { maxUsers: 1, afterUserName: first.nextAfterUserName! });
    assert.deepEqual(summary(second), [
      'cid CONSOLE_USER_WITHOUT_MFA CIS 1.10+SecurityHub IAM.5',
      'cid PASSWORD_AND_ACCESS_KEYS ',
    ]);
    assert.equal(calls.filter((c) => c === 'GetAccountSummaryCommand').length, 1);
  });
});
