import assert from 'node:assert/strict';
import { appendFileSync, writeFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { runChaos } from '../../support/chaos/chaos-run';
import { SHORT_CHAOS } from '../../support/chaos/chaos-settings';
import { testStack } from '../../support/test-stack';

describe('chaos, short version: workers killed and AWS faulted while a campaign and an offboarding run', () => {
  test('both complete, and the independent checker saw no invariant broken', async (t) => {
    // KEYWARDEN_CHAOS_LOG=<file> follows the run as it goes; the lines are reported at the end anyway.
    const follow = process.env.KEYWARDEN_CHAOS_LOG;
    const log = (line: string) => {
      t.diagnostic(line);
      if (follow) appendFileSync(follow, `${new Date().toISOString()} ${line}\n`);
    };
    const figures = await runChaos(testStack(), { ...SHORT_CHAOS, log });
    t.diagnostic(`figures: ${JSON.stringify(figures)}`);
    // KEYWARDEN_CHAOS_FIGURES=<file> keeps them, e.g. for the reliability doc's generator.
    const keep = process.env.KEYWARDEN_CHAOS_FIGURES;
    if (keep) writeFileSync(keep, `${JSON.stringify(figures, null, 2)}\n`);
    assert.deepEqual(figures.violations, []);
    assert.equal(figures.campaign.status, 'COMPLETED');
    assert.equal(figures.offboarding.phase, 'completed');
    assert.equal(figures.offboarding.purged, figures.offboarding.matchedUsers, 'every leaver purged');
    assert.ok(figures.killsSurvived >= SHORT_CHAOS.minKills, `${figures.killsSurvived} kills`);
    // The smaller guarantee of the short version: kills cut activities mid-flight (the full run
    // asserts that every activity type was cut).
    assert.ok(figures.interruptedActivityTypes.length > 0, 'some kill interrupted an activity');
    for (const run of ['campaign', 'offboarding'] as const) {
      const faults = figures.faults[run];
      assert.ok(
        faults.throttling > 0 && faults.serverError > 0,
        `${run} saw throttling and 5xx: ${JSON.stringify(faults)}`,
      );
    }
    const { campaign, offboarding } = figures.faults;
    assert.ok(campaign.connectionReset + offboarding.connectionReset > 0, 'connections were reset');
    assert.ok(campaign.blackout > 0, 'the blackout dropped connections');
    assert.ok(figures.checkerSamples > 2, 'the checker sampled during the run');
  });
});
