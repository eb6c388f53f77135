import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CSV_COLUMNS, renderCsv } from '../../../client/report/csv';
import { neutraliseFormula } from '../../../client/report/csv-document';
import { escapeHtml } from '../../../client/report/html-template';
import { renderHtml } from '../../../client/report/html';
import { renderJson } from '../../../client/report/json';
import { renderMarkdown } from '../../../client/report/markdown';
import { parseCsv } from './fixtures';
import { NEW, OLD, RB_OLD, beforeAfterReport } from './report-before-after-fixture';

const SCRIPT = '<script>alert("owned")</script>';
const ATTRIBUTE = '"><img src=x onerror=alert(1)>';

function hostileReport() {
  const report = beforeAfterReport();
  report.campaign.name = `Q3 ${SCRIPT}`;
  report.accounts[0]!.accountName = ATTRIBUTE;
  report.accounts[0]!.users[0]!.userName = SCRIPT;
  report.accounts[0]!.users[0]!.newKeyDescription = `made by keywarden ${ATTRIBUTE}`;
  return report;
}

function csvRecords(text: string): Array<Record<(typeof CSV_COLUMNS)[number], string>> {
  const [header, ...rows] = parseCsv(text);
  assert.deepEqual(header, [...CSV_COLUMNS]);
  return rows.map(
    (r) =>
      Object.fromEntries(CSV_COLUMNS.map((c, i) => [c, r[i]!])) as Record<
        (typeof CSV_COLUMNS)[number],
        string
      >,
  );
}

