import { stringify } from 'yaml';
import type { CliCase, Refusal } from './corpus-case';

/** A spec that would be valid: each case breaks one thing in it. Its scope is every account. */
function validSpec(id: string): Record<string, unknown> {
  return {
    id,
    name: 'bad-input corpus',
    initiator: 'ops@example.com',
    scope: { allAccounts: true },
    approval: { approvers: ['alice@example.com', 'bob@example.com'] },
  };
}

type Patch = (spec: Record<string, unknown>) => void;

/** `keywarden rotate <file>` of the valid spec with `patch` applied, as YAML (or JSON). */
function specCase(
  name: string,
  slug: string,
  patch: Patch,
  refusal: Refusal,
  format: 'yaml' | 'json' = 'yaml',
): CliCase {
  const id = `bad-spec-${slug}`;
  const spec = validSpec(id);
  patch(spec);
  const file = `spec.${format}`;
  return {
    name,
    args: ['rotate', `{dir}/${file}`],
    files: { [file]: format === 'json' ? JSON.stringify(spec) : stringify(spec) },
    refusal: [`${file} is not a valid campaign spec`, ...refusal],
    wouldStart: [id],
  };
}

/** The same, from spec text as typed (for what only YAML can get wrong). */
function textCase(name: string, slug: string, text: string, refusal: Refusal, file = 'spec.yaml'): CliCase {
  return {
    name,
    args: ['rotate', `{dir}/${file}`],
    files: { [file]: text },
    refusal,
    wouldStart: [`bad-spec-${slug}`],
  };
}

const set =
  (path: string, value: unknown): Patch =>
  (spec) => {
    const keys = path.split('.');
    let node = spec;
    for (const key of keys.slice(0, -1)) {
      node[key] ??= {};
      node = node[key] as Record<string, unknown>;
    }
    node[keys.at(-1)!] = value;
  };

const VALID_KEY = '3b6a27bcceb6a42d62a3a8d02a6f0d73653215771de243a63ac048a18b59da29';

/** Campaign specs: wrong types, misspelt keys, impossible scopes, durations, approver rules, sizes. */
export const CAMPAIGN_SPEC_CASES: CliCase[] = [
  specCase('a number given as a word', 'word-number', set('policy.maxKeyAgeDays', 'ninety'), [
    '→ at policy.maxKeyAgeDays',
    'expected number',
  ]),
  specCase('a fraction where whole days are counted', 'fraction', set('policy.maxKeyAgeDays', 1.5), [
    '→ at policy.maxKeyAgeDays',
    'expected int',
  ]),
  specCase('a boolean given as text', 'bool-text', set('scope.allAccounts', 'yes'), [
    '→ at scope.allAccounts',
    'expected boolean',
  ]),
  specCase('a misspelt top-level key', 'typo-top', set('dryrun', true), ['Unrecognized key: "dryrun"']),
  specCase(
    'a misspelt nested key (JSON)',
    'typo-nested',
    set('approval.timout', '1d'),
    ['Unrecognized key: "timout"', '→ at approval'],
    'json',
  ),
  specCase('an unknown choice', 'enum', set('policy.unusedKeys', 'sometimes'), [
    '→ at policy.unusedKeys',
    '"report"|"rotate"',
  ]),
  specCase('an empty scope', 'empty-scope', set('scope', {}), [
    'scope is empty: set scope.allAccounts: true, or list scope.includeOus or scope.includeAccounts',
  ]),
  specCase('an account ID of 4 digits', 'short-account', set('scope', { includeAccounts: ['1234'] }), [
    'an account ID is exactly 12 digits',
    '→ at scope.includeAccounts[0]',
  ]),
  textCase(
    'an account ID unquoted in YAML (a number, its leading zero lost)',
    'unquoted-account',
    'id: bad-spec-unquoted-account\nname: x\ninitiator: ops@example.com\nscope:\n  includeAccounts: [012345678901]\napproval:\n  approvers: [alice@example.com]\n',
    ['quote it in YAML so leading zeros survive', '→ at scope.includeAccounts[0]'],
  ),
  specCase('an empty OU name', 'empty-ou', set('scope', { includeOus: [' '] }), [
    'an OU reference must not be empty',
    '→ at scope.includeOus[0]',
  ]),
  specCase('a campaign ID with a slash', 'slash-id', set('id', 'q3/rotation'), [
    'a campaign id is 1-64 letters, digits',
    '→ at id',
  ]),
  specCase('a duration in words', 'duration-words', set('windows.grace', 'soon'), [
    'invalid duration: use a number followed by ms, s, m, h or d',
    '→ at windows.grace',
  ]),
  specCase('a zero duration', 'duration-zero', set('windows.adoption', '0d'), [
    'invalid duration',
    '→ at windows.adoption',
  ]),
  specCase('a duration without a unit', 'duration-number', set('approval.timeout', 7), [
    'expected a duration string',
    '→ at approval.timeout',
  ]),
  specCase('no approvers', 'no-approvers', set('approval.approvers', []), [
    'list at least one approver in approvers',
    '→ at approval.approvers',
  ]),
  specCase(
    'the initiator as the only approver',
    'self-approver',
    set('approval.approvers', ['ops@example.com']),
    ['only 0 approvers other than the initiator are listed: add approvers or lower requiredApprovals'],
  ),
  specCase('more approvals required than approvers listed', 'quorum', set('approval.requiredApprovals', 3), [
    'approval.requiredApprovals is 3 but only 2 approvers other than the initiator are listed',
  ]),
  specCase('zero approvals required', 'zero-quorum', set('approval.requiredApprovals', 0), [
    'requiredApprovals must be at least 1',
  ]),
  specCase(
    'signatures required, an approver without a key',
    'unkeyed',
    (spec) => {
      set('approval.signatures', 'required')(spec);
      set('approval.publicKeys', { 'alice@example.com': VALID_KEY })(spec);
    },
    ['approval.publicKeys has no key for bob@example.com, ops@example.com', 'keywarden keygen'],
  ),
  specCase(
    'a public key that is not 64 hex digits',
    'bad-key',
    set('approval.publicKeys', { 'alice@example.com': 'abc' }),
    ['a public key is 64 hex characters'],
  ),
  specCase('no accounts in flight at all', 'zero-limit', set('limits.maxAccountsInFlight', 0), [
    '→ at limits.maxAccountsInFlight',
    'expected number to be >=1',
  ]),
  specCase('too many accounts in flight', 'huge-limit', set('limits.maxAccountsInFlight', 100_000), [
    '→ at limits.maxAccountsInFlight',
    'expected number to be <=200',
  ]),
  specCase('a description past 2,000 characters', 'long-description', set('description', 'x'.repeat(2001)), [
    '→ at description',
    'expected string to have <=2000 characters',
  ]),
  textCase('YAML that does not parse', 'syntax', 'id: bad-spec-syntax\nscope: [unclosed\n', [
    'spec.yaml is not a valid campaign spec',
    'invalid YAML',
  ]),
  textCase(
    'JSON that does not parse',
    'json-syntax',
    '{"id": "bad-spec-json-syntax",',
    ['invalid JSON'],
    'spec.json',
  ),
  textCase('a list instead of a spec', 'list', '- id: bad-spec-list\n', ['expected object, received array']),
  textCase('an empty file', 'empty', '\n', ['is empty']),
];
