import { z } from 'zod';
import type { NotifyChannels } from '../activities/notification-channels';
import { isEmailAddress } from '../domain/notification-settings';

const blank = (value: unknown) => (typeof value === 'string' && value.trim() === '' ? undefined : value);

const NotifyEnvSchema = z.object({
  KEYWARDEN_NOTIFY_WEBHOOK_URL: z.preprocess(
    blank,
    z
      .url({
        protocol: /^https?$/,
        error:
          'KEYWARDEN_NOTIFY_WEBHOOK_URL must be the http(s) URL of an incoming webhook that takes {"text": ...}, e.g. a Slack incoming webhook URL',
      })
      .optional(),
  ),
  KEYWARDEN_NOTIFY_EMAIL_FROM: z.preprocess(
    blank,
    z
      .string()
      .trim()
      .refine(isEmailAddress, {
        error:
          'KEYWARDEN_NOTIFY_EMAIL_FROM must be a plain e-mail address SES may send from, e.g. keywarden@example.com',
      })
      .optional(),
  ),
  TEMPORAL_UI_URL: z.preprocess(
    blank,
    z
      .url({ protocol: /^https?$/, error: 'TEMPORAL_UI_URL must be the http(s) URL of the Temporal Web UI' })
      .optional(),
  ),
});

/**
 * Reads the notification channels from the worker's environment; all optional. Throws one
 * readable error naming the bad variable, without echoing its value (the webhook URL is a secret).
 */
export function notifyChannelsFromEnv(env: NodeJS.ProcessEnv = process.env): NotifyChannels {
  const parsed = NotifyEnvSchema.safeParse(env, { reportInput: false });
  if (!parsed.success)
    throw new Error(`bad notification settings in the worker environment:\n${z.prettifyError(parsed.error)}`);
  const { KEYWARDEN_NOTIFY_WEBHOOK_URL: webhookUrl, KEYWARDEN_NOTIFY_EMAIL_FROM: emailFrom } = parsed.data;
  const uiUrl = parsed.data.TEMPORAL_UI_URL?.replace(/\/+$/, '');
  return {
    ...(webhookUrl === undefined ? {} : { webhookUrl }),
    ...(emailFrom === undefined ? {} : { emailFrom }),
    ...(uiUrl === undefined ? {} : { uiUrl }),
  };
}
