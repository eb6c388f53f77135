import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { benchSettingsFromEnv } from '../../bench/bench-settings';
import { everyoneContained, median, type BenchFigures, type ContainmentRun } from '../../bench/figures';
import { renderBenchmarks } from '../../bench/render-benchmarks';

const run = (seconds: number, contained = 10, accounts = 10): ContainmentRun => ({
  seconds,
  contained,
  accounts,
  bystandersTouched: 0,
});

function figures(): BenchFigures {
  return {
    generatedAt: '2026-11-29T22:00:00.000Z',
    machine: {
      cpus: 2,
      cpuModel: 'Test CPU',
      memoryGb: 8,
      platform: 'linux 6.1',
      node: 'v20.19.0',
      loadBefore: [1.5, 1.2, 1],
      loadAfter: [2.5, 1.8, 1.2],
    },
    settings: {
      runs: 3,
      sizes: [10, 100],
      rotationSizes: [10, 100],
      usersPerAccount: 5,
      concurrency: 8,
      versions: { keywarden: '0.1.0', c7n: '0.9.53', 'c7n-org': '0.6.52', moto: '5.2.5' },
    },
    emulatorCeilingCallsPerSecond: 200,
    containment: [
      {
        accounts: 10,
        runs: {
          keywarden: [
            { ...run(2), wallSeconds: 2.2 },
            { ...run(3), wallSeconds: 3.1 },
            { ...run(2.5), wallSeconds: 2.6 },
          ],
          c7nOrg: [run(9), run(10), run(11)],
          sdk: [run(1), run(1), run(1)],
        },
      },
      {
        accounts: 100,
        runs: {
          keywarden: [run(20, 100, 100), run(20, 100, 100), run(20, 100, 100)],
          c7nOrg: [run(90, 100, 100), run(80, 100, 100), run(100, 99, 100)],
          sdk: [run(8, 100, 100), run(8, 100, 100), run(8, 100, 100)],
        },
      },
    ],
    rotation: [
      { accounts: 10, keywarden: [{ rotated: 50, seconds: 25 }], sdk: [{ rotated: 50, seconds: 5 }] },
      { accounts: 100, keywarden: [{ rotated: 500, seconds: 250 }], sdk: [{ rotated: 500, seconds: 50 }] },
    ],
  };
}

