import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { adoptionSpreadMs } from '../../../domain/wake-spread';

const DAY = 86_400_000;
const HOUR = 3_600_000;

describe('spreading the sagas wake-ups after adoption', () => {
  test('the same user always gets the same spread, within 1% of the window and at most an hour', () => {
    for (const windowMs of [1_000, 10 * 60_000, 7 * DAY, 90 * DAY]) {
      const bound = Math.min(HOUR, Math.floor(windowMs / 100));
      for (let u = 0; u < 200; u++) {
        const spread = adoptionSpreadMs(windowMs, '111122223333', `svc-${u}`);
        assert.equal(spread, adoptionSpreadMs(windowMs, '111122223333', `svc-${u}`));
        assert.ok(spread >= 0 && spread <= bound, `${spread} within [0, ${bound}]`);
      }
    }
    assert.equal(adoptionSpreadMs(50, '111122223333', 'a'), 0, 'a window under 100 ms is not lengthened');
  });

  test('2,000 users of a 7-day window wake at many different moments, not one', () => {
    const spreads = new Set<number>();
    for (let a = 0; a < 100; a++)
      for (let u = 0; u < 20; u++)
        spreads.add(adoptionSpreadMs(7 * DAY, String(100000000000 + a), `svc-${u}`));
    assert.ok(spreads.size > 1_900, `${spreads.size} distinct wake-up times`);
  });
});
