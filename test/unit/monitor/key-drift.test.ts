import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { KeyEvent } from '../../../domain/cloudtrail-key-event';
import { classifyKeyEvent, isKeywardenActor, type ContainedKey } from '../../../domain/key-drift';
import { MonitorInputSchema, ZERO_COUNTS, type MonitorCarriedState } from '../../../domain/monitor-input';
import { applyBatch } from '../../../domain/monitor-state';
import { ACCOUNT, HUMAN_ARN, HUMAN_IP, KEYWARDEN_ARN, KEYWARDEN_IP } from '../../support/cloudtrail-events';

const identity = { roleNames: ['OrganizationAccountAccessRole', 'KeywardenMemberRole'] };
let sequence = 0;

function event(eventName: KeyEvent['eventName'], actorArn: string, extra: Partial<KeyEvent> = {}): KeyEvent {
  sequence += 1;
  return {
    eventId: `event-${sequence}`,
    eventTime: `2026-11-29T12:00:${String(sequence % 60).padStart(2, '0')}Z`,
    eventName,
    accountId: ACCOUNT,
    userName: 'alice.ops',
    accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
    actorArn,
    sourceIp: actorArn === HUMAN_ARN ? HUMAN_IP : KEYWARDEN_IP,
    ...extra,
  };
}

describe("telling keywarden's own calls", () => {
  test('a keywarden- session of one of its roles is keywarden', () => {
    assert.equal(isKeywardenActor(KEYWARDEN_ARN, identity), true);
    assert.equal(
      isKeywardenActor(
        `arn:aws:sts::${ACCOUNT}:assumed-role/OrganizationAccountAccessRole/keywarden-offboard-e1`,
        identity,
      ),
      true,
    );
  });

  test('another session name, another role, a user or root is not', () => {
    for (const arn of [
      `arn:aws:sts::${ACCOUNT}:assumed-role/KeywardenMemberRole/eve-console`,
      `arn:aws:sts::${ACCOUNT}:assumed-role/AdminRole/keywarden-q3`,
      `arn:aws:iam::${ACCOUNT}:user/keywarden-q3`,
      `arn:aws:iam::${ACCOUNT}:root`,
    ]) {
      assert.equal(isKeywardenActor(arn, identity), false, arn);
    }
  });

  test('a role named with its path still matches its sessions', () => {
    assert.equal(isKeywardenActor(KEYWARDEN_ARN, { roleNames: ['security/KeywardenMemberRole'] }), true);
  });
});

describe('classifying access-key events', () => {
  test('a key created, reactivated or deleted by a person is KEY_CHANGED_OUT_OF_BAND, with actor and IP', () => {
    for (const [name, status, change] of [
      ['CreateAccessKey', undefined, 'created'],
      ['UpdateAccessKey', 'Active', 'reactivated'],
      ['DeleteAccessKey', undefined, 'deleted'],
    ] as const) {
      const judged = classifyKeyEvent(event(name, HUMAN_ARN, status ? { status } : {}), [], identity, 10);
      assert.equal(judged.outcome, 'finding');
      assert.equal(judged.finding?.code, 'KEY_CHANGED_OUT_OF_BAND');
      assert.equal(judged.finding?.change, change);
      assert.equal(judged.finding?.actorArn, HUMAN_ARN);
      assert.equal(judged.finding?.sourceIp, HUMAN_IP);
      assert.equal(judged.finding?.severity, 'finding');
    }
  });

  test("keywarden's own calls are no finding; a person turning a key off is none either", () => {
    for (const name of ['CreateAccessKey', 'DeleteAccessKey'] as const) {
      assert.equal(classifyKeyEvent(event(name, KEYWARDEN_ARN), [], identity, 10).outcome, 'keywarden');
    }
    const off = classifyKeyEvent(
      event('UpdateAccessKey', HUMAN_ARN, { status: 'Inactive' }),
      [],
      identity,
      10,
    );
    assert.equal(off.outcome, 'ignored');
    assert.equal(off.finding, undefined);
  });

  test('a key keywarden deactivated and a person turns back on is an alert', () => {
    const deactivated = event('UpdateAccessKey', KEYWARDEN_ARN, { status: 'Inactive' });
    const remembered = classifyKeyEvent(deactivated, [], identity, 10);
    assert.equal(remembered.outcome, 'keywarden');
    assert.deepEqual(remembered.contained, [
      { accountId: ACCOUNT, accessKeyId: 'AKIAIOSFODNN7EXAMPLE', deactivatedAt: deactivated.eventTime },
    ]);
    const reactivated = classifyKeyEvent(
      event('UpdateAccessKey', HUMAN_ARN, { status: 'Active' }),
      remembered.contained,
      identity,
      10,
    );
    assert.equal(reactivated.outcome, 'alert');
    assert.equal(reactivated.finding?.code, 'KEY_REACTIVATED_AFTER_CONTAINMENT');
    assert.equal(reactivated.finding?.severity, 'alert');
    assert.equal(reactivated.finding?.deactivatedByKeywardenAt, deactivated.eventTime);
    assert.deepEqual(reactivated.contained, []);
  });

  test('keywarden turning its key back on (a rollback, a restore) forgets it: no alert after', () => {
    const contained = classifyKeyEvent(
      event('UpdateAccessKey', KEYWARDEN_ARN, { status: 'Inactive' }),
      [],
      identity,
      10,
    ).contained;
    const restored = classifyKeyEvent(
      event('UpdateAccessKey', KEYWARDEN_ARN, { status: 'Active' }),
      contained,
      identity,
      10,
    );
    assert.deepEqual(restored.contained, []);
    const later = classifyKeyEvent(
      event('UpdateAccessKey', HUMAN_ARN, { status: 'Active' }),
      restored.contained,
      identity,
      10,
    );
    assert.equal(later.finding?.code, 'KEY_CHANGED_OUT_OF_BAND');
  });

  test('the record of contained keys is bounded: the oldest is forgotten first', () => {
    let contained: ContainedKey[] = [];
    for (const id of ['AKIA0000000000000001', 'AKIA0000000000000002', 'AKIA0000000000000003']) {
      contained = classifyKeyEvent(
        event('UpdateAccessKey', KEYWARDEN_ARN, { status: 'Inactive', accessKeyId: id }),
        contained,
        identity,
        2,
      ).contained;
    }
    assert.deepEqual(
      contained.map((k) => k.accessKeyId),
      ['AKIA0000000000000002', 'AKIA0000000000000003'],
    );
  });
});

