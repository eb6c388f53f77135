import { randomUUID } from 'node:crypto';

export const ACCOUNT = '210987654321';
export const HUMAN_ARN = `arn:aws:iam::${ACCOUNT}:user/eve.admin`;
export const HUMAN_IP = '203.0.113.7';
export const KEYWARDEN_ARN = `arn:aws:sts::${ACCOUNT}:assumed-role/KeywardenMemberRole/keywarden-q3-rotation`;
export const KEYWARDEN_IP = '198.51.100.20';
/** Shaped like a secret access key: it must never come out of the parser. */
export const SECRET_IN_RESPONSE = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';

export interface CloudTrailOptions {
  /** An access-key API, or any other IAM API (an event the monitor ignores). */
  eventName: string;
  actorArn: string;
  sourceIp: string;
  userName: string;
  accessKeyId: string;
  status?: 'Active' | 'Inactive';
  accountId?: string;
}

/** The `detail` of a CloudTrail management event for an access-key call, as EventBridge carries it. */
export function cloudTrailDetail(options: CloudTrailOptions): Record<string, unknown> {
  const accountId = options.accountId ?? ACCOUNT;
  const base = {
    eventVersion: '1.09',
    userIdentity: { type: 'IAMUser', arn: options.actorArn, accountId },
    eventTime: '2026-11-29T12:00:00Z',
    eventSource: 'iam.amazonaws.com',
    eventName: options.eventName,
    awsRegion: 'us-east-1',
    sourceIPAddress: options.sourceIp,
    userAgent: 'aws-cli/2.15.0',
    eventID: randomUUID(),
    readOnly: false,
    eventType: 'AwsApiCall',
    managementEvent: true,
    recipientAccountId: accountId,
  };
  if (options.eventName === 'CreateAccessKey') {
    return {
      ...base,
      requestParameters: { userName: options.userName },
      responseElements: {
        accessKey: {
          userName: options.userName,
          accessKeyId: options.accessKeyId,
          status: 'Active',
          secretAccessKey: SECRET_IN_RESPONSE,
          createDate: 'Nov 29, 2026 12:00:00 PM',
        },
      },
    };
  }
  const requestParameters: Record<string, unknown> = {
    userName: options.userName,
    accessKeyId: options.accessKeyId,
  };
  if (options.status !== undefined) requestParameters.status = options.status;
  return { ...base, requestParameters, responseElements: null };
}

/** An EventBridge envelope around a CloudTrail IAM event, as the queue receives it. */
export function envelope(detail: Record<string, unknown>, overrides: Record<string, unknown> = {}): string {
  return JSON.stringify({
    version: '0',
    id: randomUUID(),
    'detail-type': 'AWS API Call via CloudTrail',
    source: 'aws.iam',
    account: ACCOUNT,
    time: '2026-11-29T12:00:00Z',
    region: 'us-east-1',
    resources: [],
    detail,
    ...overrides,
  });
}