describe('docs/benchmarks.md from the figures', () => {
  test('medians of each tool next to the others, the ratios, the growth, the floor, the machine', () => {
    const docs = mkdtempSync(path.join(tmpdir(), 'keywarden-bench-'));
    try {
      const doc = renderBenchmarks(figures(), docs);
      assert.match(
        doc,
        /\| keywarden offboarding, request to contained \| 2\.50 s \(contained 10\/10\) \| 20\.0 s \(contained 100\/100\) \| 8\.0x \|/,
      );
      assert.match(
        doc,
        /\| Cloud Custodian c7n-org [^|]* \| 10\.0 s \(contained 10\/10\) \| 90\.0 s \(contained 100\/100, 100\/100, 99\/100\) \| 9\.0x \|/,
      );
      assert.match(doc, /\| c7n-org ÷ keywarden [^|]* \| 4\.0x \| 4\.5x \|/);
      assert.match(doc, /\| keywarden ÷ plain SDK \(goal ≤ 2x\) \| 2\.5x \| 2\.5x \|/);
      assert.match(doc, /\| fewest calls at the ceiling \| 0\.2\d s \| 2\.0\d s \|/);
      assert.match(doc, /2\.60 s at 10/, "the client's wall time until --wait returns");
      assert.match(
        doc,
        /\| 100 \| 500 \| 2\.00 keys\/s \(250\.0 s\) \| 10\.00 keys\/s \(50\.0 s\) \| 5\.0x \|/,
      );
      assert.match(
        doc,
        /Growth of the wall time from 10 to 100 accounts: keywarden 10\.0x, plain SDK 10\.0x/,
      );
      assert.match(doc, /load average after \| 2\.5, 1\.8, 1\.2/);
      assert.doesNotMatch(doc, /10,000-account simulation/);
      assert.doesNotMatch(doc, /the ceiling reads low/);
      const lowCeiling = renderBenchmarks({ ...figures(), emulatorCeilingCallsPerSecond: 20 }, docs);
      assert.match(
        lowCeiling,
        /the plain SDK made its calls at up to 50 per second, above the ceiling measured once at the start \(20\/s\)/,
      );
    } finally {
      rmSync(docs, { recursive: true, force: true });
    }
  });

  test("the other benchmarks' figures become sections when their files exist", () => {
    const docs = mkdtempSync(path.join(tmpdir(), 'keywarden-bench-'));
    try {
      writeFileSync(
        path.join(docs, 'benchmark-scale-figures.json'),
        JSON.stringify({
          accounts: 10000,
          campaign: { days: 14.3 },
          figures: { peakRss: { value: 388.6, unit: 'MiB' } },
          goals: [
            { name: 'RSS under 512 MB', limit: '< 512 MiB', value: '388.6 MiB', met: true },
            {
              name: 'history under 10,240 events',
              limit: '< 10240 events',
              value: '12000 events',
              met: false,
            },
          ],
        }),
      );
      writeFileSync(
        path.join(docs, 'production-window-figures.json'),
        JSON.stringify({ gateDay: 14.3, phases: [7, 14] }),
      );
      const doc = renderBenchmarks(figures(), docs);
      assert.match(
        doc,
        /## 10,000-account simulation\n\nFrom `docs\/benchmark-scale-figures.json`.\n\n\| figure \| value \|\n\| --- \| --- \|\n\| accounts \| 10000 \|\n\| campaign › days \| 14\.3 \|\n\| figures › peakRss \| 388\.6 MiB \|\n\| goal: RSS under 512 MB \| met: 388\.6 MiB \(goal < 512 MiB\) \|\n\| goal: history under 10,240 events \| \*\*missed\*\*: 12000 events \(goal < 10240 events\) \|/,
      );
      assert.match(
        doc,
        /## Rotation phases at production windows[\s\S]*\| gateDay \| 14\.3 \|\n\| phases \| \[7,14\] \|/,
      );
    } finally {
      rmSync(docs, { recursive: true, force: true });
    }
  });

  test('a run that left a leaver uncontained or failed is not "everyone contained"', () => {
    assert.equal(everyoneContained(figures()), false, '99/100 in one c7n-org run');
    const f = figures();
    f.containment[1]!.runs.c7nOrg[2] = run(100, 100, 100);
    assert.equal(everyoneContained(f), true);
    f.containment[0]!.runs.sdk[0] = { ...run(1), error: 'AccessDenied' };
    assert.equal(everyoneContained(f), false);
    assert.equal(median([3, 1, 2]), 2);
    assert.equal(median([4, 1, 2, 3]), 2.5);
  });
});

describe('bench settings from the environment', () => {
  test('defaults: 3 runs of 10, 50 and 100 accounts; rotation at 10 and 100', () => {
    const s = benchSettingsFromEnv({});
    assert.deepEqual([s.runs, s.sizes, s.rotationSizes], [3, [10, 50, 100], [10, 100]]);
  });

  test('KEYWARDEN_BENCH_RUNS and KEYWARDEN_BENCH_SIZES override them; nonsense is refused with what to write', () => {
    const s = benchSettingsFromEnv({ KEYWARDEN_BENCH_RUNS: '1', KEYWARDEN_BENCH_SIZES: '10,20' });
    assert.deepEqual([s.runs, s.sizes], [1, [10, 20]]);
    assert.throws(
      () => benchSettingsFromEnv({ KEYWARDEN_BENCH_SIZES: '10, fifty' }),
      /comma-separated list of account counts, like 10,50,100/,
    );
    assert.throws(
      () => benchSettingsFromEnv({ KEYWARDEN_BENCH_RUNS: '0' }),
      /whole number of runs per figure/,
    );
    assert.throws(
      () => benchSettingsFromEnv({ KEYWARDEN_BENCH_SIZES: '500' }),
      /each size must be from 1 to 200 accounts/,
    );
  });
});
