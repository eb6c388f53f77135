import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ReplayGuard } from '../../../client/webhook/replay-guard';

const WINDOW_MS = 300_000;
const T = 1_800_000_000; // seconds
const NOW = T * 1000;

describe('the replay guard', () => {
  test('a request ID is accepted once within the window', () => {
    const guard = new ReplayGuard(WINDOW_MS);
    assert.deepEqual(guard.claim('id-a', T, NOW), { outcome: 'fresh' });
    assert.deepEqual(guard.claim('id-a', T, NOW + 1000), { outcome: 'replay' });
    assert.deepEqual(
      guard.claim('id-a', T, NOW + WINDOW_MS),
      { outcome: 'replay' },
      'to the end of the window',
    );
    assert.deepEqual(guard.claim('id-b', T, NOW), { outcome: 'fresh' });
  });

  test('IDs are forgotten once their timestamp is outside the window (the signature check refuses them then)', () => {
    const guard = new ReplayGuard(WINDOW_MS);
    for (let i = 0; i < 100; i++) guard.claim(`id-${i}`, T, NOW);
    assert.equal(guard.size, 100);
    // Sweeps happen as new requests come in, at most every 10 seconds.
    guard.claim('late', T + 400, NOW + WINDOW_MS + 10_001);
    assert.equal(guard.size, 1);
  });

  test('memory is capped: when full of live IDs, new requests are refused with a retry time', () => {
    const guard = new ReplayGuard(WINDOW_MS, 3);
    guard.claim('a', T, NOW);
    guard.claim('b', T + 10, NOW + 10_000);
    guard.claim('c', T + 20, NOW + 20_000);
    assert.deepEqual(guard.claim('d', T + 30, NOW + 30_000), { outcome: 'full', retryAfterSeconds: 270 });
    assert.equal(guard.size, 3, 'no live ID was dropped to make room');
    assert.deepEqual(guard.claim('a', T, NOW + 30_000), { outcome: 'replay' }, 'still remembered');
    // Once the oldest expires, there is room again.
    assert.deepEqual(guard.claim('d', T + 301, NOW + WINDOW_MS + 1), { outcome: 'fresh' });
    assert.equal(guard.size, 3);
  });

  test('a released ID may be used again', () => {
    const guard = new ReplayGuard(WINDOW_MS);
    guard.claim('id-a', T, NOW);
    guard.release('id-a');
    assert.deepEqual(guard.claim('id-a', T, NOW), { outcome: 'fresh' });
  });
});
