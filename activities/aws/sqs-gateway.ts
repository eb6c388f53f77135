import type { SQSClient } from '@aws-sdk/client-sqs';
import { DeleteMessageCommand, GetQueueAttributesCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { isAwsError } from './errors';

export interface QueueMessage {
  messageId: string;
  receiptHandle: string;
  body: string;
}

export interface ReceiveOptions {
  waitTimeSeconds: number;
  maxMessages: number;
  abortSignal?: AbortSignal;
}

/** The slice of SQS the drift monitor needs: check its queue, read it, delete what it read. */
export interface SqsGateway {
  queueArn(queueUrl: string): Promise<string>;
  receive(queueUrl: string, options: ReceiveOptions): Promise<QueueMessage[]>;
  delete(queueUrl: string, receiptHandle: string): Promise<void>;
}

/** SQS answers this way (the JSON and the query protocol) for a queue URL that names no queue. */
export function isMissingQueue(error: unknown): boolean {
  return isAwsError(error, 'QueueDoesNotExist', 'AWS.SimpleQueueService.NonExistentQueue');
}

export class SdkSqsGateway implements SqsGateway {
  constructor(private readonly client: SQSClient) {}

  async queueArn(queueUrl: string): Promise<string> {
    const answer = await this.client.send(
      new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }),
    );
    return answer.Attributes?.QueueArn ?? '';
  }

  async receive(queueUrl: string, options: ReceiveOptions): Promise<QueueMessage[]> {
    const answer = await this.client.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        WaitTimeSeconds: options.waitTimeSeconds,
        MaxNumberOfMessages: options.maxMessages,
      }),
      options.abortSignal === undefined ? {} : { abortSignal: options.abortSignal },
    );
    return (answer.Messages ?? []).flatMap((message) =>
      message.ReceiptHandle === undefined
        ? []
        : [
            {
              messageId: message.MessageId ?? '',
              receiptHandle: message.ReceiptHandle,
              body: message.Body ?? '',
            },
          ],
    );
  }

  async delete(queueUrl: string, receiptHandle: string): Promise<void> {
    await this.client.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: receiptHandle }));
  }
}
