import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CSV_COLUMNS, csvDocument, renderCsv } from '../../../client/report/csv';
import { renderJson } from '../../../client/report/json';
import { mdCell, renderMarkdown } from '../../../client/report/markdown';
import { rootKeyFindings, userCredentialFindings } from '../../../domain/findings';
import { parseCsv, sampleReport } from './fixtures';

function csvRecords(text: string): Array<Record<(typeof CSV_COLUMNS)[number], string>> {
  const [header, ...rows] = parseCsv(text);
  assert.deepEqual(header, [...CSV_COLUMNS]);
  return rows.map((r) => {
    assert.equal(r.length, CSV_COLUMNS.length, 'every row has every column');
    return Object.fromEntries(CSV_COLUMNS.map((c, i) => [c, r[i]!])) as Record<
      (typeof CSV_COLUMNS)[number],
      string
    >;
  });
}

describe('CSV report', () => {
  test('quotes commas, quotes and line breaks, and only those', () => {
    const field = (value: string) => csvDocument(['v'], [{ v: value }]).slice('v\r\n'.length, -2);
    assert.equal(field('plain'), 'plain');
    assert.equal(field('a,b'), '"a,b"');
    assert.equal(field('say "hi"'), '"say ""hi"""');
    assert.equal(field('two\nlines'), '"two\nlines"');
    assert.equal(field('cr\rhere'), '"cr\rhere"');
    assert.equal(field(''), '');
  });

  test('one row per key; a user with no keys still gets one row; values survive quoting', () => {
    const records = csvRecords(renderCsv(sampleReport())).filter((r) => r.row_type === 'key');
    assert.deepEqual(
      records.map((r) => [r.account_id, r.user_name, r.access_key_id]),
      [
        ['111111111111', 'ci-bot', 'AKIAOLD0000000000001'],
        ['111111111111', 'ci-bot', 'AKIANEW0000000000001'],
        ['222222222222', 'alice+ops@example.com', 'AKIATWO0000000000001'],
        ['222222222222', 'alice+ops@example.com', 'AKIATWO0000000000002'],
        ['222222222222', 'no-keys-user', ''],
      ],
    );
    const dev = records[2]!;
    assert.equal(dev.account_name, 'Dev, "sandbox"');
    assert.equal(
      dev.reason,
      'two active keys: rotation would need a third key; resolve by hand, "carefully"',
    );
    assert.equal(dev.action, 'needs-attention');
    assert.equal(records[4]!.user_status, 'skipped');
    assert.equal(records[4]!.key_age_days, '');
  });

  test('key ages, last use, findings with their controls, and what was done to the key', () => {
    const [rotated, , , stale] = csvRecords(renderCsv(sampleReport()));
    assert.equal(rotated!.key_age_days, '120');
    assert.equal(rotated!.last_used, '2025-05-21T00:00:00.000Z');
    assert.equal(rotated!.days_since_last_use, '11');
    assert.equal(rotated!.last_used_service, 'sts');
    assert.equal(rotated!.key_role, 'deleted');
    assert.equal(rotated!.new_access_key_id, 'AKIANEW0000000000001');
    assert.equal(rotated!.user_status, 'rotated');
    assert.equal(stale!.finding_codes, 'KEY_AGE_OVER_MAX KEY_UNUSED_90_DAYS TWO_ACTIVE_KEYS');
    assert.equal(stale!.controls, 'CIS 1.14; SecurityHub IAM.3; SecurityHub IAM.8; CIS 1.13');
    assert.match(stale!.findings, /KEY_UNUSED_90_DAYS \[SecurityHub IAM\.8\]: last used 137 days ago/);
    const never = csvRecords(renderCsv(sampleReport()))[2]!;
    assert.equal(never.last_used, 'never');
    assert.equal(never.days_since_last_use, '');
  });
});

