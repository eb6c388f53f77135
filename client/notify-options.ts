import { InvalidArgumentError, type Command } from 'commander';

export const NOTIFY_CHANNELS = ['webhook', 'email'] as const;
type NotifyChannel = (typeof NOTIFY_CHANNELS)[number];

export interface NotifyOptions {
  notify: NotifyChannel[];
  notifyFrom?: string;
}

function collectChannel(value: string, previous: NotifyChannel[]): NotifyChannel[] {
  const channel = NOTIFY_CHANNELS.find((c) => c === value);
  if (channel === undefined) {
    throw new InvalidArgumentError(`--notify takes ${NOTIFY_CHANNELS.join(' or ')}, not "${value}"`);
  }
  return previous.includes(channel) ? previous : [...previous, channel];
}

/** --notify and --notify-from: how the approvers of the run are told (the request's `notifications`). */
export function addNotifyOptions(command: Command): Command {
  return command
    .option(
      '--notify <channel>',
      "tell the approvers through this channel (repeatable): webhook (the worker's KEYWARDEN_NOTIFY_WEBHOOK_URL) or email (SES)",
      collectChannel,
      [],
    )
    .option(
      '--notify-from <address>',
      "the sender of --notify email (default: the worker's KEYWARDEN_NOTIFY_EMAIL_FROM)",
    );
}

/** The request's raw `notifications` section, or undefined when no channel was asked for. */
export function notificationsFromOptions(opts: NotifyOptions): Record<string, unknown> | undefined {
  if (opts.notify.length === 0) {
    return opts.notifyFrom === undefined ? undefined : { webhook: false, email: { from: opts.notifyFrom } };
  }
  const email = opts.notify.includes('email') || opts.notifyFrom !== undefined;
  return {
    webhook: opts.notify.includes('webhook'),
    ...(email ? { email: opts.notifyFrom === undefined ? {} : { from: opts.notifyFrom } } : {}),
  };
}
