import {
  METADATA_ENCODING_KEY,
  defaultPayloadConverter,
  type ConverterHint,
  type Payload,
  type PayloadConverter,
  type SerializationContext,
} from '@temporalio/common';
import { undecodable } from '../domain/undecodable';

const decoder = new TextDecoder();

function encodingOf(payload: Payload): string {
  const raw = payload.metadata?.[METADATA_ENCODING_KEY];
  const text = raw ? decoder.decode(raw) : '';
  // The encoding is the sender's choice: quote it only when it looks like one.
  return /^[\w./+-]{1,40}$/.test(text) ? text : 'unknown';
}

/**
 * The default converter (null, binary, JSON), except that a payload it cannot decode (a foreign
 * encoding such as json/protobuf, bytes that are not JSON) becomes an `Undecodable` value for the
 * handler to refuse, instead of an exception that fails every workflow task from then on.
 */
class TolerantPayloadConverter implements PayloadConverter {
  toPayload<T>(value: T, context?: SerializationContext, hint?: ConverterHint<T>): Payload {
    return defaultPayloadConverter.toPayload(value, context, hint);
  }

  fromPayload<T>(payload: Payload, context?: SerializationContext, hint?: ConverterHint<T>): T {
    try {
      return defaultPayloadConverter.fromPayload(payload, context, hint);
    } catch {
      const encoding = encodingOf(payload);
      const reason =
        encoding === 'json/plain'
          ? 'the payload is not valid JSON'
          : `encoding ${encoding} is not supported: send JSON (encoding json/plain)`;
      return undecodable(reason) as T;
    }
  }
}

/** Loaded by the worker and bundled with the workflows (`payloadConverterPath`). */
export const payloadConverter: PayloadConverter = new TolerantPayloadConverter();
