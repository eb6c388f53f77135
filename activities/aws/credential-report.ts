import { parse } from 'csv-parse/sync';

/**
 * The IAM credential report (GetCredentialReport, `text/csv`), reduced to what an inventory
 * needs: who the users are and which of their two access key slots hold a key. The report holds
 * no secret. Columns are found by their header name, so columns AWS adds later do not matter.
 */

/** The report's first data row describes the account's root user, which is not an IAM user. */
export const ROOT_ACCOUNT_ROW = '<root_account>';

/** One access key slot of a user that holds a key (active or not). */
export interface CredentialReportKey {
  /** 1 or 2: the report's `access_key_1_*` or `access_key_2_*` columns. */
  slot: 1 | 2;
  active: boolean;
  /** `access_key_N_last_rotated`: when the key was created (ISO-8601, as the report writes it). */
  lastRotated?: string;
}

export interface CredentialReportRow {
  userName: string;
  arn: string;
  /** `user_creation_time`, as the report writes it. */
  userCreationTime: string;
  /**
   * The slots that hold a key: those whose `access_key_N_last_rotated` is a date (the report
   * writes `N/A` when there is no such key), or, defensively, whose `access_key_N_active` is true.
   */
  accessKeys: CredentialReportKey[];
  /** `password_enabled`: the user can sign in to the console. Undefined when the report lacks the column. */
  passwordEnabled?: boolean;
  /** `mfa_active`: the user has an MFA device. Undefined when the report lacks the column. */
  mfaActive?: boolean;
}

const REQUIRED_COLUMNS = [
  'user',
  'arn',
  'user_creation_time',
  'access_key_1_active',
  'access_key_1_last_rotated',
  'access_key_2_active',
  'access_key_2_last_rotated',
] as const;
type Column = (typeof REQUIRED_COLUMNS)[number];

/** Columns every real report has, read when present so that a report without them still parses. */
const OPTIONAL_COLUMNS = ['password_enabled', 'mfa_active'] as const;
type OptionalColumn = (typeof OPTIONAL_COLUMNS)[number];

/** What the report writes in a column that does not apply (no such key, no such date). */
const NOT_APPLICABLE = new Set(['N/A', 'not_supported', 'no_information', '']);

export class CredentialReportFormatError extends Error {
  override readonly name = 'CredentialReportFormatError';
}

/**
 * Parses the report's CSV text into one row per IAM user, in the report's order, without the
 * root account's row. Quoted fields follow RFC 4180. A user name or path with a comma that was
 * written unquoted (as some emulators do) shows up as extra fields; those rows are put back
 * together around the ARN, which is the only field that starts with `arn:`.
 * Throws CredentialReportFormatError when the text is not a credential report.
 */
export function parseCredentialReport(text: string): CredentialReportRow[] {
  let records: string[][];
  try {
    records = parse(text, { bom: true, relax_column_count: true, skip_empty_lines: true, trim: false });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new CredentialReportFormatError(`the credential report is not valid CSV: ${reason}`);
  }
  const [header, ...body] = records;
  if (header === undefined) throw new CredentialReportFormatError('the credential report is empty');
  const index = columnIndex(header);
  const optional = optionalColumnIndex(header);
  const rows: CredentialReportRow[] = [];
  for (const [n, raw] of body.entries()) {
    const fields = alignFields(raw, header.length, index);
    if (fields === undefined) {
      throw new CredentialReportFormatError(
        `line ${n + 2} of the credential report has ${raw.length} fields, the header ${header.length}`,
      );
    }
    const field = (column: Column): string => fields[index[column]] ?? '';
    const userName = field('user');
    if (userName === ROOT_ACCOUNT_ROW) continue;
    if (userName === '') {
      throw new CredentialReportFormatError(`line ${n + 2} of the credential report has no user name`);
    }
    const accessKeys: CredentialReportKey[] = [];
    for (const slot of [1, 2] as const) {
      const lastRotated = field(`access_key_${slot}_last_rotated`);
      const active = field(`access_key_${slot}_active`).toLowerCase() === 'true';
      if (NOT_APPLICABLE.has(lastRotated)) {
        if (active) accessKeys.push({ slot, active });
      } else {
        accessKeys.push({ slot, active, lastRotated });
      }
    }
    const row: CredentialReportRow = {
      userName,
      arn: field('arn'),
      userCreationTime: field('user_creation_time'),
      accessKeys,
    };
    const flag = (column: OptionalColumn): boolean | undefined => {
      const at = optional[column];
      return at === undefined ? undefined : (fields[at] ?? '').toLowerCase() === 'true';
    };
    const passwordEnabled = flag('password_enabled');
    const mfaActive = flag('mfa_active');
    if (passwordEnabled !== undefined) row.passwordEnabled = passwordEnabled;
    if (mfaActive !== undefined) row.mfaActive = mfaActive;
    rows.push(row);
  }
  return rows;
}

/** True when the report shows at least one access key (active or inactive) for the user. */
export function hasAccessKey(row: CredentialReportRow): boolean {
  return row.accessKeys.length > 0;
}

function columnIndex(header: readonly string[]): Record<Column, number> {
  const names = header.map((name) => name.trim());
  const index = {} as Record<Column, number>;
  const missing: string[] = [];
  for (const column of REQUIRED_COLUMNS) {
    const at = names.indexOf(column);
    if (at < 0) missing.push(column);
    else index[column] = at;
  }
  if (missing.length > 0) {
    throw new CredentialReportFormatError(
      `the credential report has no column ${missing.map((c) => JSON.stringify(c)).join(', ')}`,
    );
  }
  return index;
}

function optionalColumnIndex(header: readonly string[]): Partial<Record<OptionalColumn, number>> {
  const names = header.map((name) => name.trim());
  const index: Partial<Record<OptionalColumn, number>> = {};
  for (const column of OPTIONAL_COLUMNS) {
    const at = names.indexOf(column);
    if (at >= 0) index[column] = at;
  }
  return index;
}

/** True when the report shows an active access key for the user. */
export function hasActiveAccessKey(row: CredentialReportRow): boolean {
  return row.accessKeys.some((key) => key.active);
}

/**
 * The record as one field per header column, or undefined when it cannot be made so. Extra
 * fields can only come from unquoted commas in the first two columns (user name and ARN: IAM
 * names and paths may contain commas, no other column can), so they are joined back.
 */
function alignFields(
  raw: readonly string[],
  width: number,
  index: Record<Column, number>,
): readonly string[] | undefined {
  if (raw.length === width) return raw;
  if (raw.length < width || index.user !== 0 || index.arn !== 1) return undefined;
  const tail = width - 2;
  const head = raw.slice(0, raw.length - tail);
  // A user name cannot contain ':', so the first field after the name that starts with 'arn:' opens the ARN.
  const arnAt = head.findIndex((field, i) => i > 0 && field.startsWith('arn:'));
  if (arnAt < 1) return undefined;
  return [head.slice(0, arnAt).join(','), head.slice(arnAt).join(','), ...raw.slice(raw.length - tail)];
}
