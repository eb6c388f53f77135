import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { parseKeyEventMessage } from '../domain/cloudtrail-key-event';
import { ErrorType } from '../domain/errors';
import type { MonitorBatch } from '../domain/monitor-input';
import { toActivityFailure } from './aws/errors';
import { isMissingQueue, SdkSqsGateway, type SqsGateway } from './aws/sqs-gateway';
import type { ActivityDeps } from './deps';

/** SQS returns at most 10 messages per ReceiveMessage. */
const MAX_MESSAGES = 10;

export interface PollMonitorQueueInput {
  queueUrl: string;
  waitTimeSeconds: number;
  /** Keep polling an empty queue this long before returning nothing. */
  pollBudgetSeconds: number;
}

export type PollMonitorQueueResult = MonitorBatch;

function missingQueue(queueUrl: string): ApplicationFailure {
  return ApplicationFailure.nonRetryable(
    `the queue ${queueUrl} does not exist (or is in another region or account than the worker's): ` +
      'create it, or deploy the template that `keywarden iam-policy --monitor` prints, and give its URL',
    ErrorType.NoSuchEntity,
  );
}

function activityFailure(error: unknown, queueUrl: string, context: string): ApplicationFailure {
  return isMissingQueue(error) ? missingQueue(queueUrl) : toActivityFailure(error, context);
}

export function createMonitorActivities(
  deps: ActivityDeps,
  gatewayFor: (deps: ActivityDeps) => SqsGateway = (d) => new SdkSqsGateway(d.aws.managementSqs()),
) {
  return {
    /** The queue's ARN; a clear, final failure when the queue does not exist. */
    async checkMonitorQueue(input: { queueUrl: string }): Promise<{ queueArn: string }> {
      try {
        return { queueArn: await gatewayFor(deps).queueArn(input.queueUrl) };
      } catch (error) {
        throw activityFailure(error, input.queueUrl, 'reading the monitor queue');
      }
    },

    /**
     * Long-polls the queue (heartbeating between polls) until some messages came or the budget
     * is spent. Every message read is deleted: access-key events are returned, anything else is
     * logged as skipped (its ID and why, never its body) and counted.
     */
    async pollMonitorQueue(input: PollMonitorQueueInput): Promise<PollMonitorQueueResult> {
      const context = Context.current();
      const gateway = gatewayFor(deps);
      const result: PollMonitorQueueResult = { messages: 0, events: [], ignored: 0, skipped: [] };
      const deadline = Date.now() + input.pollBudgetSeconds * 1000;
      try {
        do {
          context.heartbeat();
          const messages = await gateway.receive(input.queueUrl, {
            waitTimeSeconds: Math.max(
              1,
              Math.min(input.waitTimeSeconds, Math.ceil((deadline - Date.now()) / 1000)),
            ),
            maxMessages: MAX_MESSAGES,
            abortSignal: context.cancellationSignal,
          });
          for (const message of messages) {
            const parsed = parseKeyEventMessage(message.body);
            if (parsed.kind === 'key-event') result.events.push(parsed.event);
            else if (parsed.kind === 'ignored') result.ignored += 1;
            else {
              const skipped = { messageId: message.messageId, kind: parsed.kind, reason: parsed.reason };
              context.log.warn('monitor: skipped a message that is not a usable access-key event', {
                ...skipped,
              });
              result.skipped.push(skipped);
            }
            await gateway.delete(input.queueUrl, message.receiptHandle);
            result.messages += 1;
          }
        } while (result.messages === 0 && Date.now() < deadline);
      } catch (error) {
        // Messages already deleted are in the result: return them rather than lose them.
        if (result.messages > 0) return result;
        throw activityFailure(error, input.queueUrl, 'polling the monitor queue');
      }
      return result;
    },
  };
}
