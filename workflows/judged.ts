import { log } from '@temporalio/workflow';
import { safeParse, type GenericSchema, type InferOutput } from 'valibot';
import { lazily } from '../domain/lazily';
import type * as MessageSchemas from './message-schemas';

export type MessageSchemaName = keyof typeof MessageSchemas;
export type MessageOf<K extends MessageSchemaName> = InferOutput<(typeof MessageSchemas)[K]>;

const messageSchemas = lazily(
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded on first use, see lazily
  () => require('./message-schemas') as typeof MessageSchemas,
);

const WHERE_MAX = 120;

export type JudgedMessage<T> = { success: true; data: T } | { success: false; where: string };

/** Judges `raw` as one of keywarden's own messages; the schemas are built on the first message. */
export function judgeMessage<K extends MessageSchemaName>(
  name: K,
  raw: unknown,
): JudgedMessage<MessageOf<K>> {
  const schema = messageSchemas()[name] as GenericSchema<unknown, MessageOf<K>>;
  const parsed = safeParse(schema, raw, { abortEarly: true });
  if (parsed.success) return { success: true, data: parsed.output };
  // The path may hold the sender's own unknown key, of any length: only its start is logged.
  const where = (parsed.issues[0]?.path ?? []).map((item) => String(item.key)).join('.');
  return { success: false, where: where.length > WHERE_MAX ? `${where.slice(0, WHERE_MAX)}…` : where };
}

/** Wraps a handler so that a message of the wrong shape is logged and ignored, never thrown. */
export function judged<K extends MessageSchemaName>(
  name: string,
  schema: K,
  handler: (message: MessageOf<K>) => void,
): (raw: unknown) => void {
  return (raw: unknown) => {
    const parsed = judgeMessage(schema, raw);
    if (!parsed.success) {
      log.warn('ignored a malformed internal message', { signal: name, where: parsed.where });
      return;
    }
    handler(parsed.data);
  };
}
