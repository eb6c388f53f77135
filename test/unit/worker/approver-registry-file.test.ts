import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { publicKeyOf } from '../../../domain/approval-signature';
import { effectiveSignatures } from '../../../domain/approver-registry';
import { approverRegistryFromEnv } from '../../../worker/approver-registry-file';

const dir = mkdtempSync(path.join(tmpdir(), 'keywarden-registry-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const key = () => publicKeyOf(new Uint8Array(randomBytes(32)));
const file = (name: string, text: string) => {
  const p = path.join(dir, name);
  writeFileSync(p, text);
  return p;
};

describe("the worker's approver key registry", () => {
  test('unset: none; a valid file: keys by normalized approver, signatures required by default', () => {
    assert.equal(approverRegistryFromEnv({}), undefined);
    const alice = key();
    const registry = approverRegistryFromEnv({
      KEYWARDEN_APPROVER_KEYS: file('ok.yaml', `approvers:\n  Alice@Example.com: ${alice}\n`),
    });
    assert.deepEqual(registry, {
      configured: true,
      requireSignatures: true,
      publicKeys: { 'alice@example.com': alice },
    });
    const effective = effectiveSignatures(
      { signatures: 'off', publicKeys: { 'alice@example.com': key() } },
      registry,
    );
    assert.deepEqual(effective, {
      signatures: 'required',
      publicKeys: { 'alice@example.com': alice },
      keySource: 'registry',
    });
  });

  test('a missing file, a shared key and a weak key are refused with the file and field named', () => {
    assert.throws(
      () => approverRegistryFromEnv({ KEYWARDEN_APPROVER_KEYS: path.join(dir, 'nope.yaml') }),
      /KEYWARDEN_APPROVER_KEYS: cannot read .*nope\.yaml \(ENOENT\)/,
    );
    const shared = key();
    assert.throws(
      () =>
        approverRegistryFromEnv({
          KEYWARDEN_APPROVER_KEYS: file(
            'shared.json',
            JSON.stringify({ approvers: { 'a@x.io': shared, 'b@x.io': shared } }),
          ),
        }),
      /b@x\.io has the same public key as a@x\.io/,
    );
    assert.throws(
      () =>
        approverRegistryFromEnv({
          KEYWARDEN_APPROVER_KEYS: file(
            'weak.json',
            JSON.stringify({ approvers: { 'a@x.io': `01${'0'.repeat(62)}` } }),
          ),
        }),
      /not a usable Ed25519 public key/,
    );
  });
});
