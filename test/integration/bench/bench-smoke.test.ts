import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { SeededOrg } from '../../../sandbox/seed-org';
import { BENCH_CREDENTIALS } from '../../bench/bench-org';
import { runBenchSuite } from '../../bench/bench-suite';
import { BenchFiguresSchema, everyoneContained, TOOLS, type BenchFigures } from '../../bench/figures';
import { renderBenchmarks } from '../../bench/render-benchmarks';
import { startTestWorker, testStack, type RunningWorker } from '../../support/test-stack';

const stack = testStack();
/** 3 accounts, not the 10: c7n-org alone takes over 20 s for 10 accounts on a loaded 2-core machine. */
const ACCOUNTS = 3;

/** The bench's worker signs with the bench's keys, which the emulator maps to every org's management account. */
const benchCaller: SeededOrg = {
  region: 'us-east-1',
  managementAccountId: '',
  operatorCredentials: {
    accessKeyId: BENCH_CREDENTIALS.accessKeyId,
    secretAccessKey: BENCH_CREDENTIALS.secretAccessKey,
  },
  rootId: '',
  ous: [],
  accounts: [],
  users: [],
};

describe(`the benchmark harness, short (${ACCOUNTS} accounts, 1 run, containment only)`, () => {
  let worker: RunningWorker;
  let figures: BenchFigures;

  before(async () => {
    worker = await startTestWorker(stack, benchCaller);
    figures = await runBenchSuite(
      {
        awsEndpoint: stack.awsEndpoint,
        keywarden: { client: worker.client, taskQueue: worker.taskQueue },
        log: () => undefined,
      },
      { runs: 1, sizes: [ACCOUNTS], rotationSizes: [], ceilingMs: 500 },
    );
  });
  after(async () => worker?.stop());

  test('every tool contained the leaver in every member account and touched no one else', () => {
    BenchFiguresSchema.parse(figures);
    for (const tool of TOOLS) {
      const [run] = figures.containment[0]!.runs[tool];
      assert.ok(run, `${tool} ran`);
      assert.equal(run.error, undefined, `${tool}: ${run.error}`);
      assert.equal(run.accounts, ACCOUNTS, `${tool} ran on a fresh org of ${ACCOUNTS} member accounts`);
      assert.equal(run.contained, ACCOUNTS, `${tool} contained the leaver everywhere`);
      assert.equal(run.bystandersTouched, 0, `${tool} left the other users' keys alone`);
    }
    assert.ok(everyoneContained(figures));
  });

  test('the doc shows each tool next to the others, the ratios, the load and the emulator ceiling', () => {
    const docs = mkdtempSync(path.join(tmpdir(), 'keywarden-bench-doc-'));
    try {
      const doc = renderBenchmarks(figures, docs);
      assert.match(doc, /\| keywarden offboarding, request to contained \| \d+\.\d\d s \(contained 3\/3\)/);
      assert.match(doc, /\| Cloud Custodian c7n-org .* \| \d+\.\d+ s \(contained 3\/3\)/);
      assert.match(doc, /\| plain SDK v3, 8 concurrent .* \| \d+\.\d\d s \(contained 3\/3\)/);
      assert.match(doc, /c7n-org ÷ keywarden .* \| \d+\.\dx \|/);
      assert.match(doc, /load average \(1, 5, 15 min\) before \| [\d.]+, [\d.]+, [\d.]+/);
      assert.match(doc, /about \*\*\d+ simple IAM calls per second\*\*/);
    } finally {
      rmSync(docs, { recursive: true, force: true });
    }
  });
});
