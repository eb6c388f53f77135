import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { OffboardingPhase, OffboardingStatus } from '../../../domain/offboarding-report';
import { containmentLine, hasReached, WaitTargetSchema } from '../../../client/offboarding-wait';

function status(phase: OffboardingPhase, extra: Partial<OffboardingStatus> = {}): OffboardingStatus {
  return {
    employeeId: 'e1',
    workflowId: 'offboard-e1',
    phase,
    requestedAt: '2026-11-29T10:00:00.000Z',
    users: [],
    accountsSearched: [],
    accountsFailed: [],
    approval: {} as OffboardingStatus['approval'],
    purgeMode: 'delete-user',
    ...extra,
  };
}

describe('offboard --wait: when a status has reached what is waited for', () => {
  test('contained: once the run has summarized containment, whatever the phase', () => {
    assert.equal(hasReached(status('containing'), 'contained'), false);
    assert.equal(
      hasReached(status('awaiting-approval', { containedAt: '2026-11-29T10:00:02.000Z' }), 'contained'),
      true,
    );
  });

  test('a phase: in it or past it (a poll can miss a short phase), but not a different ending', () => {
    assert.equal(hasReached(status('discovering'), 'containing'), false);
    assert.equal(
      hasReached(status('awaiting-approval'), 'containing'),
      true,
      'containing was passed between polls',
    );
    assert.equal(hasReached(status('completed'), 'awaiting-approval'), true);
    assert.equal(
      hasReached(status('not-found'), 'awaiting-approval'),
      false,
      'a run with nobody to contain never waited',
    );
    assert.equal(hasReached(status('restored'), 'completed'), false);
    assert.equal(hasReached(status('completed'), 'purging'), true);
    assert.equal(hasReached(status('restored'), 'purging'), false);
    assert.equal(hasReached(status('restored'), 'restoring'), true);
  });

  test('--until accepts contained and the phases, and names them when it refuses', () => {
    assert.equal(WaitTargetSchema.parse('contained'), 'contained');
    assert.equal(WaitTargetSchema.parse('escalated'), 'escalated');
    const refused = WaitTargetSchema.safeParse('done');
    assert.ok(!refused.success);
    assert.match(
      refused.error.issues[0]!.message,
      /--until takes contained or a phase \(discovering, containing, .*failed\), not "done"/,
    );
  });

  test('the line it prints: time to containment, users and accounts, or what is incomplete', () => {
    const users = [
      { accountId: '111111111111', userName: 'mallory', containedAt: 'x' },
      { accountId: '222222222222', userName: 'mallory-admin', containedAt: 'x' },
    ] as OffboardingStatus['users'];
    const searched = ['111111111111', '222222222222', '333333333333'];
    assert.equal(
      containmentLine(
        status('awaiting-approval', {
          timeToContainmentMs: 2414,
          containmentComplete: true,
          users,
          accountsSearched: searched,
        }),
      ),
      'contained in 2.41 s (request to contained): 2 user(s) in 2 account(s); 3 account(s) searched',
    );
    assert.match(
      containmentLine(
        status('awaiting-approval', {
          timeToContainmentMs: 900,
          containmentComplete: false,
          users,
          accountsSearched: searched,
        }),
      ),
      /^containment INCOMPLETE after 0\.90 s .*keywarden status offboard-e1/,
    );
    assert.match(containmentLine(status('containing')), /^not contained yet \(phase containing\)/);
  });
});
