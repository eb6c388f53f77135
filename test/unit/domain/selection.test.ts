import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { selectUser } from '../../../domain/selection';
import { daysAgo, defaultPolicy, key, NOW, user } from './fixtures';

const old = (id: string) => key(id, { createDate: daysAgo(400) });
const inactive = (id: string) => key(id, { status: 'Inactive', createDate: daysAgo(500) });

describe('selection', () => {
  test('an old active key is rotated, and the reason says how old', () => {
    const decision = selectUser(user([old('AKIAOLD')]), defaultPolicy(), NOW);
    assert.equal(decision.action, 'rotate');
    assert.equal(decision.keyToRotate, 'AKIAOLD');
    assert.equal(decision.inactiveKeyToDelete, undefined);
    assert.equal(decision.reason, 'key AKIAOLD is 400 days old (max 90)');
  });

  test('exempt users are skipped with the exemption as the reason, findings still computed', () => {
    const decision = selectUser(
      user([old('AKIAOLD')], { tags: { 'keywarden:exempt': 'true' } }),
      defaultPolicy(),
      NOW,
    );
    assert.equal(decision.action, 'skip');
    assert.equal(decision.reason, 'exempt: tag keywarden:exempt=true');
    assert.equal(decision.keyToRotate, undefined);
    assert.deepEqual(
      decision.findings.AKIAOLD?.map((f) => f.code),
      ['EXEMPT', 'KEY_AGE_OVER_MAX'],
    );
  });

  test('exemption wins over every other rule', () => {
    const policy = defaultPolicy({ exemptions: { tags: {}, groups: [], accounts: ['111122223333'] } });
    const decision = selectUser(user([old('AKIAA'), old('AKIAB')]), policy, NOW);
    assert.equal(decision.action, 'skip');
    assert.match(decision.reason, /account 111122223333/);
  });

  test('a user without keys is skipped', () => {
    assert.deepEqual(selectUser(user([]), defaultPolicy(), NOW), {
      action: 'skip',
      reason: 'no access keys',
      findings: {},
    });
  });

  test('more than two keys needs attention', () => {
    const decision = selectUser(
      user([old('AKIAA'), inactive('AKIAB'), inactive('AKIAC')]),
      defaultPolicy(),
      NOW,
    );
    assert.equal(decision.action, 'needs-attention');
    assert.match(decision.reason, /3 access keys/);
    assert.equal(decision.keyToRotate, undefined);
  });

  test('two active keys need attention and nothing is rotated', () => {
    const decision = selectUser(user([old('AKIAA'), old('AKIAB')]), defaultPolicy(), NOW);
    assert.equal(decision.action, 'needs-attention');
    assert.equal(decision.reason, 'two active keys: rotation would need a third key; resolve by hand');
    assert.equal(decision.keyToRotate, undefined);
    assert.deepEqual(
      decision.findings.AKIAA?.map((f) => f.code),
      ['KEY_AGE_OVER_MAX', 'TWO_ACTIVE_KEYS'],
    );
  });

  test('an inactive key in the second slot blocks rotation unless policy allows deleting it', () => {
    const u = user([old('AKIAOLD'), inactive('AKIAOFF')]);
    const blocked = selectUser(u, defaultPolicy(), NOW);
    assert.equal(blocked.action, 'needs-attention');
    assert.match(
      blocked.reason,
      /an inactive key occupies the second slot; set policy\.inactiveKeys: delete-after-approval or remove it/,
    );
    assert.equal(blocked.keyToRotate, undefined);

    const allowed = selectUser(u, defaultPolicy({ inactiveKeys: 'delete-after-approval' }), NOW);
    assert.equal(allowed.action, 'rotate');
    assert.equal(allowed.keyToRotate, 'AKIAOLD');
    assert.equal(allowed.inactiveKeyToDelete, 'AKIAOFF');
    assert.match(allowed.reason, /inactive key AKIAOFF will be deleted after approval/);
  });

  test('the inactive key is irrelevant when the active key is compliant', () => {
    const decision = selectUser(
      user([key('AKIANEW'), inactive('AKIAOFF')]),
      defaultPolicy({ inactiveKeys: 'delete-after-approval' }),
      NOW,
    );
    assert.equal(decision.action, 'skip');
    assert.equal(decision.reason, 'compliant');
    assert.equal(decision.inactiveKeyToDelete, undefined);
  });

  test('only inactive keys: skipped, findings still computed for every key', () => {
    const decision = selectUser(user([inactive('AKIAOFF1'), inactive('AKIAOFF2')]), defaultPolicy(), NOW);
    assert.equal(decision.action, 'skip');
    assert.equal(decision.reason, 'no active key');
    assert.deepEqual(Object.keys(decision.findings).sort(), ['AKIAOFF1', 'AKIAOFF2']);
  });

  test('unused keys are only reported by default, rotated when policy.unusedKeys is rotate', () => {
    const idle = key('AKIAIDLE', { createDate: daysAgo(80), lastUsedDate: daysAgo(60) });
    const reported = selectUser(user([idle]), defaultPolicy(), NOW);
    assert.equal(reported.action, 'skip');
    assert.equal(reported.reason, 'compliant');
    assert.deepEqual(
      reported.findings.AKIAIDLE?.map((f) => f.code),
      ['KEY_UNUSED_45_DAYS'],
    );

    const rotated = selectUser(user([idle]), defaultPolicy({ unusedKeys: 'rotate' }), NOW);
    assert.equal(rotated.action, 'rotate');
    assert.equal(rotated.keyToRotate, 'AKIAIDLE');
    assert.match(rotated.reason, /unused for 60 days/);
  });

  test('policy.unusedKeyDays sets the threshold for rotating unused keys', () => {
    const idle = key('AKIAIDLE', { createDate: daysAgo(80), lastUsedDate: daysAgo(60) });
    assert.equal(
      selectUser(user([idle]), defaultPolicy({ unusedKeys: 'rotate', unusedKeyDays: 70 }), NOW).action,
      'skip',
    );
    assert.equal(
      selectUser(user([idle]), defaultPolicy({ unusedKeys: 'rotate', unusedKeyDays: 30 }), NOW).action,
      'rotate',
    );
  });

  test('a compliant key is skipped', () => {
    const decision = selectUser(user([key('AKIANEW')]), defaultPolicy(), NOW);
    assert.deepEqual(decision, { action: 'skip', reason: 'compliant', findings: { AKIANEW: [] } });
  });

  test('selection is deterministic', () => {
    const u = user([old('AKIAOLD'), inactive('AKIAOFF')]);
    const policy = defaultPolicy({ inactiveKeys: 'delete-after-approval' });
    assert.deepEqual(
      selectUser(u, policy, NOW),
      selectUser(structuredClone(u), structuredClone(policy), new Date(NOW.getTime())),
    );
  });
});
