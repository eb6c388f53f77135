import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Finding } from '../../../domain/findings';
import { exemptionReason, keyFindings } from '../../../domain/findings';
import { daysAgo, defaultPolicy, key, NOW, user } from './fixtures';

const codes = (findings: Finding[]): string[] => findings.map((f) => f.code);
const find = (findings: Finding[], code: string): Finding | undefined =>
  findings.find((f) => f.code === code);

describe('key findings', () => {
  test('a young, recently used key has no findings', () => {
    const k = key('AKIAFRESH');
    assert.deepEqual(keyFindings(user([k]), k, defaultPolicy(), NOW), []);
  });

  test('an active key older than maxKeyAgeDays maps to CIS 1.14 and Security Hub IAM.3', () => {
    const k = key('AKIAOLD', { createDate: daysAgo(400) });
    const finding = find(keyFindings(user([k]), k, defaultPolicy(), NOW), 'KEY_AGE_OVER_MAX');
    assert.deepEqual(finding?.controls, ['CIS 1.14', 'SecurityHub IAM.3']);
    assert.match(finding?.detail ?? '', /400 days old \(max 90\)/);
  });

  test('age is counted in whole days and the boundary is inclusive of the max', () => {
    const policy = defaultPolicy();
    const atMax = key('AKIA90', { createDate: daysAgo(90) });
    const justOver = key('AKIA91', { createDate: daysAgo(91) });
    const almost91 = key('AKIA90B', {
      createDate: new Date(NOW.getTime() - 91 * 86_400_000 + 1).toISOString(),
    });
    assert.equal(find(keyFindings(user([atMax]), atMax, policy, NOW), 'KEY_AGE_OVER_MAX'), undefined);
    assert.equal(find(keyFindings(user([almost91]), almost91, policy, NOW), 'KEY_AGE_OVER_MAX'), undefined);
    assert.notEqual(
      find(keyFindings(user([justOver]), justOver, policy, NOW), 'KEY_AGE_OVER_MAX'),
      undefined,
    );
  });

  test('maxKeyAgeDays comes from the policy', () => {
    const k = key('AKIA40', { createDate: daysAgo(40) });
    assert.deepEqual(codes(keyFindings(user([k]), k, defaultPolicy({ maxKeyAgeDays: 30 }), NOW)), [
      'KEY_AGE_OVER_MAX',
    ]);
  });

  test('a key last used 60 days ago is unused >45 days (CIS 1.12, IAM.22) but not >90', () => {
    const k = key('AKIAIDLE', { lastUsedDate: daysAgo(60) });
    const findings = keyFindings(user([k]), k, defaultPolicy(), NOW);
    assert.deepEqual(codes(findings), ['KEY_UNUSED_45_DAYS']);
    assert.deepEqual(find(findings, 'KEY_UNUSED_45_DAYS')?.controls, ['CIS 1.12', 'SecurityHub IAM.22']);
    assert.match(find(findings, 'KEY_UNUSED_45_DAYS')?.detail ?? '', /last used 60 days ago/);
  });

  test('a key unused for 120 days gets both unused findings', () => {
    const k = key('AKIAIDLE', { lastUsedDate: daysAgo(120) });
    const findings = keyFindings(user([k]), k, defaultPolicy(), NOW);
    assert.deepEqual(codes(findings), ['KEY_UNUSED_45_DAYS', 'KEY_UNUSED_90_DAYS']);
    assert.deepEqual(find(findings, 'KEY_UNUSED_90_DAYS')?.controls, ['SecurityHub IAM.8']);
  });

  test('a never-used key counts as unused from its creation date', () => {
    const young = key('AKIAYOUNG', { createDate: daysAgo(30), lastUsedDate: undefined });
    const old = key('AKIANEVER', { createDate: daysAgo(100), lastUsedDate: undefined });
    const policy = defaultPolicy({ maxKeyAgeDays: 3650 });
    assert.deepEqual(codes(keyFindings(user([young]), young, policy, NOW)), []);
    const findings = keyFindings(user([old]), old, policy, NOW);
    assert.deepEqual(codes(findings), ['KEY_UNUSED_45_DAYS', 'KEY_UNUSED_90_DAYS']);
    assert.match(find(findings, 'KEY_UNUSED_90_DAYS')?.detail ?? '', /never used/);
  });

  test('inactive keys are neither "unused" nor over age: only active keys count', () => {
    const k = key('AKIAOFF', { status: 'Inactive', createDate: daysAgo(400), lastUsedDate: daysAgo(300) });
    assert.deepEqual(keyFindings(user([k]), k, defaultPolicy(), NOW), []);
  });

  test('two active keys flag each active key with CIS 1.13, but not an inactive one', () => {
    const a = key('AKIAA');
    const b = key('AKIAB');
    const u = user([a, b]);
    for (const k of [a, b]) {
      const finding = find(keyFindings(u, k, defaultPolicy(), NOW), 'TWO_ACTIVE_KEYS');
      assert.deepEqual(finding?.controls, ['CIS 1.13']);
    }
    const off = key('AKIAOFF', { status: 'Inactive' });
    const mixed = user([a, off]);
    assert.equal(find(keyFindings(mixed, a, defaultPolicy(), NOW), 'TWO_ACTIVE_KEYS'), undefined);
    assert.equal(find(keyFindings(mixed, off, defaultPolicy(), NOW), 'TWO_ACTIVE_KEYS'), undefined);
  });

  test('a key created with the user and never used maps to CIS 1.11', () => {
    const created = '2025-05-20T12:00:00.000Z';
    const withUser = key('AKIASETUP', { createDate: '2025-05-20T12:09:00.000Z', lastUsedDate: undefined });
    const finding = find(
      keyFindings(user([withUser], { createDate: created }), withUser, defaultPolicy(), NOW),
      'KEY_CREATED_WITH_USER_UNUSED',
    );
    assert.deepEqual(finding?.controls, ['CIS 1.11']);

    const later = key('AKIALATER', { createDate: '2025-05-20T12:11:00.000Z', lastUsedDate: undefined });
    assert.equal(
      find(
        keyFindings(user([later], { createDate: created }), later, defaultPolicy(), NOW),
        'KEY_CREATED_WITH_USER_UNUSED',
      ),
      undefined,
    );

    const used = key('AKIAUSED', { createDate: '2025-05-20T12:01:00.000Z', lastUsedDate: daysAgo(1) });
    assert.equal(
      find(
        keyFindings(user([used], { createDate: created }), used, defaultPolicy(), NOW),
        'KEY_CREATED_WITH_USER_UNUSED',
      ),
      undefined,
    );
  });

  test('an exempt user gets an EXEMPT finding naming why, ahead of the findings it would otherwise have', () => {
    const k = key('AKIAOLD', { createDate: daysAgo(400) });
    const findings = keyFindings(
      user([k], { tags: { 'keywarden:exempt': 'true' } }),
      k,
      defaultPolicy(),
      NOW,
    );
    assert.deepEqual(findings[0], {
      code: 'EXEMPT',
      controls: [],
      detail: 'exempt: tag keywarden:exempt=true',
    });
    assert.deepEqual(codes(findings), ['EXEMPT', 'KEY_AGE_OVER_MAX']);
  });

  test('findings are deterministic and do not depend on the wall clock', () => {
    const k = key('AKIAOLD', { createDate: daysAgo(400), lastUsedDate: daysAgo(100) });
    const u = user([k]);
    const first = keyFindings(u, k, defaultPolicy(), NOW);
    assert.deepEqual(keyFindings(u, k, defaultPolicy(), new Date(NOW.getTime())), first);
    const later = new Date(NOW.getTime() + 400 * 86_400_000);
    assert.match(
      find(keyFindings(u, k, defaultPolicy(), later), 'KEY_AGE_OVER_MAX')?.detail ?? '',
      /800 days/,
    );
  });
});

