import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Command, CommanderError } from 'commander';
import {
  addNotifyOptions,
  notificationsFromOptions,
  type NotifyOptions,
} from '../../../client/notify-options';
import { parseOffboardingRequest } from '../../../domain/offboarding-request';
import { authorizeWebhookRequest } from '../../../domain/webhook-request';
import { WebhookPolicySchema } from '../../../domain/webhook-policy';

function parse(args: string[]): NotifyOptions {
  const command = addNotifyOptions(
    new Command('offboard').exitOverride().configureOutput({ writeErr: () => {} }),
  );
  command.parse(args, { from: 'user' });
  return command.opts<NotifyOptions>();
}

describe('--notify and --notify-from: the approvers of an offboarding or a revocation', () => {
  test('no option asks for no notification', () => {
    assert.equal(notificationsFromOptions(parse([])), undefined);
  });

  test('each channel maps to the request, repeated channels once', () => {
    assert.deepEqual(notificationsFromOptions(parse(['--notify', 'webhook', '--notify', 'webhook'])), {
      webhook: true,
    });
    assert.deepEqual(notificationsFromOptions(parse(['--notify', 'email'])), { webhook: false, email: {} });
    assert.deepEqual(
      notificationsFromOptions(parse(['--notify', 'webhook', '--notify-from', 'kw@example.com'])),
      { webhook: true, email: { from: 'kw@example.com' } },
    );
  });

  test('an unknown channel is refused, naming the ones there are', () => {
    assert.throws(
      () => parse(['--notify', 'slack']),
      (error: unknown) =>
        error instanceof CommanderError && /--notify takes webhook or email, not "slack"/.test(error.message),
    );
  });

  test('the request schema refuses a sender that is not an address', () => {
    const parsed = parseOffboardingRequest({
      employeeId: 'e1',
      match: { userNames: ['carol'] },
      initiator: 'hr@example.com',
      approval: { approvers: ['bob@example.com'] },
      notifications: notificationsFromOptions(parse(['--notify-from', 'Keywarden <kw@example.com>'])),
    });
    assert.equal(parsed.ok, false);
    assert.match(parsed.ok ? '' : parsed.message, /give a plain e-mail address/);
  });

  test("the webhook server's policy passes its notifications into every request it starts", () => {
    const policy = WebhookPolicySchema.parse({
      initiator: 'hr@example.com',
      approval: { approvers: ['bob@example.com'] },
      match: { fields: ['tag:email'] },
      purgeModes: ['delete-user'],
      scope: { accounts: 'all' },
      notifications: { email: { from: 'kw@example.com' } },
    });
    const decision = authorizeWebhookRequest(policy, {
      employeeId: 'e1',
      match: { tagValues: ['x@example.com'] },
    });
    assert.ok(decision.ok, JSON.stringify(decision));
    assert.deepEqual(decision.request.notifications, { webhook: true, email: { from: 'kw@example.com' } });
  });
});
