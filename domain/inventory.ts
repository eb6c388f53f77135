export type KeyStatus = 'Active' | 'Inactive';

/** What IAM tells us about one access key. Never holds the secret. Dates are ISO-8601 strings. */
export interface AccessKeyFacts {
  accessKeyId: string;
  status: KeyStatus;
  createDate: string;
  lastUsedDate?: string;
  lastUsedService?: string;
  lastUsedRegion?: string;
}

export interface UserFacts {
  accountId: string;
  userName: string;
  userId: string;
  arn: string;
  path: string;
  createDate: string;
  tags: Record<string, string>;
  groups: string[];
  keys: AccessKeyFacts[];
}

export interface AccountRef {
  accountId: string;
  name: string;
  ouId?: string;
  ouName?: string;
}
