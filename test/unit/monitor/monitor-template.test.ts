import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parse } from 'yaml';
import { monitorDocuments } from '../../../client/commands/iam-policy';
import { KEY_EVENT_NAMES } from '../../../domain/cloudtrail-key-event';

interface Template {
  AWSTemplateFormatVersion: string;
  Parameters: Record<string, { Type: string }>;
  Conditions: Record<string, unknown>;
  Resources: Record<string, { Type: string; Condition?: string; Properties: Record<string, unknown> }>;
  Outputs: Record<string, { Condition?: string; Value: unknown }>;
}

const [patternDoc, stackDoc] = monitorDocuments();
const pattern = JSON.parse(patternDoc!.text) as Record<string, unknown>;
const template = parse(stackDoc!.text) as Template;

/** Every Ref, Fn::GetAtt and ${Name} of Fn::Sub in a value. */
function references(value: unknown, found: string[] = []): string[] {
  if (Array.isArray(value)) for (const item of value) references(item, found);
  else if (value !== null && typeof value === 'object') {
    for (const [key, inner] of Object.entries(value)) {
      if (key === 'Ref' && typeof inner === 'string') found.push(inner);
      else if (key === 'Fn::GetAtt' && Array.isArray(inner)) found.push(String(inner[0]));
      else if (key === 'Fn::Sub' && typeof inner === 'string') {
        for (const [, name] of inner.matchAll(/\$\{([\w:]+)\}/g)) found.push(name!);
      } else references(inner, found);
    }
  }
  return found;
}

describe('keywarden iam-policy --monitor', () => {
  test('the event pattern selects CloudTrail calls of IAM that change access keys', () => {
    assert.deepEqual(pattern, {
      source: ['aws.iam'],
      'detail-type': ['AWS API Call via CloudTrail'],
      detail: { eventSource: ['iam.amazonaws.com'], eventName: [...KEY_EVENT_NAMES] },
    });
  });

  test('the template is CloudFormation YAML whose every reference resolves', () => {
    assert.equal(template.AWSTemplateFormatVersion, '2010-09-09');
    const known = new Set([...Object.keys(template.Parameters), ...Object.keys(template.Resources)]);
    const dangling = references({
      r: template.Resources,
      o: template.Outputs,
      c: template.Conditions,
    }).filter((name) => !known.has(name) && !name.startsWith('AWS::'));
    assert.deepEqual(dangling, []);
    for (const [name, resource] of Object.entries(template.Resources)) {
      assert.match(resource.Type, /^AWS::[A-Za-z]+::[A-Za-z]+$/, name);
      if (resource.Condition !== undefined) assert.ok(resource.Condition in template.Conditions, name);
    }
  });

  test('every account forwards from its default bus to the central bus; only the central account holds the queue', () => {
    const forward = template.Resources['ForwardRule']!;
    assert.equal(forward.Condition, undefined);
    assert.equal(forward.Properties['EventBusName'], 'default');
    assert.deepEqual(forward.Properties['EventPattern'], pattern);
    const target = (forward.Properties['Targets'] as Array<Record<string, unknown>>)[0]!;
    assert.match(JSON.stringify(target['Arn']), /event-bus\/\$\{CentralBusName\}/);
    assert.deepEqual(target['RoleArn'], { 'Fn::GetAtt': ['ForwardRole', 'Arn'] });
    for (const name of [
      'CentralBus',
      'CentralBusPolicy',
      'MonitorQueue',
      'CentralRule',
      'MonitorQueuePolicy',
    ]) {
      assert.equal(template.Resources[name]?.Condition, 'IsCentralAccount', name);
    }
  });

  test('the central bus takes events from the organization only, the queue from the central rule only', () => {
    const busPolicy = template.Resources['CentralBusPolicy']!.Properties['Statement'] as Record<
      string,
      unknown
    >;
    assert.deepEqual(busPolicy['Condition'], {
      StringEquals: { 'aws:PrincipalOrgID': { Ref: 'OrganizationId' } },
    });
    const queuePolicy = template.Resources['MonitorQueuePolicy']!.Properties['PolicyDocument'] as {
      Statement: Array<Record<string, unknown>>;
    };
    assert.deepEqual(queuePolicy.Statement, [
      {
        Sid: 'CentralRuleMaySend',
        Effect: 'Allow',
        Principal: { Service: 'events.amazonaws.com' },
        Action: 'sqs:SendMessage',
        Resource: { 'Fn::GetAtt': ['MonitorQueue', 'Arn'] },
        Condition: { ArnEquals: { 'aws:SourceArn': { 'Fn::GetAtt': ['CentralRule', 'Arn'] } } },
      },
    ]);
    assert.deepEqual(template.Outputs['QueueUrl']?.Value, { Ref: 'MonitorQueue' });
  });
});
