import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { ensureChromium, findChromium, requireChromium } from '../../harness/chromium';

describe('finding Chromium for the browser tests', () => {
  const savedPath = process.env.PATH;
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'keywarden-chromium-'));
    process.env.PATH = dir;
  });
  afterEach(() => {
    process.env.PATH = savedPath;
    rmSync(dir, { recursive: true, force: true });
  });

  function placeExecutable(name: string, mode: number): string {
    const file = path.join(dir, name);
    writeFileSync(file, '#!/bin/sh\n');
    chmodSync(file, mode);
    return file;
  }

  test('finds chromium, or chromium-browser, when it is executable on PATH', () => {
    assert.equal(findChromium(), undefined);
    placeExecutable('chromium', 0o644);
    assert.equal(findChromium(), undefined, 'a file that cannot be run is not a browser');
    const ubuntu = placeExecutable('chromium-browser', 0o755);
    assert.equal(findChromium(), ubuntu);
    const debian = placeExecutable('chromium', 0o755);
    assert.equal(findChromium(), debian, "Debian's name comes first");
    assert.equal(ensureChromium(), debian, 'installs nothing when one is there');
  });

  test('without one, a test file is told what to install', () => {
    assert.throws(
      () => requireChromium(),
      /none is on PATH: install it \(Debian\/Ubuntu: apt-get update && apt-get install -y chromium\)/,
    );
  });
});
