import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, test } from 'node:test';
import { MockActivityEnvironment } from '@temporalio/testing';
import type { AwsClients } from '../../../activities/aws/clients';
import {
  createNotificationActivities,
  type ApproverNoticeInput,
} from '../../../activities/notification-activities';
import type { NotifyResult } from '../../../domain/notification-messages';
import { parseCampaignSpec } from '../../../domain/campaign-spec';
import { approverMessage, ownerMessage } from '../../../domain/notification-messages';
import { ownerNotifySettings, NotificationSettingsSchema } from '../../../domain/notification-settings';
import { notifyChannelsFromEnv } from '../../../worker/notify-config';

const baseSpec = {
  id: 'q3',
  name: 'Q3',
  initiator: 'platform@example.com',
  scope: { allAccounts: true },
  approval: { approvers: ['security-lead@example.com'] },
};

describe('spec notifications', () => {
  test('absent means none; {} takes the defaults', () => {
    const none = parseCampaignSpec(baseSpec);
    assert.ok(none.ok);
    assert.equal(none.spec.notifications, undefined);
    const defaults = parseCampaignSpec({ ...baseSpec, notifications: {} });
    assert.ok(defaults.ok);
    assert.deepEqual(defaults.spec.notifications, { ownerTags: ['owner', 'email'], webhook: true });
  });

  test('errors name the field and the fix; a webhook URL has no place in the spec', () => {
    const cases: Array<[unknown, RegExp]> = [
      [
        { email: { from: 'Keywarden <k@example.com>' } },
        /plain e-mail address[\s\S]*notifications\.email\.from/,
      ],
      [{ ownerTags: [] }, /notifications\.ownerTags must name at least one user tag/],
      [{ webhookUrl: 'https://hooks.example.com/T0/B0/xyz' }, /Unrecognized key: "webhookUrl"/],
      [{ webhook: 'yes' }, /notifications\.webhook is true or false/],
    ];
    for (const [notifications, message] of cases) {
      const parsed = parseCampaignSpec({ ...baseSpec, notifications });
      assert.equal(parsed.ok, false, JSON.stringify(notifications));
      if (!parsed.ok) assert.match(parsed.message, message);
    }
  });

  test('the owner is the first owner tag present; e-mail goes to the first that is an address', () => {
    const settings = NotificationSettingsSchema.parse({ email: {} });
    const both = ownerNotifySettings(settings, { owner: 'platform', email: 'alice@example.com' });
    assert.equal(both.owner, 'platform');
    assert.equal(both.ownerEmail, 'alice@example.com');
    const none = ownerNotifySettings(settings, { team: 'x', owner: '  ' });
    assert.equal(none.owner, undefined);
    assert.equal(none.ownerEmail, undefined);
    const custom = ownerNotifySettings(NotificationSettingsSchema.parse({ ownerTags: ['team'] }), {
      team: 'payments',
      email: 'a@example.com',
    });
    assert.equal(custom.owner, 'payments');
    assert.equal(custom.ownerEmail, undefined);
  });
});

describe('notification messages', () => {
  test('an owner is told where the key is and by when to switch, by key ID only', () => {
    const m = ownerMessage({
      kind: 'new-key-stored',
      accountId: '111122223333',
      userName: 'alice.ops',
      newAccessKeyId: 'AKIANEW',
      oldAccessKeyId: 'AKIAOLD',
      storedIn: 'secret keywarden/alice.ops in account 111122223333',
      switchBy: '2026-12-06T10:00:00.000Z',
    });
    assert.match(m.text, /AKIANEW .* is stored in secret keywarden\/alice\.ops/);
    assert.match(m.text, /before 2026-12-06T10:00:00\.000Z/);
    assert.match(m.text, /Owner: unknown \(the user has no owner tag\)/);
  });

  test('approvers get the link and the payload to send', () => {
    const m = approverMessage({
      kind: 'decision-awaited',
      workflowId: 'q3',
      link: 'https://ui.example.com/namespaces/default/workflows/q3',
      round: 2,
      summary: 'delete the old keys of 3 user(s) in 1 account(s), round 2',
      payload: '{"approver": "alice@example.com", "comment": "..."}',
      signed: false,
    });
    assert.match(m.subject, /decision awaited on q3 \(round 2\)/);
    assert.match(m.text, /https:\/\/ui\.example\.com\/namespaces\/default\/workflows\/q3/);
    assert.match(m.text, /payload \{"approver": "alice@example\.com", "comment": "\.\.\."\}/);
  });
});

describe('worker notification settings', () => {
  test('blank is unset; a bad webhook URL is refused without echoing it', () => {
    assert.deepEqual(
      notifyChannelsFromEnv({ KEYWARDEN_NOTIFY_WEBHOOK_URL: ' ', KEYWARDEN_NOTIFY_EMAIL_FROM: '' }),
      {},
    );
    assert.deepEqual(
      notifyChannelsFromEnv({
        KEYWARDEN_NOTIFY_WEBHOOK_URL: 'https://hooks.example.com/services/T0/B0/tok',
        KEYWARDEN_NOTIFY_EMAIL_FROM: 'keywarden@example.com',
        TEMPORAL_UI_URL: 'https://ui.example.com/',
      }),
      {
        webhookUrl: 'https://hooks.example.com/services/T0/B0/tok',
        emailFrom: 'keywarden@example.com',
        uiUrl: 'https://ui.example.com',
      },
    );
    assert.throws(
      () => notifyChannelsFromEnv({ KEYWARDEN_NOTIFY_WEBHOOK_URL: 'ftp://hooks.example.com/secret-part' }),
      (error: Error) =>
        /KEYWARDEN_NOTIFY_WEBHOOK_URL must be the http\(s\) URL/.test(error.message) &&
        !error.message.includes('secret-part'),
    );
    assert.throws(
      () => notifyChannelsFromEnv({ KEYWARDEN_NOTIFY_EMAIL_FROM: 'not an address' }),
      /KEYWARDEN_NOTIFY_EMAIL_FROM must be a plain e-mail address/,
    );
  });
});

describe('the notification activities', () => {
  const notice: ApproverNoticeInput = {
    kind: 'decided',
    workflowId: 'q3',
    round: 1,
    outcome: 'approved',
    by: ['security-lead@example.com'],
    reason: 'ok',
  };
  // Only the webhook is used here: no AWS client is ever built.
  const aws = {} as AwsClients;

  test('a webhook that refuses fails the attempt (so Temporal retries) without naming the URL', async () => {
    const server = createServer((_request, response) => response.writeHead(500).end());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/services/secret-token`;
    try {
      const activities = createNotificationActivities({ aws, notify: { webhookUrl: url } });
      await assert.rejects(
        new MockActivityEnvironment().run(() =>
          activities.notifyApprovers({ webhook: true, approvers: [], notice }),
        ),
        (error: Error) =>
          /notification webhook answered HTTP 500/.test(error.message) &&
          !error.message.includes('secret-token'),
      );
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  test('a channel that is not configured is reported, not retried', async () => {
    const activities = createNotificationActivities({ aws });
    const result: NotifyResult = await new MockActivityEnvironment().run(() =>
      activities.notifyApprovers({
        webhook: true,
        email: {},
        approvers: ['security-lead@example.com'],
        notice,
      }),
    );
    assert.deepEqual(result.sent, []);
    assert.equal(result.failed.length, 2);
    assert.match(result.failed[0] ?? '', /KEYWARDEN_NOTIFY_WEBHOOK_URL/);
    assert.match(result.failed[1] ?? '', /KEYWARDEN_NOTIFY_EMAIL_FROM/);
  });
});
