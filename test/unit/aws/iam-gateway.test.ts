import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { decodePolicyDocument, mapWithConcurrency } from '../../../activities/aws/iam-gateway';

describe('mapWithConcurrency', () => {
  test('keeps input order and never exceeds the limit', async () => {
    let inFlight = 0;
    let peak = 0;
    const out = await mapWithConcurrency([5, 1, 4, 2, 3, 0], 2, async (n) => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      await new Promise((resolve) => setTimeout(resolve, n));
      inFlight--;
      return n * 10;
    });
    assert.deepEqual(out, [50, 10, 40, 20, 30, 0]);
    assert.equal(peak, 2);
  });

  test('an empty list and a limit below 1 are fine', async () => {
    assert.deepEqual(await mapWithConcurrency([], 4, () => Promise.resolve(1)), []);
    assert.deepEqual(await mapWithConcurrency([1, 2], 0, (n) => Promise.resolve(n)), [1, 2]);
  });

  test('the first failure rejects the whole map', async () => {
    await assert.rejects(
      mapWithConcurrency([1, 2, 3], 2, (n) =>
        n === 2 ? Promise.reject(new Error('two')) : Promise.resolve(n),
      ),
      /two/,
    );
  });
});

describe('decodePolicyDocument', () => {
  test('decodes the URL-encoded document IAM returns, and leaves plain JSON alone', () => {
    const doc = '{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"*","Resource":"*"}]}';
    assert.equal(decodePolicyDocument(encodeURIComponent(doc)), doc);
    assert.equal(decodePolicyDocument(doc), doc);
    assert.equal(decodePolicyDocument('%E0%A4%A'), '%E0%A4%A');
  });
});
