import { Context } from '@temporalio/activity';

/**
 * Heartbeats every `everyMs` until `work` settles. For an activity whose work has no natural
 * steps to report: the heartbeat says only that the process is alive, so with a heartbeat
 * timeout a crashed worker's attempt is retried within that timeout instead of its whole
 * start-to-close timeout.
 */
export async function heartbeatWhile<T>(work: () => Promise<T>, everyMs = 5_000): Promise<T> {
  const context = Context.current();
  context.heartbeat();
  const timer = setInterval(() => context.heartbeat(), everyMs);
  try {
    return await work();
  } finally {
    clearInterval(timer);
  }
}
