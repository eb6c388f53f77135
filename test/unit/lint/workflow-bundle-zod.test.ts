import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, test } from 'node:test';

// The worker evaluates the workflow bundle's modules anew for every workflow it caches, so zod
// imported at module level costs every cached workflow about 0.5 MiB, and its schemas more
// (domain/lazily.ts). Workflow code loads its schemas on first use instead. This checks it in a
// fresh process: what loading the workflows loads, and what a first message then loads.
const workflows = require.resolve('../../../workflows');
const approval = require.resolve('../../../domain/approval');
const judged = require.resolve('../../../workflows/judged');

function modulesLoaded(afterLoading: string, library: 'zod' | 'valibot'): number {
  const script = `
    require(${JSON.stringify(workflows)});
    ${afterLoading}
    const loaded = Object.keys(require.cache).filter((file) => /[\\\\/]node_modules[\\\\/]${library}[\\\\/]/.test(file));
    process.stdout.write(String(loaded.length));
  `;
  return Number(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' }));
}
const zodModulesLoaded = (afterLoading: string): number => modulesLoaded(afterLoading, 'zod');

// Nearly every workflow of a campaign receives one of keywarden's own messages (a progress report,
// a decision), so those are judged with valibot, whose evaluation costs a workflow next to nothing.
const judgeInternalMessages = `
  const { judgeMessage } = require(${JSON.stringify(judged)});
  const ok = judgeMessage('KeyProgressSchema', { userName: 'u', stage: 'waiting', seq: 1 });
  const bad = judgeMessage('KeyProgressSchema', { userName: 'u', stage: 'waiting', seq: 1, extra: 1 });
  if (!ok.success || bad.success) throw new Error('the messages were not judged');
`;

describe('zod in the workflow bundle', () => {
  test('loading every workflow loads no zod', () => {
    assert.equal(zodModulesLoaded(''), 0);
  });

  test('the first approval signal a gate judges loads it', () => {
    const judge = `require(${JSON.stringify(approval)}).judgeApprove(
      { approvers: ['a@example.com'], requiredApprovals: 1, initiator: 'i@example.com' },
      { approver: 'a@example.com', unexpected: true },
    );`;
    assert.ok(zodModulesLoaded(judge) > 0, 'judging a signal loads the schema, and zod with it');
  });

  test("judging keywarden's own messages between workflows loads no zod, only valibot", () => {
    assert.equal(zodModulesLoaded(judgeInternalMessages), 0);
    assert.ok(modulesLoaded(judgeInternalMessages, 'valibot') > 0, 'the messages are judged with valibot');
  });
});
