import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { UsageError } from '../../../client/cli-error';
import { readSpecFile, specFormat } from '../../../client/spec-file';

const dir = mkdtempSync(path.join(tmpdir(), 'keywarden-spec-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const GOOD_YAML = `id: q3-rotation
name: Q3 rotation
initiator: ops@example.com
scope:
  allAccounts: true
approval:
  approvers: [alice@example.com]
`;

function write(name: string, text: string): string {
  const file = path.join(dir, name);
  writeFileSync(file, text);
  return file;
}

function usageError(file: string): UsageError {
  try {
    readSpecFile(file);
  } catch (error) {
    assert.ok(error instanceof UsageError, `expected a UsageError, got ${String(error)}`);
    assert.equal(error.exitCode, 2);
    return error;
  }
  assert.fail('expected the spec to be rejected');
}

describe('spec files: format by extension', () => {
  test('.json is JSON, everything else YAML', () => {
    assert.equal(specFormat('a.json'), 'json');
    assert.equal(specFormat('a.JSON'), 'json');
    assert.equal(specFormat('a.yaml'), 'yaml');
    assert.equal(specFormat('a.yml'), 'yaml');
    assert.equal(specFormat('a.spec'), 'yaml');
  });

  test('a valid YAML, JSON or extensionless spec parses with defaults', () => {
    assert.equal(readSpecFile(write('ok.yaml', GOOD_YAML)).id, 'q3-rotation');
    const json = {
      id: 'q3-json',
      name: 'n',
      initiator: 'ops@example.com',
      scope: { includeAccounts: ['111111111111'] },
      approval: { approvers: ['alice@example.com'] },
    };
    const spec = readSpecFile(write('ok.json', JSON.stringify(json)));
    assert.deepEqual(spec.scope.includeAccounts, ['111111111111']);
    assert.equal(spec.policy.maxKeyAgeDays, 90);
    assert.equal(readSpecFile(write('ok.spec', GOOD_YAML)).dryRun, false);
  });
});

describe('spec files: every error names the file and the field, exit code 2', () => {
  test('an unknown (misspelt) key', () => {
    const file = write('typo.yaml', GOOD_YAML.replace('scope:', 'scope:\n  allAcounts: true'));
    const { message } = usageError(file);
    assert.ok(message.includes(file));
    assert.match(message, /allAcounts/);
    assert.match(message, /scope/);
  });

  test('a wrong type', () => {
    const file = write('type.yaml', `${GOOD_YAML}policy:\n  maxKeyAgeDays: ninety\n`);
    const { message } = usageError(file);
    assert.ok(message.includes(file));
    assert.match(message, /policy\.maxKeyAgeDays/);
  });

  test('a bad duration says how to write one', () => {
    const file = write('duration.yaml', `${GOOD_YAML}windows:\n  adoption: 7 days\n`);
    const { message } = usageError(file);
    assert.match(message, /windows\.adoption/);
    assert.match(message, /invalid duration: use a number followed by ms, s, m, h or d/);
  });

  test('an empty scope says what to set', () => {
    const file = write('scope.yaml', GOOD_YAML.replace('  allAccounts: true', '  allAccounts: false'));
    const { message } = usageError(file);
    assert.match(message, /scope is empty: set scope\.allAccounts: true/);
    assert.match(message, /→ at scope/);
  });

  test('invalid JSON and invalid YAML', () => {
    assert.match(usageError(write('broken.json', '{"id": ')).message, /invalid JSON/);
    assert.match(usageError(write('broken.yaml', 'id: [unclosed\n')).message, /invalid YAML/);
  });

  test('a missing, empty or unreadable file', () => {
    assert.match(usageError(path.join(dir, 'nope.yaml')).message, /nope\.yaml does not exist/);
    assert.match(usageError(write('empty.yaml', '  \n')).message, /empty\.yaml is empty/);
    assert.match(usageError(dir).message, /is a directory/);
  });
});
