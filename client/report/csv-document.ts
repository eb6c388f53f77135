import { stringify } from 'csv-stringify/sync';

// A spreadsheet runs a cell that starts with one of these as a formula (OWASP "CSV injection").
const FORMULA_START = /^[=+\-@\t\r]/;

/** Prefixes `'` to a value a spreadsheet would otherwise run as a formula. */
export function neutraliseFormula(value: string): string {
  return FORMULA_START.test(value) ? `'${value}` : value;
}

/**
 * A header line and one line per row, CRLF after every line (RFC 4180): fields quoted as needed
 * and every value that could start a formula neutralised.
 */
export function csvDocument<C extends string>(
  columns: readonly C[],
  rows: ReadonlyArray<Record<C, string>>,
): string {
  const safe = rows.map((row) => Object.fromEntries(columns.map((c) => [c, neutraliseFormula(row[c])])));
  return stringify(safe, {
    header: true,
    columns: columns.map((c) => ({ key: c, header: c })),
    record_delimiter: 'windows',
    // Lines end in CRLF, so csv-stringify would leave a bare LF or CR unquoted: a reader would split the row.
    quoted_match: /[\r\n]/,
    eof: true,
  });
}