describe('Markdown report', () => {
  const md = renderMarkdown(sampleReport());

  test('a summary table, the approval record and one section per account', () => {
    assert.match(md, /^# keywarden campaign q3-rotation: Q3 rotation$/m);
    assert.match(md, /^\| Field \| Value \|$/m);
    assert.match(md, /^\| Phase \| completed \|$/m);
    assert.match(md, /^\| Users \| 3 reported: 1 rotated, 1 skipped, 1 needs-attention \|$/m);
    assert.match(md, /Approved by security-lead@example\.com at 2025-05-31T23:30:00\.000Z: ok/);
    assert.match(md, /Rejected attempt \(approve\) by platform-team@example\.com .*self-approval/);
    assert.match(md, /Decision: \*\*approved\*\* by security-lead@example\.com/);
    assert.match(md, /^## Account 111111111111 \(Prod, OU Prod\)$/m);
    assert.match(md, /^## Account 222222222222 /m);
  });

  test('every user and every key appears, with status, reason and findings with controls', () => {
    const report = sampleReport();
    for (const account of report.accounts) {
      for (const user of account.users) {
        assert.ok(md.includes(mdCell(user.userName)), `user ${user.userName}`);
        assert.ok(md.includes(mdCell(user.reason)), `reason of ${user.userName}`);
        for (const key of user.keys) {
          assert.ok(md.includes(key.accessKeyId), `key ${key.accessKeyId}`);
          for (const f of key.findings) {
            assert.ok(
              md.includes(`${f.code} [${f.controls.join(', ')}]: ${f.detail}`),
              `${key.accessKeyId} ${f.code}`,
            );
          }
        }
      }
    }
    assert.match(md, /\| no-keys-user \| skip \| skipped \| no access keys \|.*\(no keys\)/);
    assert.match(md, /\| AKIAOLD0000000000001 \| deleted \| Active \| Deleted \|/);
    assert.match(md, /new key AKIANEW0000000000001/);
  });

  test('table cells cannot break the table', () => {
    assert.equal(mdCell('a|b'), 'a\\|b');
    assert.equal(mdCell('one\ntwo'), 'one<br>two');
    const rows = md.split('\n').filter((l) => l.startsWith('| ') && l.includes('AKIATWO0000000000002'));
    assert.equal(rows.length, 1, 'a key with three findings stays on one table row');
  });
});

describe('JSON report', () => {
  test('round-trips the report, beside the tables it adds', () => {
    const report = sampleReport();
    const parsed = JSON.parse(renderJson(report)) as Record<string, unknown> & {
      accounts: Array<{ users: Array<Record<string, unknown>> }>;
    };
    delete parsed.controls;
    delete parsed.keyAges;
    for (const user of parsed.accounts.flatMap((a) => a.users)) delete user.keysAfter;
    assert.deepEqual(parsed, JSON.parse(JSON.stringify(report)));
  });

  test('drops any secret-looking field a future change might add', () => {
    const report = sampleReport();
    Object.assign(report.accounts[0]!.users[0]!, {
      secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
    });
    const text = renderJson(report);
    assert.ok(!text.includes('wJalrXUtnFEMI'));
    assert.ok(!text.toLowerCase().includes('secretaccesskey'));
  });
});

describe('no report carries secrets', () => {
  test('the renderers only print fields of the report', () => {
    const report = sampleReport();
    for (const text of [renderMarkdown(report), renderCsv(report), renderJson(report)]) {
      assert.ok(!/secretaccesskey|sessiontoken/i.test(text));
    }
  });
});

describe('findings about principals and their controls in every report', () => {
  const withFindings = () => {
    const report = sampleReport();
    const account = report.accounts[0]!;
    account.findings = [
      ...rootKeyFindings(account.accountId, true),
      ...userCredentialFindings(account.accountId, {
        userName: 'grace.console',
        arn: `arn:aws:iam::${account.accountId}:user/grace.console`,
        passwordEnabled: true,
        mfaActive: false,
        activeAccessKey: true,
      }),
    ];
    // A finding recorded by an older run with the labels of its day: reports show today's mapping.
    account.users[0]!.keys[0]!.findings[0]!.controls = ['CIS 2.13', 'SecurityHub IAM.3'];
    return report;
  };

  test('Markdown lists them per account with their controls and names the benchmark version', () => {
    const md = renderMarkdown(withFindings());
    assert.match(md, /CIS AWS Foundations Benchmark v3\.0\.0 and AWS Security Hub control IDs/);
    assert.match(md, /\| root user \| ROOT_ACCESS_KEYS_PRESENT \| CIS 1\.4, SecurityHub IAM\.4 \|/);
    assert.match(md, /\| grace\.console \| CONSOLE_USER_WITHOUT_MFA \| CIS 1\.10, SecurityHub IAM\.5 \|/);
    assert.match(md, /\| grace\.console \| PASSWORD_AND_ACCESS_KEYS \| {2}\|/);
    assert.match(md, /KEY_AGE_OVER_MAX \[CIS 1\.14, SecurityHub IAM\.3\]/);
    assert.doesNotMatch(md, /CIS 2\.13/);
  });

  test('CSV gives each its own row, with the key columns empty', () => {
    const rows = csvRecords(renderCsv(withFindings()));
    const principal = rows.filter((r) => r.row_type === 'principal-finding');
    assert.deepEqual(
      principal.map((r) => [r.user_name, r.finding_codes, r.controls]),
      [
        ['root user', 'ROOT_ACCESS_KEYS_PRESENT', 'CIS 1.4; SecurityHub IAM.4'],
        ['grace.console', 'CONSOLE_USER_WITHOUT_MFA', 'CIS 1.10; SecurityHub IAM.5'],
        ['grace.console', 'PASSWORD_AND_ACCESS_KEYS', ''],
      ],
    );
    assert.ok(principal.every((r) => r.account_id === '111111111111' && r.action === ''));
  });

  test("JSON carries them, and every finding's controls as the table maps them now", () => {
    const parsed = JSON.parse(renderJson(withFindings())) as {
      accounts: Array<{
        findings?: Array<{ code: string; controls: string[] }>;
        users: Array<{ keys: Array<{ findings: Array<{ controls: string[] }> }> }>;
      }>;
    };
    assert.deepEqual(
      parsed.accounts[0]!.findings!.map((f) => [f.code, f.controls]),
      [
        ['ROOT_ACCESS_KEYS_PRESENT', ['CIS 1.4', 'SecurityHub IAM.4']],
        ['CONSOLE_USER_WITHOUT_MFA', ['CIS 1.10', 'SecurityHub IAM.5']],
        ['PASSWORD_AND_ACCESS_KEYS', []],
      ],
    );
    assert.deepEqual(parsed.accounts[0]!.users[0]!.keys[0]!.findings[0]!.controls, [
      'CIS 1.14',
      'SecurityHub IAM.3',
    ]);
  });
});
