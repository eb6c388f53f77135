import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  accountIdSchema,
  campaignIdSchema,
  isOuId,
  normalizePrincipal,
  ouRefSchema,
  principalSchema,
  samePrincipal,
} from '../../../domain/ids';

describe('ids', () => {
  test('account ids are exactly 12 digits, as strings', () => {
    assert.equal(accountIdSchema.safeParse('012345678901').success, true);
    for (const bad of ['12345678901', '1234567890123', '01234567890a', '', ' 012345678901']) {
      assert.equal(accountIdSchema.safeParse(bad).success, false, bad);
    }
    const numeric = accountIdSchema.safeParse(12345678901);
    assert.equal(numeric.success, false);
    assert.match(numeric.error?.issues[0]?.message ?? '', /quote it in YAML/);
  });

  test('OU references: ids, root ids and names are accepted; empty is not', () => {
    assert.equal(ouRefSchema.parse('ou-abcd-12345678'), 'ou-abcd-12345678');
    assert.equal(ouRefSchema.parse('r-abcd'), 'r-abcd');
    assert.equal(ouRefSchema.parse('  Engineering '), 'Engineering');
    assert.equal(ouRefSchema.safeParse('   ').success, false);
    assert.equal(ouRefSchema.safeParse('').success, false);
  });

  test('isOuId tells OU and root ids apart from OU names', () => {
    assert.equal(isOuId('ou-abcd-12345678'), true);
    assert.equal(isOuId('r-abcd'), true);
    assert.equal(isOuId('Engineering'), false);
    assert.equal(isOuId('ou-'), false);
  });

  test('campaign ids', () => {
    for (const ok of ['q3', 'Q3-rotation_2025.1', 'a', 'a'.repeat(64)]) {
      assert.equal(campaignIdSchema.safeParse(ok).success, true, ok);
    }
    for (const bad of ['', '-q3', '.q3', 'q3/x', 'q 3', 'a'.repeat(65)]) {
      assert.equal(campaignIdSchema.safeParse(bad).success, false, bad);
    }
  });

  test('principals are trimmed, non-empty and at most 256 characters', () => {
    assert.equal(principalSchema.parse('  alice@example.com '), 'alice@example.com');
    assert.equal(principalSchema.safeParse('   ').success, false);
    assert.equal(principalSchema.safeParse('a'.repeat(256)).success, true);
    assert.equal(principalSchema.safeParse('a'.repeat(257)).success, false);
  });

  test('principals compare case-insensitively, ignoring surrounding whitespace', () => {
    assert.equal(normalizePrincipal('  Alice@Example.COM '), 'alice@example.com');
    assert.equal(samePrincipal('Alice@Example.com', 'alice@example.com '), true);
    assert.equal(samePrincipal('alice@example.com', 'bob@example.com'), false);
  });
});
