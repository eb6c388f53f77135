import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { isAlive } from '../../../sandbox/processes';
import { paths } from '../../../sandbox/project-paths';
import { SandboxStateSchema } from '../../../sandbox/sandbox-state';

const cli = path.join(paths.root, 'bin', 'keywarden.js');
const state = mkdtempSync(path.join(tmpdir(), 'keywarden-sandbox-'));

function keywarden(...args: string[]) {
  const result = spawnSync(process.execPath, [cli, ...args], {
    cwd: paths.root,
    encoding: 'utf8',
    env: { ...process.env, KEYWARDEN_STATE_DIR: state },
    timeout: 300_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('keywarden sandbox up, status and down', () => {
  after(() => {
    keywarden('sandbox', 'down');
    rmSync(state, { recursive: true, force: true });
  });

  test('up starts everything detached and records it; down stops every process it started', async () => {
    const up = keywarden('sandbox', 'up', '--accounts', '2');
    assert.equal(up.code, 0, up.stderr);
    const uiUrl = /Temporal Web UI: (\S+)/.exec(up.stdout)?.[1];
    assert.ok(uiUrl, up.stdout);

    const file = path.join(state, 'sandbox.json');
    assert.equal(statSync(file).mode & 0o777, 0o600, 'the state file holds credentials: owner only');
    const recorded = SandboxStateSchema.parse(JSON.parse(readFileSync(file, 'utf8')));
    assert.equal(recorded.temporal.uiUrl, uiUrl);
    assert.equal(recorded.org.accounts.length, 2);
    assert.deepEqual(
      recorded.processes.map((p) => p.name),
      ['temporal', 'moto', 'worker'],
    );
    for (const p of recorded.processes) assert.ok(isAlive(p.pid), `${p.name} is running`);
    const ui = await fetch(uiUrl);
    assert.equal(ui.status, 200, 'the Web UI serves');

    const again = keywarden('sandbox', 'up');
    assert.equal(again.code, 0);
    assert.match(again.stdout, /already running/);

    const status = keywarden('sandbox', 'status');
    assert.match(status.stdout, /worker\s+pid \d+ running/);

    const down = keywarden('sandbox', 'down');
    assert.equal(down.code, 0, down.stderr);
    for (const p of recorded.processes) assert.ok(!isAlive(p.pid), `${p.name} (pid ${p.pid}) is gone`);
    assert.ok(!existsSync(file), 'the state file is removed');
  });
});