describe('exemptions', () => {
  test('a tag must match both key and value', () => {
    const policy = defaultPolicy();
    assert.equal(
      exemptionReason(user([], { tags: { 'keywarden:exempt': 'true' } }), '111122223333', policy),
      'exempt: tag keywarden:exempt=true',
    );
    assert.equal(
      exemptionReason(user([], { tags: { 'keywarden:exempt': 'false' } }), '111122223333', policy),
      undefined,
    );
    assert.equal(exemptionReason(user([], { tags: { other: 'true' } }), '111122223333', policy), undefined);
  });

  test('group and account exemptions name the group or account', () => {
    const policy = defaultPolicy({
      exemptions: { tags: {}, groups: ['break-glass'], accounts: ['999988887777'] },
    });
    assert.match(
      exemptionReason(user([], { groups: ['devs', 'break-glass'] }), '111122223333', policy) ?? '',
      /group break-glass/,
    );
    assert.match(exemptionReason(user([]), '999988887777', policy) ?? '', /account 999988887777/);
    assert.equal(exemptionReason(user([], { groups: ['devs'] }), '111122223333', policy), undefined);
  });

  test('inherited object properties never count as tags', () => {
    const policy = defaultPolicy({ exemptions: { tags: { toString: 'x' }, groups: [], accounts: [] } });
    assert.equal(exemptionReason(user([]), '111122223333', policy), undefined);
  });
});
