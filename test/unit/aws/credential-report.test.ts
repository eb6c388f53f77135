import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CredentialReportFormatError,
  hasAccessKey,
  parseCredentialReport,
} from '../../../activities/aws/credential-report';

const HEADER =
  'user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,' +
  'password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,' +
  'access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,' +
  'access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,' +
  'access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,cert_1_last_rotated,' +
  'cert_2_active,cert_2_last_rotated';

const ACCOUNT = '111122223333';
const T = '2024-01-02T03:04:05+00:00';

/** One report line as AWS writes it, with the key columns given. */
function line(
  user: string,
  arn: string,
  key1?: { active: boolean; rotated?: string },
  key2?: { active: boolean; rotated?: string },
): string {
  const key = (k?: { active: boolean; rotated?: string }) =>
    k === undefined
      ? ['false', 'N/A', 'N/A', 'N/A', 'N/A']
      : [String(k.active), k.rotated ?? T, 'N/A', 'N/A', 'N/A'];
  return [user, arn, T, 'false', 'N/A', 'N/A', 'N/A', 'false', ...key(key1), ...key(key2)]
    .concat(['false', 'N/A', 'false', 'N/A'])
    .join(',');
}
const arnOf = (name: string, path = '/') => `arn:aws:iam::${ACCOUNT}:user${path}${name}`;

describe('parseCredentialReport', () => {
  test('one row per IAM user; N/A in access_key_N_last_rotated means no key in that slot', () => {
    const text = [
      HEADER,
      line('nokeys', arnOf('nokeys')),
      line('one', arnOf('one'), { active: true }),
      line('two', arnOf('two'), { active: true }, { active: false, rotated: '2023-05-06T07:08:09+00:00' }),
      line('only-second', arnOf('only-second'), undefined, { active: true }),
      line('inactive', arnOf('inactive'), { active: false }),
    ].join('\n');
    const rows = parseCredentialReport(text);
    assert.deepEqual(
      rows.map((r) => r.userName),
      ['nokeys', 'one', 'two', 'only-second', 'inactive'],
    );
    const byName = new Map(rows.map((r) => [r.userName, r]));
    assert.deepEqual(byName.get('nokeys')?.accessKeys, []);
    assert.equal(hasAccessKey(byName.get('nokeys')!), false);
    assert.deepEqual(byName.get('one')?.accessKeys, [{ slot: 1, active: true, lastRotated: T }]);
    assert.deepEqual(byName.get('two')?.accessKeys, [
      { slot: 1, active: true, lastRotated: T },
      { slot: 2, active: false, lastRotated: '2023-05-06T07:08:09+00:00' },
    ]);
    assert.deepEqual(byName.get('only-second')?.accessKeys, [{ slot: 2, active: true, lastRotated: T }]);
    assert.ok(hasAccessKey(byName.get('inactive')!), 'an inactive key is still a key');
    assert.equal(byName.get('one')?.arn, arnOf('one'));
    assert.equal(byName.get('one')?.userCreationTime, T);
  });

  test('the <root_account> row is not an IAM user and is left out', () => {
    const root = line('<root_account>', `arn:aws:iam::${ACCOUNT}:root`, { active: true });
    const rows = parseCredentialReport([HEADER, root, line('alice', arnOf('alice'))].join('\n'));
    assert.deepEqual(
      rows.map((r) => r.userName),
      ['alice'],
    );
  });

  test('quoted fields (RFC 4180), CRLF line ends, a BOM and a trailing newline', () => {
    const quotedName = 'team,lead';
    const quotedArn = arnOf(quotedName, '/ops,eu/');
    const row = line('"team,lead"', `"${quotedArn}"`, { active: true });
    const text = `\uFEFF${HEADER}\r\n${row}\r\n${line('"say ""hi"""', arnOf('x'))}\r\n`;
    const rows = parseCredentialReport(text);
    assert.equal(rows.length, 2);
    assert.equal(rows[0]?.userName, quotedName);
    assert.equal(rows[0]?.arn, quotedArn);
    assert.deepEqual(rows[0]?.accessKeys, [{ slot: 1, active: true, lastRotated: T }]);
    assert.equal(rows[1]?.userName, 'say "hi"');
  });

  test('commas written unquoted in a user name or path are put back together around the ARN', () => {
    // IAM allows commas in user names and paths; some emulators write them without quotes.
    const rows = parseCredentialReport(
      [
        HEADER,
        line('a,b', arnOf('a,b'), { active: true }),
        line('c,d,e', arnOf('c,d,e', '/x,y/'), undefined, { active: false }),
        line('plain', arnOf('plain')),
      ].join('\n'),
    );
    assert.deepEqual(
      rows.map((r) => [r.userName, r.arn, r.accessKeys.map((k) => k.slot)]),
      [
        ['a,b', arnOf('a,b'), [1]],
        ['c,d,e', arnOf('c,d,e', '/x,y/'), [2]],
        ['plain', arnOf('plain'), []],
      ],
    );
  });

  test('columns are found by name, whatever their order and whatever columns are added', () => {
    const text = [
      'arn,user,access_key_2_last_rotated,access_key_2_active,new_column,access_key_1_active,access_key_1_last_rotated,user_creation_time',
      `${arnOf('bob')},bob,N/A,false,whatever,true,${T},${T}`,
    ].join('\n');
    assert.deepEqual(parseCredentialReport(text), [
      {
        userName: 'bob',
        arn: arnOf('bob'),
        userCreationTime: T,
        accessKeys: [{ slot: 1, active: true, lastRotated: T }],
      },
    ]);
  });

  test('a slot marked active with no rotation date still counts as a key', () => {
    const rows = parseCredentialReport(
      [HEADER, line('odd', arnOf('odd'), { active: true, rotated: 'N/A' })].join('\n'),
    );
    assert.deepEqual(rows[0]?.accessKeys, [{ slot: 1, active: true }]);
  });

  test('a header-only report has no users', () => {
    assert.deepEqual(parseCredentialReport(`${HEADER}\n`), []);
  });

  test('text that is not a credential report is a CredentialReportFormatError', () => {
    assert.throws(() => parseCredentialReport(''), CredentialReportFormatError);
    assert.throws(() => parseCredentialReport('name,age\nbob,3\n'), /no column "user", "arn"/);
    assert.throws(() => parseCredentialReport(`${HEADER}\nbob,${arnOf('bob')},${T}\n`), /line 2 .* 3 fields/);
    assert.throws(
      () => parseCredentialReport(`${HEADER}\n${line('x', arnOf('x'))}\n"unterminated,${'a,'.repeat(21)}\n`),
      /not valid CSV/,
    );
  });
});
