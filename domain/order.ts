/**
 * Orders strings by UTF-16 code units. Unlike localeCompare it does not depend on the ICU data
 * of the Node.js build, so workflow code sorts the same on every worker and in every replay.
 */
export function byCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
