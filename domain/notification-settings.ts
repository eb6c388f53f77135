import { z } from 'zod';
import { EMAIL_ADDRESS } from './email-address';

export { isEmailAddress } from './email-address';
export { ownerNotifySettings, type OwnerNotifySettings } from './owner-notify';

const emailAddressSchema = z
  .string({ error: 'an e-mail address is a string, e.g. "keywarden@example.com"' })
  .trim()
  .regex(EMAIL_ADDRESS, 'give a plain e-mail address, e.g. "keywarden@example.com" (no display name)');

const tagKeySchema = z
  .string({ error: 'a tag key is a string, e.g. "owner"' })
  .trim()
  .min(1, 'a tag key must not be empty, e.g. "owner"')
  .max(128, 'an IAM tag key is at most 128 characters');

/**
 * The spec's `notifications` section. It says whom to tell and through which channel; it never
 * holds a channel's secret: the webhook URL lives in the worker's environment
 * (KEYWARDEN_NOTIFY_WEBHOOK_URL). Absent: the campaign sends no notification at all.
 */
export const NotificationSettingsSchema = z.strictObject({
  /** The user tags naming a key's owner, in order: the first present names the owner. */
  ownerTags: z
    .array(tagKeySchema, { error: 'notifications.ownerTags is a list of user tag keys, e.g. [owner, email]' })
    .min(1, 'notifications.ownerTags must name at least one user tag, e.g. [owner, email]')
    .default(['owner', 'email']),
  /** Post every notification to the worker's webhook (KEYWARDEN_NOTIFY_WEBHOOK_URL). */
  webhook: z.boolean({ error: 'notifications.webhook is true or false' }).default(true),
  /**
   * E-mail through Amazon SES to the owners and approvers whose address is an e-mail address.
   * `from` defaults to the worker's KEYWARDEN_NOTIFY_EMAIL_FROM.
   */
  email: z
    .strictObject(
      { from: emailAddressSchema.optional() },
      {
        error:
          'notifications.email is a map, e.g. { from: keywarden@example.com }, or {} for the worker default',
      },
    )
    .optional(),
});

export type NotificationSettings = z.output<typeof NotificationSettingsSchema>;

/**
 * The `notifications` of an offboarding or a revocation: the channels through which its approvers
 * are told when a decision is awaited, on every escalation and when it is made. Only approvers are
 * told (a leaver's keys have no owner to warn), so there are no owner tags.
 */
export const ApproverNotificationSettingsSchema = NotificationSettingsSchema.omit({ ownerTags: true });

export type ApproverNotificationSettings = z.output<typeof ApproverNotificationSettingsSchema>;
