import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isUndecodable } from '../../../domain/undecodable';
import { payloadConverter } from '../../../workflows/payload-converter';

const bytes = (text: string) => new TextEncoder().encode(text);
const payload = (encoding: string, data: string) => ({
  metadata: { encoding: bytes(encoding) },
  data: bytes(data),
});

describe('the worker payload converter never throws on a payload it cannot decode', () => {
  test('JSON decodes as usual, and round-trips', () => {
    const value = { approver: 'alice@example.com' };
    assert.deepEqual(payloadConverter.fromPayload(payloadConverter.toPayload(value)), value);
    assert.deepEqual(payloadConverter.fromPayload(payload('json/plain', '{"a":1}')), { a: 1 });
  });

  test('foreign encodings, bad JSON and missing metadata become an Undecodable value with a reason', () => {
    const cases: Array<[ReturnType<typeof payload> | { data: Uint8Array }, RegExp]> = [
      [payload('json/protobuf', '{"approver":"a"}'), /^encoding json\/protobuf is not supported/],
      [payload('binary/encrypted', 'x'), /^encoding binary\/encrypted is not supported/],
      [payload('json/plain', '{nope'), /^the payload is not valid JSON$/],
      [payload('<script>alert(1)</script>', 'x'), /^encoding unknown is not supported/],
      [{ data: bytes('x') }, /not supported/],
    ];
    for (const [p, reason] of cases) {
      const value: unknown = payloadConverter.fromPayload(p);
      assert.ok(isUndecodable(value), JSON.stringify(value));
      assert.match(value.keywardenUndecodable, reason);
    }
  });

  test('binary and null payloads still decode (the gate then refuses them as malformed)', () => {
    assert.equal(payloadConverter.fromPayload({ metadata: { encoding: bytes('binary/null') } }), undefined);
    assert.ok(payloadConverter.fromPayload(payload('binary/plain', 'x')) instanceof Uint8Array);
  });
});
