import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { maskKeyIds, readBadInputFigures, renderReliabilityDoc } from '../../chaos/reliability-doc';
import type { ChaosFigures } from '../../support/chaos/chaos-figures';

const figures: ChaosFigures = {
  mode: 'full',
  seed: 9,
  startedAt: '2026-11-29T10:00:00.000Z',
  finishedAt: '2026-11-29T10:20:00.000Z',
  accounts: 20,
  workers: 3,
  blackoutSeconds: 30,
  campaign: { id: 'c1', status: 'COMPLETED', selectedUsers: 60, durationSeconds: 600 },
  offboarding: {
    id: 'offboard-x',
    phase: 'completed',
    matchedUsers: 6,
    purged: 6,
    contained: 0,
    durationSeconds: 90,
  },
  killsSurvived: 13,
  interruptedActivityTypes: ['createAndStageKey', 'inventoryPage'],
  activityTypesRun: ['createAndStageKey', 'inventoryPage', 'listAccounts'],
  faults: {
    campaign: { throttling: 100, serverError: 50, connectionReset: 30, blackout: 12 },
    offboarding: { throttling: 10, serverError: 5, connectionReset: 3, blackout: 0 },
  },
  awsRequests: 2000,
  checkerSamples: 300,
  longestUnstagedSeconds: 4,
  violations: [],
};

const dir = mkdtempSync(path.join(tmpdir(), 'keywarden-reliability-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('docs/reliability.md is generated from the figures of a run', () => {
  test('every figure comes from the run, and bad inputs say "not yet measured" without a corpus run', () => {
    const doc = renderReliabilityDoc(figures);
    assert.match(doc, /\| kills survived .* \| 13 \|/);
    assert.match(doc, /\| faults injected \| 210 of 2000 AWS requests \|/);
    assert.match(doc, /\| throttling \(HTTP 400, `Throttling`\) \| 100 \| 10 \| 110 \|/);
    assert.match(doc, /\| connections dropped in the blackout \| 12 \| 0 \| 12 \|/);
    assert.match(doc, /\| bad inputs refused \| not yet measured/);
    assert.match(doc, /\| violations \| 0 \|/);
    assert.match(doc, /no kill interrupted: listAccounts\./);
    assert.match(doc, /npm run chaos/);
  });

  test("a corpus run's figure is used when it exists; violations are listed", () => {
    const doc = renderReliabilityDoc(
      { ...figures, violations: ['u1 had no Active key'] },
      { refused: 41, total: 41 },
    );
    assert.match(doc, /\| bad inputs refused \| 41 of 41 \|/);
    assert.match(doc, /\| violations \| 1 \|/);
    assert.match(doc, /- u1 had no Active key/);
  });

  test("the corpus's counts by kind of input get a table of their own, when the run wrote them", () => {
    const doc = renderReliabilityDoc(figures, {
      refused: 5,
      total: 6,
      measuredAt: '2026-11-29T21:00:00.000Z',
      byCategory: [
        { category: 'webhook request', refused: 3, total: 3 },
        { category: 'monitor event', refused: 2, total: 3 },
      ],
    });
    assert.match(doc, /\| bad inputs refused \| 5 of 6 \|/);
    assert.match(doc, /## Bad input refused, by kind/);
    assert.match(doc, /bad-input corpus .*2026-11-29T21:00:00\.000Z/);
    assert.match(doc, /\| webhook request \| 3 \| 3 \|\n\| monitor event \| 2 \| 3 \|/);
    assert.doesNotMatch(renderReliabilityDoc(figures, { refused: 1, total: 1 }), /by kind/);
  });

  test('access key IDs in violations are masked to their kind and last four characters', () => {
    const doc = renderReliabilityDoc({
      ...figures,
      violations: [
        '111122223333/bob holds AKIATJXX7M2IIKQIWVY4, not in its destination 184 s after it was first seen',
      ],
    });
    assert.match(doc, /- 111122223333\/bob holds AKIA…WVY4, not in its destination/);
    assert.doesNotMatch(doc, /AKIATJXX7M2IIKQIWVY4/);
    assert.equal(maskKeyIds('ASIAABCDEFGHIJKL1234 and AKIA0123456789ABWXYZ'), 'ASIA…1234 and AKIA…WXYZ');
  });

  test('a malformed corpus figure file is refused with what to fix', () => {
    const file = path.join(dir, 'bad.json');
    writeFileSync(file, JSON.stringify({ refused: 'many' }));
    assert.throws(() => readBadInputFigures(file), /refused.*total|total/s);
    assert.equal(readBadInputFigures(path.join(dir, 'absent.json')), undefined);
  });
});
