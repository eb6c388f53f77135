import {
  AttachUserPolicyCommand,
  CreateAccessKeyCommand,
  CreateLoginProfileCommand,
  CreatePolicyCommand,
  CreateVirtualMFADeviceCommand,
  EnableMFADeviceCommand,
  type IAMClient,
  PutUserPolicyCommand,
  UploadSigningCertificateCommand,
  UploadSSHPublicKeyCommand,
  AddUserToGroupCommand,
} from '@aws-sdk/client-iam';
import type { Client } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import type { ObservedCommand } from '../../../activities/aws/clients';
import { signWebhookPayload } from '../../../client/webhook/signature';
import type { OffboardingStatus } from '../../../domain/offboarding-report';
import type { OffboardingRequestInput } from '../../../domain/offboarding-request';
import type { WebhookPolicy, WebhookPolicyInput } from '../../../domain/webhook-policy';
import { WebhookPolicySchema } from '../../../domain/webhook-policy';
import type { WebhookRequestInput } from '../../../domain/webhook-request';
import type { SeededOrg } from '../../../sandbox/seed-org';

export const LEAVER_EMAIL = 'mallory@example.com';
export const INITIATOR = 'hr-system@example.com';
export const APPROVER = 'bob.security@example.com';
export const DENY_POLICY = 'keywarden-offboarding-deny-all';

/** A fresh random webhook secret per test run (never a literal in the code). */
export function newWebhookSecret(): string {
  return randomBytes(32).toString('hex');
}

/** A throwaway self-signed certificate (public part only; its private key was discarded). */
export const TEST_SIGNING_CERTIFICATE = `-----BEGIN CERTIFICATE-----
MIIDEzCCAfugAwIBAgIUN4JQF5k+mS/A330dt1zdC7GVoTYwDQYJKoZIhvcNAQEL
BQAwGTEXMBUGA1UEAwwOa2V5d2FyZGVuLXRlc3QwHhcNMjYxMTI4MTMyMjA3WhcN
MzYxMTI1MTMyMjA3WjAZMRcwFQYDVQQDDA5rZXl3YXJkZW4tdGVzdDCCASIwDQYJ
KoZIhvcNAQEBBQADggEPADCCAQoCggEBAL9BQ00ygXgrmfdDdAsj/+LHBhKUr5vf
fJvZOYna41nZVymRTOO0t9kTAcTDaAPGRx5SWuC5j7B0Nis2u+Pp8PYza16mmJs1
qgXN97D3n3pXT0F/Cjw1MyNM4WjubCRr81eIVodBStAOw0Lc9nH/kCN6A0fqxIfn
te/GQXzuC2yk8cm5ez6po+I+Frz594MenZlqNWjKwIge+CKtjfL/b7YXcmUl5Hiu
lStM7KEbXzSarhfMHeAZgNhsa3HkLE7f7tJJVtesIwNSnUWrZuYKBZIpc1a3XK8l
waLNyIZeCK9ByJy3KgwdKqrbW23QJQbuoTHdjSoiiTNOYvrDTExej/0CAwEAAaNT
MFEwHQYDVR0OBBYEFFa4q5mkVVYBozwJVpwEeJ4BYfGIMB8GA1UdIwQYMBaAFFa4
q5mkVVYBozwJVpwEeJ4BYfGIMA8GA1UdEwEB/wQFMAMBAf8wDQYJKoZIhvcNAQEL
BQADggEBAJznVwF1PHtLMhaY1JwEz1AAgZhbxlqFtzpX9C9bEjcwhVgorujId6rX
oYox7RE7CRTO4OZqBkFthVZTtEOirpaRSNvBo/KsPgPXxmOiBrG9IOs341UEQsnK
1d9+i+EH38dE5fjP6UWEQQt2r3XsPxTIGo0Cd9dBfmnNyhS6xhZSnX5euQ9wrsia
N/KykcR51gI/+hDm5Irl0eJvpx1KHXv/f0Y7n2yKDv7vBRrMbK5OemFJuN2y4X7h
LK2ksx47DtDfN/4HtuTbswqPBXy3N70kI7e6PW9sPMO7bG7mvNHeAfM5RKg6rZBS
0M0nLdRqpNhQo8RZtPCDgALBN5Zyfkc=
-----END CERTIFICATE-----`;

