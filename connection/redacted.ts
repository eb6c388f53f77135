import { inspect } from 'node:util';

/**
 * Holds a credential (an API key, a private key) so that printing, logging or serialising the
 * object around it shows `[redacted]`; only `reveal()` gives the value, where a connection needs it.
 */
export class Redacted<T> {
  readonly #value: T;

  constructor(value: T) {
    this.#value = value;
  }

  reveal(): T {
    return this.#value;
  }

  toString(): string {
    return '[redacted]';
  }

  toJSON(): string {
    return '[redacted]';
  }

  [inspect.custom](): string {
    return '[redacted]';
  }
}
