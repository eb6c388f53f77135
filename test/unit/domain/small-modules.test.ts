import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorType, NON_RETRYABLE_ERROR_TYPES } from '../../../domain/errors';
import {
  KeywardenAccountId,
  KeywardenCampaignId,
  KeywardenInitiator,
  KeywardenKind,
  KeywardenPhase,
  searchAttributeRegistrations,
} from '../../../domain/search-attributes';
import { roleSessionName } from '../../../domain/session-name';

describe('role session name', () => {
  test('prefixes the id', () => {
    assert.equal(roleSessionName('q3-rotation'), 'keywarden-q3-rotation');
  });

  test('replaces characters AWS does not allow', () => {
    assert.equal(roleSessionName('q3/rotation 2025:ü'), 'keywarden-q3-rotation-2025--');
    assert.equal(roleSessionName('a+b=c,d.e@f_g'), 'keywarden-a+b=c,d.e@f_g');
  });

  test('is at most 64 characters', () => {
    const name = roleSessionName('x'.repeat(100));
    assert.equal(name.length, 64);
    assert.ok(name.startsWith('keywarden-'));
    assert.match(name, /^[\w+=,.@-]{2,64}$/);
  });
});

describe('search attributes', () => {
  test('keys have stable names and keyword types', () => {
    const keys = [KeywardenKind, KeywardenCampaignId, KeywardenAccountId, KeywardenPhase, KeywardenInitiator];
    assert.deepEqual(
      keys.map((k) => k.name),
      ['KeywardenKind', 'KeywardenCampaignId', 'KeywardenAccountId', 'KeywardenPhase', 'KeywardenInitiator'],
    );
    for (const k of keys) assert.equal(k.type, 'KEYWORD');
  });

  test('registrations list every key for the dev server', () => {
    assert.deepEqual(searchAttributeRegistrations, [
      { name: 'KeywardenKind', type: 'Keyword' },
      { name: 'KeywardenCampaignId', type: 'Keyword' },
      { name: 'KeywardenAccountId', type: 'Keyword' },
      { name: 'KeywardenPhase', type: 'Keyword' },
      { name: 'KeywardenInitiator', type: 'Keyword' },
    ]);
  });
});

describe('error types', () => {
  test('values are the failure type strings', () => {
    assert.equal(ErrorType.Validation, 'ValidationError');
    assert.equal(ErrorType.AccessDenied, 'AccessDenied');
  });

  test('throttling is retried; the rest are final', () => {
    assert.ok(!NON_RETRYABLE_ERROR_TYPES.includes(ErrorType.Throttled));
    for (const type of [
      'AccessDenied',
      'NoSuchEntity',
      'LimitExceeded',
      'ValidationError',
      'InvalidSpec',
      'NotImplemented',
    ] as const) {
      assert.ok(NON_RETRYABLE_ERROR_TYPES.includes(type), type);
    }
  });
});