/** A throwaway SSH public key (its private key was discarded). */
export const TEST_SSH_PUBLIC_KEY =
  'ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQCSpC05RatrYfbS4rvMo4izOu/vhcfaXslcElEPpjkksbpb59aeCTIHOQ+gQeEG3IJCSj44o9YQOb6PJiqc4pnK0YsFJ8OUb3gsfCvbvDBIRK9fZgIRx678gHBSi7YbDAZh8U85cxd+vS9eSezTECBZ8mbHqAQZf64GxVdLzUHI9jlmkfom3ioHcPFeyuxggKi+mutpUzylV8Em7mGHWeAM23Pm/WW6u9nIffKysfWzTruS0/MCgvSwjTNxJEmO+m7w2vcpdjCrxdU2UpEJZcC0eV/fEhTYD5DsjHabw0y+k9d8Pgaqul478CvNn95tyrOWT6QIHOCHJ0Hp2ntcZafR test';

export function offboardingBody(
  employeeId: string,
  overrides: Partial<OffboardingRequestInput> = {},
): OffboardingRequestInput {
  return {
    employeeId,
    match: { tagValues: [LEAVER_EMAIL] },
    initiator: INITIATOR,
    approval: { approvers: [APPROVER, INITIATOR], timeout: '10m' },
    ...overrides,
  };
}

/** The webhook policy of these tests: the approvers above, matching by tag:email or userName. */
export function testPolicy(overrides: Partial<WebhookPolicyInput> = {}): WebhookPolicy {
  return WebhookPolicySchema.parse({
    initiator: INITIATOR,
    approval: { approvers: [APPROVER, INITIATOR], timeout: '10m' },
    match: { fields: ['tag:email', 'userName'] },
    purgeModes: ['delete-user', 'strip-credentials'],
    scope: { accounts: 'all' },
    ...overrides,
  } satisfies WebhookPolicyInput);
}

/** A webhook request: the leaver's email; everything else comes from the policy. */
export function webhookBody(
  employeeId: string,
  overrides: Partial<WebhookRequestInput> = {},
): WebhookRequestInput {
  return { employeeId, match: { tagValues: [LEAVER_EMAIL] }, ...overrides };
}

export type SignedHeaders = Record<
  'content-type' | 'x-keywarden-timestamp' | 'x-keywarden-request-id' | 'x-keywarden-signature',
  string
>;

/** Headers of a signed request, with a new request ID unless one is given. */
export function signedHeaders(
  secret: string,
  body: string,
  nowMs = Date.now(),
  requestId: string = randomUUID(),
): SignedHeaders {
  const timestamp = String(Math.floor(nowMs / 1000));
  return {
    'content-type': 'application/json',
    'x-keywarden-timestamp': timestamp,
    'x-keywarden-request-id': requestId,
    'x-keywarden-signature': signWebhookPayload(secret, timestamp, requestId, body),
  };
}

export async function postOffboarding(app: FastifyInstance, secret: string, request: unknown) {
  const payload = JSON.stringify(request);
  const headers = signedHeaders(secret, payload);
  const response = await app.inject({ method: 'POST', url: '/v1/offboarding', payload, headers });
  return { response, headers };
}

export async function getStatus(app: FastifyInstance, secret: string, employeeId: string) {
  const url = `/v1/offboarding/${employeeId}`;
  const { 'content-type': _json, ...headers } = signedHeaders(secret, url);
  return app.inject({ method: 'GET', url, headers });
}

