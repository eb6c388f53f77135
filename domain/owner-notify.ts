import { isEmailAddress } from './email-address';
import type { NotificationSettings } from './notification-settings';

/** What a saga needs to tell a key's owner: the settings and who the owner is. */
export interface OwnerNotifySettings {
  webhook: boolean;
  email?: { from?: string };
  /** The value of the first owner tag present; absent when the user has none. */
  owner?: string;
  /** The first owner tag value that is an e-mail address: where e-mail goes. */
  ownerEmail?: string;
  /** The tags looked for, to say which were missing. */
  ownerTags: string[];
}

/** Resolves a user's owner from its tags, in the order the settings give. */
export function ownerNotifySettings(
  settings: NotificationSettings,
  tags: Readonly<Record<string, string>>,
): OwnerNotifySettings {
  const values = settings.ownerTags.map((key) => tags[key]?.trim() ?? '').filter((value) => value !== '');
  const owner = values[0];
  const ownerEmail = values.find(isEmailAddress);
  return {
    webhook: settings.webhook,
    ...(settings.email === undefined ? {} : { email: { ...settings.email } }),
    ...(owner === undefined ? {} : { owner }),
    ...(ownerEmail === undefined ? {} : { ownerEmail }),
    ownerTags: [...settings.ownerTags],
  };
}
