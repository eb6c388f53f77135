/** The notification channels of this worker, for the activities that send notifications. */
export interface NotifyChannels {
  /** A Slack-style incoming webhook: a secret, so it stays with the worker and never enters a workflow. */
  webhookUrl?: string;
  /** The SES sender when a spec's notifications.email does not name one. */
  emailFrom?: string;
  /** The Temporal Web UI, for the links in approvers' notifications. */
  uiUrl?: string;
}

const WEBHOOK_TIMEOUT_MS = 10_000;

/**
 * Posts `{"text": ...}` (the field Slack incoming webhooks and most chat tools read) to the
 * webhook. A failure says what happened, never the URL: the URL is the webhook's credential.
 */
export async function postToWebhook(url: string, text: string): Promise<void> {
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ text }),
      signal: AbortSignal.timeout(WEBHOOK_TIMEOUT_MS),
    });
  } catch (error) {
    // No cause attached on purpose: Temporal would carry it into the failure, and it may quote the URL.
    // eslint-disable-next-line preserve-caught-error
    throw new Error(`the notification webhook could not be reached (${reachFailure(error)})`);
  }
  // Drained so the connection is released; the body is not reported (it may echo the request).
  await response.arrayBuffer().catch(() => undefined);
  if (!response.ok) throw new Error(`the notification webhook answered HTTP ${response.status}`);
}

/** A short reason for a failed fetch: an error code or name, never a message that may quote the URL. */
function reachFailure(error: unknown): string {
  const cause = (error as { cause?: { code?: unknown; name?: unknown } } | undefined)?.cause;
  if (typeof cause?.code === 'string') return cause.code;
  if (error instanceof Error && error.name === 'TimeoutError')
    return `no answer within ${WEBHOOK_TIMEOUT_MS / 1000}s`;
  if (error instanceof Error) return error.name;
  return 'unknown error';
}