/** Polls the workflow's status query until `done` holds (or fails the test after `timeoutMs`). */
export async function waitForStatus(
  client: Client,
  workflowId: string,
  done: (status: OffboardingStatus) => boolean,
  timeoutMs = 30_000,
): Promise<OffboardingStatus> {
  const deadline = Date.now() + timeoutMs;
  let last: OffboardingStatus | undefined;
  while (Date.now() < deadline) {
    try {
      last = await client.workflow.getHandle(workflowId).query<OffboardingStatus>('status');
      if (done(last)) return last;
    } catch {
      // not started yet, or no worker has picked it up
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  assert.fail(`timed out waiting for ${workflowId}; last phase ${last?.phase ?? 'none'}`);
}

/** The accounts where the seed put a user tagged with the leaver's email. */
export function leaverAccounts(org: SeededOrg): string[] {
  return [
    ...new Set(org.users.filter((u) => u.archetype.startsWith('leaver')).map((u) => u.accountId)),
  ].sort();
}

/**
 * Gives a user one of every credential type the emulator supports, plus an inline and an
 * attached managed policy and a group, so a purge has something to remove at every step.
 * Returns the secrets created (to prove that none of them ever shows up anywhere).
 */
export async function addEveryCredential(iam: IAMClient, userName: string): Promise<{ password: string }> {
  const password = `Pw-${randomBytes(12).toString('hex')}!`;
  await iam.send(new CreateLoginProfileCommand({ UserName: userName, Password: password }));
  await iam.send(
    new UploadSigningCertificateCommand({ UserName: userName, CertificateBody: TEST_SIGNING_CERTIFICATE }),
  );
  await iam.send(
    new UploadSSHPublicKeyCommand({ UserName: userName, SSHPublicKeyBody: TEST_SSH_PUBLIC_KEY }),
  );
  const device = await iam.send(
    new CreateVirtualMFADeviceCommand({ VirtualMFADeviceName: `${userName}-mfa` }),
  );
  const serial = device.VirtualMFADevice?.SerialNumber;
  assert.ok(serial, 'virtual MFA device created');
  await iam.send(
    new EnableMFADeviceCommand({
      UserName: userName,
      SerialNumber: serial,
      AuthenticationCode1: '123456',
      AuthenticationCode2: '654321',
    }),
  );
  await iam.send(
    new PutUserPolicyCommand({
      UserName: userName,
      PolicyName: 'read-s3',
      PolicyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }],
      }),
    }),
  );
  const policy = await iam.send(
    new CreatePolicyCommand({
      PolicyName: `${userName}-managed`,
      PolicyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Action: 'ec2:Describe*', Resource: '*' }],
      }),
    }),
  );
  assert.ok(policy.Policy?.Arn, 'managed policy created');
  await iam.send(new AttachUserPolicyCommand({ UserName: userName, PolicyArn: policy.Policy.Arn }));
  return { password };
}

export async function addToGroup(iam: IAMClient, userName: string, groupName: string): Promise<void> {
  await iam.send(new AddUserToGroupCommand({ UserName: userName, GroupName: groupName }));
}

/** Creates one more key for a user and returns its secret, to look for it later. */
export async function createKeySecret(iam: IAMClient, userName: string): Promise<string> {
  const out = await iam.send(new CreateAccessKeyCommand({ UserName: userName }));
  assert.ok(out.AccessKey?.SecretAccessKey);
  return out.AccessKey.SecretAccessKey;
}

/** Records every AWS command the worker sends, with its account and user. */
export class CommandRecorder {
  readonly calls: ObservedCommand[] = [];
  readonly onCommand = (_service: string, _commandName: string, call: ObservedCommand): void => {
    this.calls.push(call);
  };
  forAccount(accountId: string): string[] {
    return this.calls.filter((c) => c.account === accountId).map((c) => c.commandName);
  }
  clear(): void {
    this.calls.length = 0;
  }
}