describe("the monitor's state after a batch", () => {
  const input = MonitorInputSchema.parse({
    queueUrl: 'https://sqs.us-east-1.amazonaws.com/111122223333/keywarden-monitor',
    maxFindings: 2,
  });
  const empty: MonitorCarriedState = {
    startedAt: '2026-11-29T00:00:00Z',
    runs: 1,
    queueArn: 'arn:aws:sqs:us-east-1:111122223333:keywarden-monitor',
    counts: { ...ZERO_COUNTS },
    findings: [],
    contained: [],
    recentlySkipped: [],
  };

  test('counts every message, keeps the newest findings first up to the bound, raises the alerts', () => {
    const applied = applyBatch(
      empty,
      {
        messages: 7,
        ignored: 1,
        skipped: [
          { messageId: 'm1', kind: 'malformed', reason: 'detail.userIdentity.arn: missing' },
          { messageId: 'm2', kind: 'not-cloudtrail', reason: 'source aws.ec2' },
        ],
        events: [
          event('CreateAccessKey', HUMAN_ARN, { accessKeyId: 'AKIA0000000000000010' }),
          event('UpdateAccessKey', KEYWARDEN_ARN, { status: 'Inactive' }),
          event('UpdateAccessKey', HUMAN_ARN, { status: 'Active' }),
          event('DeleteAccessKey', HUMAN_ARN, { accessKeyId: 'AKIA0000000000000011' }),
        ],
      },
      input,
    );
    assert.deepEqual(applied.state.counts, {
      ...ZERO_COUNTS,
      messages: 7,
      keyEvents: 4,
      keywardenEvents: 1,
      findings: 2,
      alerts: 1,
      ignored: 1,
      skippedMalformed: 1,
      skippedNotCloudTrail: 1,
    });
    assert.deepEqual(
      applied.state.findings.map((f) => `${f.code} ${f.change}`),
      ['KEY_CHANGED_OUT_OF_BAND deleted', 'KEY_REACTIVATED_AFTER_CONTAINMENT reactivated'],
    );
    assert.equal(applied.alerts.length, 1);
    assert.deepEqual(
      applied.state.recentlySkipped.map((s) => s.messageId),
      ['m2', 'm1'],
    );
    assert.deepEqual(empty.counts, ZERO_COUNTS, 'the state passed in is left as it was');
  });
});

describe('monitor settings', () => {
  test('a queue URL must name an account and a queue', () => {
    const bad = MonitorInputSchema.safeParse({
      queueUrl: 'https://sqs.us-east-1.amazonaws.com/keywarden-monitor',
    });
    assert.equal(bad.success, false);
    assert.match(JSON.stringify(bad.error?.issues), /12-digit account ID/);
    assert.equal(MonitorInputSchema.safeParse({ queueUrl: 'not a url' }).success, false);
  });

  test('the defaults: both member roles keywarden knows, 20 s long polls', () => {
    const input = MonitorInputSchema.parse({
      queueUrl: 'http://127.0.0.1:5000/123456789012/keywarden-monitor',
    });
    assert.deepEqual(input.keywardenRoleNames, ['OrganizationAccountAccessRole', 'KeywardenMemberRole']);
    assert.equal(input.waitTimeSeconds, 20);
  });
});
