import { cloudTrailDetail, envelope, HUMAN_ARN, HUMAN_IP } from '../support/cloudtrail-events';

export interface MonitorCase {
  name: string;
  /** The queue message body, exactly as sent. */
  body: (accountId: string) => string;
  kind: 'malformed' | 'not-cloudtrail';
  /** The reason the monitor records for skipping it. */
  refusal: string | RegExp;
}

type Detail = Record<string, unknown>;

/** A CloudTrail event that would be a finding (a key created by a person), then broken by `patch`. */
function event(accountId: string, patch: (detail: Detail) => void, eventName = 'CreateAccessKey'): string {
  const detail = cloudTrailDetail({
    eventName,
    actorArn: HUMAN_ARN,
    sourceIp: HUMAN_IP,
    userName: 'carol.dev',
    accessKeyId: 'AKIA4EXAMPLECORPUS01',
    status: eventName === 'UpdateAccessKey' ? 'Active' : undefined,
    accountId,
  });
  patch(detail);
  return envelope(detail);
}

/** Queue messages for the drift monitor: not JSON, not CloudTrail, or a key event with a field garbled. */
export const MONITOR_CASES: MonitorCase[] = [
  {
    name: 'a body that is not JSON',
    body: () => 'CreateAccessKey carol.dev',
    kind: 'not-cloudtrail',
    refusal: 'the message body is not JSON',
  },
  {
    name: 'a JSON list',
    body: () => '[]',
    kind: 'not-cloudtrail',
    refusal: /^not an EventBridge event: event: .*expected object/,
  },
  {
    name: 'an envelope without a detail-type',
    body: (accountId) => {
      const parsed = JSON.parse(event(accountId, () => undefined)) as Record<string, unknown>;
      delete parsed['detail-type'];
      return JSON.stringify(parsed);
    },
    kind: 'not-cloudtrail',
    refusal: /^not an EventBridge event: event\.detail-type: /,
  },
  {
    name: 'an event from another source',
    body: (accountId) =>
      JSON.stringify({ ...(JSON.parse(event(accountId, () => undefined)) as object), source: 'aws.s3' }),
    kind: 'not-cloudtrail',
    refusal:
      'an event of source "aws.s3" and detail-type "AWS API Call via CloudTrail", not "AWS API Call via CloudTrail" from aws.iam',
  },
  {
    name: 'a detail without an event name',
    body: (accountId) => event(accountId, (d) => delete d.eventName),
    kind: 'malformed',
    refusal: /^detail\.eventName: /,
  },
  {
    name: 'a caller without an ARN',
    body: (accountId) => event(accountId, (d) => (d.userIdentity = { type: 'IAMUser' })),
    kind: 'malformed',
    refusal: /^detail\.userIdentity\.arn: /,
  },
  {
    name: 'an account ID of 11 digits',
    body: (accountId) => event(accountId, (d) => (d.recipientAccountId = accountId.slice(1))),
    kind: 'malformed',
    refusal: 'detail.recipientAccountId: expected a 12-digit account ID',
  },
  {
    name: 'an event time that is not a time',
    body: (accountId) => event(accountId, (d) => (d.eventTime = 'yesterday')),
    kind: 'malformed',
    refusal: 'detail.eventTime: expected an ISO 8601 time',
  },
  {
    name: 'a created key without its ID',
    body: (accountId) =>
      event(accountId, (d) => (d.responseElements = { accessKey: { userName: 'carol.dev' } })),
    kind: 'malformed',
    refusal: /^detail\.responseElements\.accessKey\.accessKeyId: /,
  },
  {
    name: 'a key status that IAM does not have',
    body: (accountId) =>
      event(
        accountId,
        (d) => ((d.requestParameters as Record<string, unknown>).status = 'Enabled'),
        'UpdateAccessKey',
      ),
    kind: 'malformed',
    refusal: /^detail\.requestParameters\.status: /,
  },
  {
    name: 'a deleted key ID in lower case',
    body: (accountId) =>
      event(
        accountId,
        (d) => ((d.requestParameters as Record<string, unknown>).accessKeyId = 'akia4examplecorpus01'),
        'DeleteAccessKey',
      ),
    kind: 'malformed',
    refusal: 'detail.requestParameters.accessKeyId: expected an access key ID',
  },
  {
    name: 'a user name IAM cannot hold',
    body: (accountId) =>
      event(
        accountId,
        (d) => ((d.requestParameters as Record<string, unknown>).userName = 'carol dev; drop'),
        'DeleteAccessKey',
      ),
    kind: 'malformed',
    refusal: 'detail.requestParameters.userName: expected an IAM user name',
  },
];
