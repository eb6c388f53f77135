/**
 * What the worker's payload converter yields for a payload it cannot decode (a foreign encoding,
 * bytes that are not JSON), instead of failing the workflow task again and again. Handlers judge
 * it like any other malformed message: refused, recorded with its reason, nothing changed.
 */
export interface Undecodable {
  keywardenUndecodable: string;
}

export function undecodable(reason: string): Undecodable {
  return { keywardenUndecodable: reason };
}

export function isUndecodable(value: unknown): value is Undecodable {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Partial<Undecodable>).keywardenUndecodable === 'string'
  );
}
