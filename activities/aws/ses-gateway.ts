import { SendEmailCommand, type SESClient } from '@aws-sdk/client-ses';

export interface PlainEmail {
  from: string;
  to: string[];
  subject: string;
  text: string;
}

/** Sends a plain-text e-mail through SES (the worker's own account); returns SES's message ID. */
export async function sendEmail(client: SESClient, email: PlainEmail): Promise<string> {
  const out = await client.send(
    new SendEmailCommand({
      Source: email.from,
      Destination: { ToAddresses: email.to },
      Message: {
        Subject: { Data: email.subject, Charset: 'UTF-8' },
        Body: { Text: { Data: email.text, Charset: 'UTF-8' } },
      },
    }),
  );
  return out.MessageId ?? '';
}
