import {
  CreateAccessKeyCommand,
  CreateRoleCommand,
  CreateUserCommand,
  type IAMClient,
  PutRolePolicyCommand,
  PutUserPolicyCommand,
} from '@aws-sdk/client-iam';
import assert from 'node:assert/strict';
import type { PolicyDocument } from '../../domain/iam-policy';

export interface WorkerPrincipal {
  arn: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
}

/** An IAM user of the management account that holds one inline policy, and a key to sign as it. */
export async function createWorkerUser(
  iam: IAMClient,
  userName: string,
  policy: PolicyDocument,
): Promise<WorkerPrincipal> {
  const created = await iam.send(new CreateUserCommand({ UserName: userName }));
  assert.ok(created.User?.Arn, 'worker user created');
  await iam.send(
    new PutUserPolicyCommand({
      UserName: userName,
      PolicyName: 'keywarden-management',
      PolicyDocument: JSON.stringify(policy),
    }),
  );
  const key = (await iam.send(new CreateAccessKeyCommand({ UserName: userName }))).AccessKey;
  assert.ok(key?.AccessKeyId && key.SecretAccessKey, 'worker key created');
  return {
    arn: created.User.Arn,
    credentials: { accessKeyId: key.AccessKeyId, secretAccessKey: key.SecretAccessKey },
  };
}

/** A role of a member account with this trust policy and only this inline permission policy. */
export async function createMemberRole(
  iam: IAMClient,
  roleName: string,
  trust: PolicyDocument,
  permissions: PolicyDocument,
): Promise<void> {
  await iam.send(
    new CreateRoleCommand({ RoleName: roleName, AssumeRolePolicyDocument: JSON.stringify(trust) }),
  );
  await iam.send(
    new PutRolePolicyCommand({
      RoleName: roleName,
      PolicyName: 'keywarden-member-permissions',
      PolicyDocument: JSON.stringify(permissions),
    }),
  );
}
