import type { IamPolicyOptions, PolicyStatement } from './iam-policy';

/** KMS statements use `*` as Resource (the key the policy is attached to) and may name `*` as principal. */
export interface KeyPolicyStatement extends Omit<PolicyStatement, 'Principal'> {
  Principal: { AWS: string | string[] };
}

const VIA_SERVICES = (partition: string) => {
  const suffix = partition === 'aws-cn' ? 'amazonaws.com.cn' : 'amazonaws.com';
  return [`secretsmanager.*.${suffix}`, `ssm.*.${suffix}`];
};

/**
 * The statements to add to the key policy of a customer-managed key named by
 * `destination.kmsKeyId`: the member role (in any account of the organization, through
 * Secrets Manager or Parameter Store only) encrypts and decrypts the stored keys, and the
 * readers decrypt them. The key policy, not the member role's policy alone, decides who may use
 * a KMS key.
 */
export function kmsKeyPolicyStatements(options: IamPolicyOptions): KeyPolicyStatement[] {
  const viaService = { 'kms:ViaService': VIA_SERVICES(options.partition) };
  const statements: KeyPolicyStatement[] = [
    {
      Sid: 'KeywardenMemberRoleStoresKeys',
      Effect: 'Allow',
      Principal: { AWS: '*' },
      Action: ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey'],
      Resource: '*',
      Condition: {
        ArnLike: { 'aws:PrincipalArn': `arn:${options.partition}:iam::*:role/${options.roleName}` },
        StringLike: viaService,
      },
    },
  ];
  if (options.readers.length > 0) {
    statements.push({
      Sid: 'KeywardenReadersReadKeys',
      Effect: 'Allow',
      Principal: { AWS: [...options.readers] },
      Action: 'kms:Decrypt',
      Resource: '*',
      Condition: { StringLike: viaService },
    });
  }
  return statements;
}
