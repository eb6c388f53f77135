import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseKeyEventMessage } from '../../../domain/cloudtrail-key-event';
import {
  ACCOUNT,
  cloudTrailDetail,
  envelope,
  HUMAN_ARN,
  HUMAN_IP,
  SECRET_IN_RESPONSE,
} from '../../support/cloudtrail-events';

const KEY_ID = 'AKIAIOSFODNN7EXAMPLE';
const human = { actorArn: HUMAN_ARN, sourceIp: HUMAN_IP, userName: 'alice.ops', accessKeyId: KEY_ID };

describe('parsing CloudTrail access-key events from the queue', () => {
  test('CreateAccessKey keeps the identifiers and never the secret of the response', () => {
    const parsed = parseKeyEventMessage(
      envelope(cloudTrailDetail({ ...human, eventName: 'CreateAccessKey' })),
    );
    assert.equal(parsed.kind, 'key-event');
    assert.ok(parsed.kind === 'key-event');
    assert.deepEqual(Object.keys(parsed.event).sort(), [
      'accessKeyId',
      'accountId',
      'actorArn',
      'eventId',
      'eventName',
      'eventTime',
      'sourceIp',
      'userName',
    ]);
    assert.equal(parsed.event.accessKeyId, KEY_ID);
    assert.equal(parsed.event.userName, 'alice.ops');
    assert.equal(parsed.event.accountId, ACCOUNT);
    assert.equal(parsed.event.actorArn, HUMAN_ARN);
    assert.equal(parsed.event.sourceIp, HUMAN_IP);
    assert.ok(!JSON.stringify(parsed).includes(SECRET_IN_RESPONSE));
  });

  test('CreateAccessKey for oneself (requestParameters null) names the caller', () => {
    const detail = cloudTrailDetail({ ...human, eventName: 'CreateAccessKey' });
    detail.requestParameters = null;
    detail.userIdentity = { type: 'IAMUser', arn: HUMAN_ARN, userName: 'eve.admin' };
    detail.responseElements = { accessKey: { accessKeyId: KEY_ID, status: 'Active' } };
    const parsed = parseKeyEventMessage(envelope(detail));
    assert.ok(parsed.kind === 'key-event', JSON.stringify(parsed));
    assert.equal(parsed.event.userName, 'eve.admin');
  });

  test('UpdateAccessKey keeps the status it set; DeleteAccessKey the key it deleted', () => {
    const update = parseKeyEventMessage(
      envelope(cloudTrailDetail({ ...human, eventName: 'UpdateAccessKey', status: 'Active' })),
    );
    assert.ok(update.kind === 'key-event');
    assert.equal(update.event.status, 'Active');
    const deletion = parseKeyEventMessage(
      envelope(cloudTrailDetail({ ...human, eventName: 'DeleteAccessKey' })),
    );
    assert.ok(deletion.kind === 'key-event');
    assert.equal(deletion.event.eventName, 'DeleteAccessKey');
    assert.equal(deletion.event.status, undefined);
  });

  test('an access-key event without the actor ARN is malformed, and the reason names the field', () => {
    const detail = cloudTrailDetail({ ...human, eventName: 'CreateAccessKey' });
    detail.userIdentity = { type: 'IAMUser' };
    const parsed = parseKeyEventMessage(envelope(detail));
    assert.equal(parsed.kind, 'malformed');
    assert.ok(parsed.kind === 'malformed');
    assert.match(parsed.reason, /detail\.userIdentity\.arn/);
  });

  test('an UpdateAccessKey with a status IAM does not know is malformed', () => {
    const detail = cloudTrailDetail({ ...human, eventName: 'UpdateAccessKey', status: 'Active' });
    (detail.requestParameters as Record<string, unknown>).status = 'Enabled';
    const parsed = parseKeyEventMessage(envelope(detail));
    assert.ok(parsed.kind === 'malformed');
    assert.match(parsed.reason, /requestParameters\.status/);
  });

  test('the reason of a malformed event never repeats its values', () => {
    const detail = cloudTrailDetail({ ...human, eventName: 'DeleteAccessKey' });
    (detail.requestParameters as Record<string, unknown>).accessKeyId = SECRET_IN_RESPONSE;
    const parsed = parseKeyEventMessage(envelope(detail));
    assert.ok(parsed.kind === 'malformed');
    assert.ok(!parsed.reason.includes(SECRET_IN_RESPONSE), parsed.reason);
  });

  test('other events, other APIs, failed calls and bodies that are not JSON are told apart', () => {
    assert.equal(parseKeyEventMessage('not json {').kind, 'not-cloudtrail');
    assert.equal(parseKeyEventMessage('[1, 2]').kind, 'not-cloudtrail');
    assert.equal(
      parseKeyEventMessage(
        envelope(
          { anything: true },
          { source: 'aws.ec2', 'detail-type': 'EC2 Instance State-change Notification' },
        ),
      ).kind,
      'not-cloudtrail',
    );
    const createUser = cloudTrailDetail({ ...human, eventName: 'CreateUser' });
    assert.deepEqual(parseKeyEventMessage(envelope(createUser)), {
      kind: 'ignored',
      reason: 'not an access-key API call',
    });
    const failed = {
      ...cloudTrailDetail({ ...human, eventName: 'DeleteAccessKey' }),
      errorCode: 'AccessDenied',
    };
    assert.equal(parseKeyEventMessage(envelope(failed)).kind, 'ignored');
  });
});
