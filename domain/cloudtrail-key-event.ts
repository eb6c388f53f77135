import { z } from 'zod';

/** The EventBridge detail-type of a CloudTrail management event. */
export const CLOUDTRAIL_DETAIL_TYPE = 'AWS API Call via CloudTrail';
export const IAM_EVENT_SOURCE = 'aws.iam';
export const KEY_EVENT_NAMES = ['CreateAccessKey', 'UpdateAccessKey', 'DeleteAccessKey'] as const;
export type KeyEventName = (typeof KEY_EVENT_NAMES)[number];

/**
 * One change to an access key, as the monitor keeps it: identifiers only. A CloudTrail
 * CreateAccessKey event carries its response, and nothing of it but the key ID is ever read.
 */
export interface KeyEvent {
  eventId: string;
  eventTime: string;
  eventName: KeyEventName;
  /** UpdateAccessKey only: the status the call set. */
  status?: 'Active' | 'Inactive';
  /** The account whose key changed (recipientAccountId). */
  accountId: string;
  userName: string;
  accessKeyId: string;
  /** Who made the call (userIdentity.arn). */
  actorArn: string;
  sourceIp: string;
}

/** What the monitor makes of one queue message. */
export type ParsedKeyMessage =
  | { kind: 'key-event'; event: KeyEvent }
  /** A CloudTrail IAM event that changed no key: another API, or a call that failed. */
  | { kind: 'ignored'; reason: string }
  /** Not a CloudTrail IAM event at all (another source or detail-type, not JSON). */
  | { kind: 'not-cloudtrail'; reason: string }
  /** Claims to be a CloudTrail access-key event but lacks or garbles a field the monitor needs. */
  | { kind: 'malformed'; reason: string };

const ACCOUNT_ID = z.string().regex(/^\d{12}$/, 'expected a 12-digit account ID');
const USER_NAME = z.string().regex(/^[\w+=,.@-]{1,64}$/, 'expected an IAM user name');
const ACCESS_KEY_ID = z.string().regex(/^[A-Z0-9]{16,128}$/, 'expected an access key ID');
const ARN = z.string().regex(/^arn:[\w-]+:[\w-]+:[\w-]*:\d{0,12}:\S{1,1600}$/, 'expected an ARN');

const EnvelopeSchema = z.looseObject({
  'detail-type': z.string(),
  source: z.string(),
  detail: z.unknown(),
});

const DetailHeadSchema = z.looseObject({
  eventName: z.string(),
  errorCode: z.string().optional(),
});

/** The fields every access-key event needs; the request and response parts differ per API. */
const DetailSchema = z.looseObject({
  eventID: z.string().min(1).max(128),
  eventTime: z.iso.datetime({ offset: true, error: 'expected an ISO 8601 time' }),
  sourceIPAddress: z.string().min(1).max(256),
  recipientAccountId: ACCOUNT_ID,
  userIdentity: z.looseObject({ arn: ARN, userName: USER_NAME.optional() }),
});

// CloudTrail writes `null` for a call without parameters (CreateAccessKey for oneself).
const CreateParamsSchema = z.looseObject({ userName: USER_NAME.optional() }).nullish();
const CreateResponseSchema = z.looseObject({
  accessKey: z.looseObject({ accessKeyId: ACCESS_KEY_ID, userName: USER_NAME.optional() }),
});
const UpdateParamsSchema = z.looseObject({
  accessKeyId: ACCESS_KEY_ID,
  status: z.enum(['Active', 'Inactive']),
  userName: USER_NAME.optional(),
});
const DeleteParamsSchema = z.looseObject({ accessKeyId: ACCESS_KEY_ID, userName: USER_NAME.optional() });

/** Field paths and zod's messages only: the values of a bad message never reach a log. */
function describeIssues(error: z.ZodError, prefix: string): string {
  return error.issues
    .slice(0, 5)
    .map((issue) => `${[prefix, ...issue.path.map(String)].join('.')}: ${issue.message}`)
    .join('; ');
}

type KeyFields = Pick<KeyEvent, 'userName' | 'accessKeyId'> & Pick<Partial<KeyEvent>, 'status'>;