describe('HTML report', () => {
  const page = renderHtml(beforeAfterReport());

  test('is one self-contained file: nothing loaded from anywhere, no scripts', () => {
    assert.match(page, /^<!DOCTYPE html>/);
    assert.doesNotMatch(page, /\b(src|href)\s*=/i);
    assert.doesNotMatch(page, /https?:\/\//i);
    assert.doesNotMatch(page, /<(script|link|img|iframe|object)\b/i);
    assert.doesNotMatch(page, /@import|url\(/i);
    assert.match(page, /<meta http-equiv="Content-Security-Policy" content="default-src &#39;none&#39;;/);
  });

  test('escapes every value: a name or tag cannot inject markup', () => {
    const hostile = renderHtml(hostileReport());
    assert.ok(!hostile.includes(SCRIPT));
    assert.ok(!hostile.includes(ATTRIBUTE));
    assert.doesNotMatch(hostile, /<script|<img/i);
    assert.ok(hostile.includes(escapeHtml(SCRIPT)));
    assert.ok(hostile.includes('&lt;script&gt;alert(&quot;owned&quot;)&lt;/script&gt;'));
    assert.ok(hostile.includes(escapeHtml(ATTRIBUTE)));
  });

  test('a key-age chart as inline SVG, before and after', () => {
    const svg = /<svg role="img"[^>]*>.*?<\/svg>/s.exec(page)?.[0];
    assert.ok(svg, 'an inline SVG');
    assert.match(
      svg,
      /<title id="age-chart-title">Access keys by age, before and after the campaign<\/title>/,
    );
    assert.equal((svg.match(/<rect [^>]*><title>/g) ?? []).length, 10, 'five buckets, two bars each');
    assert.match(svg, /<title>before, 91-180 days: 2<\/title>/);
    assert.match(svg, /<title>after, 0-30 days: 3<\/title>/);
  });

  test('the per-control table with counts before and after', () => {
    assert.match(
      page,
      /<tr><td>CIS 1\.13<\/td><td>TWO_ACTIVE_KEYS<\/td><td>[^<]*<\/td><td class="num">2<\/td><td class="num">4<\/td><\/tr>/,
    );
    assert.match(
      page,
      /<tr><td>CIS 1\.14, SecurityHub IAM\.3<\/td><td>KEY_AGE_OVER_MAX<\/td><td>[^<]*<\/td><td class="num">3<\/td><td class="num">2<\/td><\/tr>/,
    );
    assert.match(page, /<td>CIS 1\.10, SecurityHub IAM\.5<\/td><td>CONSOLE_USER_WITHOUT_MFA<\/td>/);
    assert.match(page, /After: those findings with the campaign&#39;s outcomes applied/);
  });

  test('users with no owner tag are listed, not skipped; no notifications, no section', () => {
    assert.doesNotMatch(page, /<h2>Notifications<\/h2>/);
    const report = beforeAfterReport();
    const user = report.accounts[0]!.users[0]!;
    user.noOwnerTag = true;
    const html = renderHtml(report);
    assert.match(html, /<h2>Notifications<\/h2>/);
    assert.ok(html.includes(`<li>${escapeHtml(`${user.userName} in ${user.accountId}`)}</li>`), html);
    assert.ok(renderMarkdown(report).includes(`- ${user.userName} in ${user.accountId}`));
  });

  test('every account, user and key, with what was done and who approved it', () => {
    assert.match(page, /<h2>Account 111111111111 \(Prod, OU Prod\)<\/h2>/);
    assert.match(page, /<h2>Account 222222222222 \(Dev, OU Dev\)<\/h2>/);
    for (const user of ['ci-bot', 'rb-user', 'alice+ops@example.com', 'grace.console']) {
      assert.ok(page.includes(`<td>${user}</td>`), user);
    }
    assert.match(
      page,
      new RegExp(
        `<td>${OLD}</td><td>deleted</td><td>Active</td><td>Deleted</td>.*?<td>deleted old key</td>` +
          '<td>security-lead@example\\.com at 2025-05-31T23:29:00\\.000Z \\(decided 2025-05-31T23:30:00\\.000Z\\)</td>',
      ),
    );
    assert.match(page, new RegExp(`<td>${RB_OLD}</td><td>reactivated</td><td>Active</td><td>Active</td>`));
    assert.match(
      page,
      new RegExp(`<td>${NEW}</td><td>new</td><td>\\(none: made by the campaign\\)</td><td>Active</td>`),
    );
  });
});

describe('Markdown, CSV and JSON carry the same per-control table and key rows', () => {
  const report = beforeAfterReport();

  test('Markdown', () => {
    const md = renderMarkdown(report);
    assert.match(md, /^\| CIS 1\.13 \| TWO_ACTIVE_KEYS \| [^|]+ \| 2 \| 4 \|$/m);
    assert.match(md, /^\| CIS 1\.14, SecurityHub IAM\.3 \| KEY_AGE_OVER_MAX \| [^|]+ \| 3 \| 2 \|$/m);
    assert.match(md, /^\| 0-30 \| 1 \| 3 \|$/m);
    assert.match(md, new RegExp(`\\| ${NEW} \\| new \\| \\(none: made by the campaign\\) \\| Active \\|`));
    assert.match(md, new RegExp(`\\| ${RB_OLD} \\| reactivated \\| Active \\| Active \\|`));
    assert.match(md, /\| deleted old key \| security-lead@example\.com at 2025-05-31T23:29:00\.000Z/);
    assert.match(
      md,
      /Round 1 decision: \*\*approved\*\* by security-lead@example\.com at 2025-05-31T23:30:00\.000Z/,
    );
  });

  test('CSV', () => {
    const records = csvRecords(renderCsv(report));
    const controls = records.filter((r) => r.row_type === 'control');
    assert.deepEqual(
      controls.map((r) => [r.finding_codes, r.controls, r.findings_before, r.findings_after]),
      [
        ['KEY_CREATED_WITH_USER_UNUSED', 'CIS 1.11', '0', '0'],
        ['KEY_UNUSED_45_DAYS', 'CIS 1.12; SecurityHub IAM.22', '1', '1'],
        ['TWO_ACTIVE_KEYS', 'CIS 1.13', '2', '4'],
        ['KEY_AGE_OVER_MAX', 'CIS 1.14; SecurityHub IAM.3', '3', '2'],
        ['KEY_UNUSED_90_DAYS', 'SecurityHub IAM.8', '2', '2'],
        ['CONSOLE_USER_WITHOUT_MFA', 'CIS 1.10; SecurityHub IAM.5', '1', '1'],
        ['ROOT_ACCESS_KEYS_PRESENT', 'CIS 1.4; SecurityHub IAM.4', '0', '0'],
      ],
    );
    const byKey = Object.fromEntries(records.map((r) => [r.access_key_id, r]));
    assert.deepEqual(
      [OLD, NEW, RB_OLD].map((id) => [
        byKey[id]!.key_role,
        byKey[id]!.key_status_before,
        byKey[id]!.key_status,
      ]),
      [
        ['deleted', 'Active', 'Deleted'],
        ['new', '', 'Active'],
        ['reactivated', 'Active', 'Active'],
      ],
    );
    assert.equal(byKey[OLD]!.approved_by, 'security-lead@example.com at 2025-05-31T23:29:00.000Z');
    assert.equal(byKey[OLD]!.approved_at, '2025-05-31T23:30:00.000Z');
  });

  test('JSON', () => {
    const parsed = JSON.parse(renderJson(report)) as {
      controls: { afterMeans: string; rows: Array<{ code: string; before: number; after: number }> };
      keyAges: { buckets: Array<{ label: string; before: number; after: number }> };
      accounts: Array<{
        users: Array<{ keysAfter: Array<{ accessKeyId: string; statusAfter: string; role: string }> }>;
      }>;
    };
    assert.deepEqual(
      parsed.controls.rows.find((r) => r.code === 'TWO_ACTIVE_KEYS'),
      {
        code: 'TWO_ACTIVE_KEYS',
        controls: ['CIS 1.13'],
        title: 'User has more than one active access key',
        before: 2,
        after: 4,
      },
    );
    assert.equal(parsed.keyAges.buckets[0]!.after, 3);
    assert.deepEqual(
      parsed.accounts[0]!.users[0]!.keysAfter.map((k) => [k.accessKeyId, k.role, k.statusAfter]),
      [
        [OLD, 'deleted', 'Deleted'],
        [NEW, 'new', 'Active'],
      ],
    );
  });
});

describe('CSV formula neutralisation', () => {
  test('values starting with = + - @ tab or CR get a leading quote; others are left alone', () => {
    for (const value of ['=1+1', '+cmd', '-2+3', '@SUM(A1)', '\tx', '\rx']) {
      assert.equal(neutraliseFormula(value), `'${value}`);
    }
    for (const value of ['alice', 'a=b', '', '1-2']) assert.equal(neutraliseFormula(value), value);
  });

  test('every cell of a campaign CSV is neutralised, names and reasons included', () => {
    const report = beforeAfterReport();
    const user = report.accounts[0]!.users[0]!;
    user.userName = '=HYPERLINK("x","y")';
    user.reason = '@SUM(1)';
    report.accounts[0]!.accountName = '+evil';
    const row = csvRecords(renderCsv(report)).find((r) => r.access_key_id === OLD)!;
    assert.equal(row.user_name, `'=HYPERLINK("x","y")`);
    assert.equal(row.reason, "'@SUM(1)");
    assert.equal(row.account_name, "'+evil");
  });
});
