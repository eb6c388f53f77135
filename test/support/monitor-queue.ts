import {
  EventBridgeClient,
  PutEventsCommand,
  PutRuleCommand,
  PutTargetsCommand,
  type PutEventsRequestEntry,
} from '@aws-sdk/client-eventbridge';
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { SeededOrg } from '../../sandbox/seed-org';
import type { TestStack } from './test-stack';

/** An SQS queue fed by EventBridge rules on the emulator's default bus, as in an AWS account. */
export interface MonitorQueue {
  queueUrl: string;
  queueArn: string;
  sqs: SQSClient;
  events: EventBridgeClient;
  /** Puts events on the default bus; fails if EventBridge refuses any of them. */
  putEvents(entries: PutEventsRequestEntry[]): Promise<void>;
  /** Messages still in the queue (visible or in flight). */
  pending(): Promise<number>;
  destroy(): void;
}

export async function createMonitorQueue(
  stack: TestStack,
  org: SeededOrg,
  queueName: string,
  rules: Array<{ name: string; pattern: unknown }>,
): Promise<MonitorQueue> {
  const config = {
    region: org.region,
    endpoint: stack.awsEndpoint,
    credentials: org.operatorCredentials,
  };
  const sqs = new SQSClient(config);
  const events = new EventBridgeClient(config);
  const { QueueUrl: queueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: queueName }));
  if (queueUrl === undefined) throw new Error('the emulator created a queue without a URL');
  const attributes = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }),
  );
  const queueArn = attributes.Attributes?.QueueArn ?? '';
  for (const rule of rules) {
    await events.send(new PutRuleCommand({ Name: rule.name, EventPattern: JSON.stringify(rule.pattern) }));
    await events.send(new PutTargetsCommand({ Rule: rule.name, Targets: [{ Id: 'queue', Arn: queueArn }] }));
  }
  return {
    queueUrl,
    queueArn,
    sqs,
    events,
    async putEvents(entries) {
      const answer = await events.send(new PutEventsCommand({ Entries: entries }));
      if ((answer.FailedEntryCount ?? 0) > 0)
        throw new Error(`PutEvents refused: ${JSON.stringify(answer.Entries)}`);
    },
    async pending() {
      const answer = await sqs.send(
        new GetQueueAttributesCommand({
          QueueUrl: queueUrl,
          AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
        }),
      );
      return (
        Number(answer.Attributes?.ApproximateNumberOfMessages ?? 0) +
        Number(answer.Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0)
      );
    },
    destroy() {
      sqs.destroy();
      events.destroy();
    },
  };
}
