import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { durationSchema, durationToMs } from '../../../domain/duration';

describe('durations', () => {
  test('converts every unit to milliseconds', () => {
    assert.equal(durationToMs('500ms'), 500);
    assert.equal(durationToMs('2s'), 2_000);
    assert.equal(durationToMs('15m'), 900_000);
    assert.equal(durationToMs('36h'), 129_600_000);
    assert.equal(durationToMs('7d'), 604_800_000);
  });

  test('accepts well-formed durations', () => {
    for (const text of ['1ms', '2s', '15m', '36h', '7d', '365d']) {
      assert.equal(durationSchema.safeParse(text).success, true, text);
    }
  });

  test('rejects zero, negatives, decimals, spaces, unknown units and leading zeros', () => {
    for (const text of ['0s', '-1s', '1.5h', '7 d', '7', 'd', '7w', '7D', '07d', '', ' 7d', '1e3ms']) {
      assert.equal(durationSchema.safeParse(text).success, false, text);
      assert.throws(() => durationToMs(text), /use a number followed by ms, s, m, h or d/);
    }
  });

  test('rejects durations too large to represent exactly', () => {
    assert.equal(durationSchema.safeParse('99999999999999999d').success, false);
  });

  test('the error message tells the fix', () => {
    const result = durationSchema.safeParse('7 days');
    assert.equal(result.success, false);
    assert.match(
      result.error?.issues[0]?.message ?? '',
      /use a number followed by ms, s, m, h or d, e\.g\. "7d" or "2s"/,
    );
    const wrongType = durationSchema.safeParse(7);
    assert.match(wrongType.error?.issues[0]?.message ?? '', /e\.g\. "7d"/);
  });
});
