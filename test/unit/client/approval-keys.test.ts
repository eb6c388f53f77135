import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { statementFor } from '../../../domain/approval';
import { verifyStatement } from '../../../domain/approval-signature';
import { readKeyFile, signedPayload, writeNewKeyFile } from '../../../client/approval-keys';

const dir = mkdtempSync(path.join(tmpdir(), 'keywarden-keys-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('approval keys', () => {
  test('keygen writes a 0600 key file that signs approvals its public key verifies', () => {
    const file = path.join(dir, 'alice.json');
    const publicKey = writeNewKeyFile('Alice@Example.com', file);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    const key = readKeyFile(file);
    assert.equal(key.approver, 'alice@example.com');
    assert.equal(key.publicKey, publicKey);
    const target = { workflowId: 'q3', action: 'approve' as const, round: 1, planDigest: 'a'.repeat(64) };
    const signed = signedPayload(key, target, 'ok', 3_600_000);
    const statement = statementFor(target, signed.approver, signed.comment, {
      round: 1,
      planDigest: target.planDigest,
      expiresAt: signed.expiresAt!,
      signature: signed.signature!,
    });
    assert.equal(verifyStatement(statement, signed.signature!, publicKey), true);
    assert.throws(() => writeNewKeyFile('alice@example.com', file), /already exists/);
  });

  test('a key file others can read, or that is not a key, is refused without printing the key', () => {
    const file = path.join(dir, 'bob.json');
    writeNewKeyFile('bob@example.com', file);
    chmodSync(file, 0o644);
    assert.throws(() => readKeyFile(file), /readable by others \(mode 644\): run chmod 600/);
    chmodSync(file, 0o600);
    const privateKey = (JSON.parse(readFileSync(file, 'utf8')) as { privateKey: string }).privateKey;
    const broken = path.join(dir, 'broken.json');
    writeNewKeyFile('eve@example.com', broken);
    chmodSync(broken, 0o600);
    rmSync(broken);
    writeFileSync(
      broken,
      JSON.stringify({ kind: 'keywarden-approval-key', approver: 'x', privateKey, publicKey: 'zz' }),
      { mode: 0o600 },
    );
    assert.throws(
      () => readKeyFile(broken),
      (error: Error) => /publicKey is wrong/.test(error.message) && !error.message.includes(privateKey),
    );
  });
});