function keyFields(
  eventName: KeyEventName,
  detail: Record<string, unknown>,
  caller: string | undefined,
): { ok: true; fields: Partial<KeyFields> } | { ok: false; reason: string } {
  const fail = (error: z.ZodError, field: string) => ({
    ok: false as const,
    reason: describeIssues(error, field),
  });
  if (eventName === 'CreateAccessKey') {
    const params = CreateParamsSchema.safeParse(detail['requestParameters']);
    if (!params.success) return fail(params.error, 'detail.requestParameters');
    const response = CreateResponseSchema.safeParse(detail['responseElements']);
    if (!response.success) return fail(response.error, 'detail.responseElements');
    const userName = params.data?.userName ?? response.data.accessKey.userName ?? caller;
    return { ok: true, fields: { userName, accessKeyId: response.data.accessKey.accessKeyId } };
  }
  if (eventName === 'UpdateAccessKey') {
    const params = UpdateParamsSchema.safeParse(detail['requestParameters']);
    if (!params.success) return fail(params.error, 'detail.requestParameters');
    const { accessKeyId, status, userName } = params.data;
    return { ok: true, fields: { accessKeyId, status, userName: userName ?? caller } };
  }
  const params = DeleteParamsSchema.safeParse(detail['requestParameters']);
  if (!params.success) return fail(params.error, 'detail.requestParameters');
  return {
    ok: true,
    fields: { accessKeyId: params.data.accessKeyId, userName: params.data.userName ?? caller },
  };
}

function parseJson(body: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(body) as unknown };
  } catch {
    return { ok: false };
  }
}

/**
 * Reads one queue message body: an EventBridge envelope around a CloudTrail management event
 * of IAM. Never throws; whatever the body holds, the answer says what to do with it.
 */
export function parseKeyEventMessage(body: string): ParsedKeyMessage {
  const json = parseJson(body);
  if (!json.ok) return { kind: 'not-cloudtrail', reason: 'the message body is not JSON' };
  const envelope = EnvelopeSchema.safeParse(json.value);
  if (!envelope.success) {
    return {
      kind: 'not-cloudtrail',
      reason: `not an EventBridge event: ${describeIssues(envelope.error, 'event')}`,
    };
  }
  const { 'detail-type': detailType, source, detail } = envelope.data;
  if (detailType !== CLOUDTRAIL_DETAIL_TYPE || source !== IAM_EVENT_SOURCE) {
    return {
      kind: 'not-cloudtrail',
      reason: `an event of source ${JSON.stringify(source.slice(0, 64))} and detail-type ${JSON.stringify(detailType.slice(0, 64))}, not "${CLOUDTRAIL_DETAIL_TYPE}" from ${IAM_EVENT_SOURCE}`,
    };
  }
  const head = DetailHeadSchema.safeParse(detail);
  if (!head.success) return { kind: 'malformed', reason: describeIssues(head.error, 'detail') };
  const eventName = KEY_EVENT_NAMES.find((name) => name === head.data.eventName);
  if (eventName === undefined) return { kind: 'ignored', reason: 'not an access-key API call' };
  if (head.data.errorCode !== undefined) return { kind: 'ignored', reason: `${eventName} failed` };

  const common = DetailSchema.safeParse(detail);
  if (!common.success) return { kind: 'malformed', reason: describeIssues(common.error, 'detail') };
  const key = keyFields(eventName, head.data, common.data.userIdentity.userName);
  if (!key.ok) return { kind: 'malformed', reason: key.reason };
  const { userName, accessKeyId, status } = key.fields;
  if (userName === undefined || accessKeyId === undefined) {
    return { kind: 'malformed', reason: 'detail.requestParameters.userName: the user is not named' };
  }
  const event: KeyEvent = {
    eventId: common.data.eventID,
    eventTime: common.data.eventTime,
    eventName,
    accountId: common.data.recipientAccountId,
    userName,
    accessKeyId,
    actorArn: common.data.userIdentity.arn,
    sourceIp: common.data.sourceIPAddress,
  };
  if (status !== undefined) event.status = status;
  return { kind: 'key-event', event };
}
