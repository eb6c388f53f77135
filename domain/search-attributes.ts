import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

export type KeywardenKindValue =
  | 'campaign'
  | 'campaign-shard'
  | 'account-rotation'
  | 'key-rotation'
  | 'offboarding'
  | 'revocation'
  | 'rollback'
  | 'scp-attachment';

export const KeywardenKind = defineSearchAttributeKey('KeywardenKind', SearchAttributeType.KEYWORD);
export const KeywardenCampaignId = defineSearchAttributeKey(
  'KeywardenCampaignId',
  SearchAttributeType.KEYWORD,
);
export const KeywardenAccountId = defineSearchAttributeKey('KeywardenAccountId', SearchAttributeType.KEYWORD);
export const KeywardenPhase = defineSearchAttributeKey('KeywardenPhase', SearchAttributeType.KEYWORD);
export const KeywardenInitiator = defineSearchAttributeKey('KeywardenInitiator', SearchAttributeType.KEYWORD);

export type SearchAttributeRegistrationType = 'Keyword' | 'Text' | 'Int' | 'Bool' | 'Datetime';

/** Every search attribute keywarden sets: a namespace must have all of them (`keywarden setup`). */
export const keywardenSearchAttributes = [
  KeywardenKind,
  KeywardenCampaignId,
  KeywardenAccountId,
  KeywardenPhase,
  KeywardenInitiator,
] as const;

/** For `temporal server start-dev --search-attribute Name=Keyword` and operator registration. */
export const searchAttributeRegistrations: Array<{ name: string; type: SearchAttributeRegistrationType }> =
  keywardenSearchAttributes.map((key) => ({ name: key.name, type: 'Keyword' }));
