import { log } from '@temporalio/workflow';
import type { z } from 'zod';
import { lazily } from '../domain/lazily';
import type * as MessageSchemas from './message-schemas';

export type MessageSchemaName = keyof typeof MessageSchemas;
export type MessageOf<K extends MessageSchemaName> = z.output<(typeof MessageSchemas)[K]>;

const messageSchemas = lazily(
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded on first use, see lazily
  () => require('./message-schemas') as typeof MessageSchemas,
);

/** The schema of one of keywarden's own messages, built on the workflow's first message. */
export function messageSchema<K extends MessageSchemaName>(name: K): z.ZodType<MessageOf<K>> {
  return messageSchemas()[name] as z.ZodType<MessageOf<K>>;
}

/** Wraps a handler so that a message of the wrong shape is logged and ignored, never thrown. */
export function judged<K extends MessageSchemaName>(
  name: string,
  schema: K,
  handler: (message: MessageOf<K>) => void,
): (raw: unknown) => void {
  return (raw: unknown) => {
    const parsed = messageSchema(schema).safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      log.warn('ignored a malformed internal message', {
        signal: name,
        where: issue === undefined ? '' : issue.path.map(String).join('.'),
      });
      return;
    }
    handler(parsed.data);
  };
}
