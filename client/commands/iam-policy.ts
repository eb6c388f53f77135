import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { Option } from 'commander';
import { stringify } from 'yaml';
import {
  DEFAULT_PARAMETER_NAME_TEMPLATE,
  DEFAULT_SECRET_NAME_TEMPLATE,
  IAM_POLICY_DOCUMENTS,
  IamPolicyOptionsSchema,
  LEAST_PRIVILEGE_ROLE_NAME,
  managementPolicy,
  memberPermissionPolicy,
  memberRoleStackSetTemplate,
  memberTrustPolicy,
  PARTITIONS,
  type IamPolicyDocumentName,
  type IamPolicyOptions,
} from '../../domain/iam-policy';
import { monitorEventPattern, monitorStackTemplate } from '../../domain/monitor-template';
import { kmsKeyPolicyStatements } from '../../domain/kms-key-policy';
import { UsageError } from '../cli-error';

interface RawOptions {
  document: DocumentName | 'all';
  roleName: string;
  workerPrincipal?: string;
  externalId?: string;
  secretNameTemplate: string[];
  parameterNameTemplate?: string[];
  reader?: string[];
  kmsKey?: boolean;
  partition: string;
  out?: string;
  monitor?: boolean;
}

/** Printed on request (--kms-key), not one of the member role's documents. */
const KMS_KEY_POLICY = 'kms-key-policy';
type DocumentName = IamPolicyDocumentName | typeof KMS_KEY_POLICY;

interface RenderedDocument {
  name: DocumentName | MonitorDocumentName;
  file: string;
  heading: string;
  text: string;
}

const HEADINGS: Record<DocumentName, string> = {
  [KMS_KEY_POLICY]:
    'Statements to add to the key policy of the customer-managed KMS key of destination.kmsKeyId (in each member account)',
  'member-permissions': 'Permission policy of the member role (attach to the role in every member account)',
  'member-trust': 'Trust policy of the member role',
  management: "Policy of the worker's own principal (management account)",
  stackset: 'CloudFormation template for a service-managed StackSet that creates the member role',
};

const json = (value: unknown): string => `${JSON.stringify(value, null, 2)}\n`;

type MonitorDocumentName = 'monitor-event-pattern' | 'monitor-stack';

/** `--monitor`: the EventBridge event pattern and the org-wide template that feeds the monitor's queue. */
export function monitorDocuments(): RenderedDocument[] {
  return [
    {
      name: 'monitor-event-pattern',
      file: 'monitor-event-pattern.json',
      heading: 'EventBridge event pattern of the access-key events keywarden monitor reads',
      text: json(monitorEventPattern()),
    },
    {
      name: 'monitor-stack',
      file: 'monitor-stack.yaml',
      heading:
        'CloudFormation template: a stack in the central account and a service-managed StackSet to every account (us-east-1)',
      text: stringify(monitorStackTemplate(), { lineWidth: 0, version: '1.1' }),
    },
  ];
}

function render(name: DocumentName, options: IamPolicyOptions): RenderedDocument {
  const heading = HEADINGS[name];
  switch (name) {
    case KMS_KEY_POLICY:
      return { name, heading, file: `${name}-statements.json`, text: json(kmsKeyPolicyStatements(options)) };
    case 'member-permissions':
      return { name, heading, file: `${name}.json`, text: json(memberPermissionPolicy(options)) };
    case 'member-trust':
      return { name, heading, file: `${name}.json`, text: json(memberTrustPolicy(options)) };
    case 'management':
      return { name, heading, file: `${name}.json`, text: json(managementPolicy(options)) };
    case 'stackset':
      return {
        name,
        heading,
        file: `${name}.yaml`,
        text: stringify(memberRoleStackSetTemplate(options), { lineWidth: 0, version: '1.1' }),
      };
  }
}

const FLAGS: Record<string, string> = {
  roleName: '--role-name',
  workerPrincipal: '--worker-principal',
  externalId: '--external-id',
  secretNameTemplates: '--secret-name-template',
  parameterNameTemplates: '--parameter-name-template',
  readers: '--reader',
  partition: '--partition',
};

function parseOptions(raw: RawOptions): IamPolicyOptions {
  const parsed = IamPolicyOptionsSchema.safeParse({
    roleName: raw.roleName,
    workerPrincipal: raw.workerPrincipal,
    externalId: raw.externalId,
    secretNameTemplates: raw.secretNameTemplate,
    ...(raw.parameterNameTemplate?.length ? { parameterNameTemplates: raw.parameterNameTemplate } : {}),
    readers: raw.reader ?? [],
    partition: raw.partition,
  });
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      const [field, index] = issue.path;
      const flag = FLAGS[String(field)] ?? String(field);
      return `${flag}${typeof index === 'number' ? ` #${index + 1}` : ''}: ${issue.message}`;
    });
    throw new UsageError(problems.join('\n'));
  }
  return parsed.data;
}

/** Prints (or writes) the documents; exported for tests. */
export function iamPolicyOutput(raw: RawOptions): RenderedDocument[] {
  const options = parseOptions(raw);
  const names: DocumentName[] = raw.document === 'all' ? [...IAM_POLICY_DOCUMENTS] : [raw.document];
  if (raw.kmsKey === true && !names.includes(KMS_KEY_POLICY)) names.push(KMS_KEY_POLICY);
  if (names.includes('member-trust')) {
    const missing = [
      options.workerPrincipal === undefined ? '--worker-principal <arn>' : undefined,
      options.externalId === undefined ? '--external-id <id>' : undefined,
    ].filter((flag) => flag !== undefined);
    if (missing.length > 0) {
      throw new UsageError(
        `the member trust policy needs ${missing.join(' and ')} ` +
          '(or choose one document with --document member-permissions|management|stackset)',
      );
    }
  }
  return names.map((name) => render(name, options));
}

export function registerIamPolicyCommand(program: Command): void {
  program
    .command('iam-policy')
    .description(
      'print the least-privilege IAM policies keywarden needs, and a StackSet template for the member role',
    )
    .addOption(
      new Option('--document <name>', 'which document')
        .choices([...IAM_POLICY_DOCUMENTS, KMS_KEY_POLICY, 'all'])
        .default('all'),
    )
    .option('--role-name <name>', 'name of the member role', LEAST_PRIVILEGE_ROLE_NAME)
    .option('--worker-principal <arn>', "ARN of the worker's IAM role (or user) in the management account")
    .option('--external-id <id>', 'the sts:ExternalId the member role requires (access.externalId)')
    .option(
      '--secret-name-template <template>',
      `destination.secretNameTemplate of your campaigns; repeat for several (default ${DEFAULT_SECRET_NAME_TEMPLATE})`,
      (value: string, previous: string[]) => [...previous, value],
      [] as string[],
    )
    .option(
      '--parameter-name-template <template>',
      `destination.parameterNameTemplate of your campaigns; repeat for several (default ${DEFAULT_PARAMETER_NAME_TEMPLATE})`,
      (value: string, previous: string[]) => [...previous, value],
      [] as string[],
    )
    .option(
      '--reader <roleArn>',
      'a role of destination.readers, for the KMS key policy; repeat for several',
      (value: string, previous: string[]) => [...previous, value],
      [] as string[],
    )
    .option('--kms-key', 'campaigns set destination.kmsKeyId: print the statements of its key policy too')
    .addOption(new Option('--partition <partition>', 'AWS partition').choices(PARTITIONS).default('aws'))
    .option('--out <dir>', 'write one file per document into this directory instead of printing')
    .option('--monitor', 'instead: the event pattern and CloudFormation template that feed keywarden monitor')
    .action((raw: RawOptions) => {
      const documents = raw.monitor
        ? monitorDocuments()
        : iamPolicyOutput({
            ...raw,
            secretNameTemplate:
              raw.secretNameTemplate.length > 0 ? raw.secretNameTemplate : [DEFAULT_SECRET_NAME_TEMPLATE],
          });
      if (raw.out !== undefined) {
        mkdirSync(raw.out, { recursive: true });
        for (const doc of documents) {
          const file = path.join(raw.out, doc.file);
          writeFileSync(file, doc.text);
          console.log(`wrote ${file}`);
        }
        return;
      }
      if (documents.length === 1) {
        process.stdout.write(documents[0]!.text);
        return;
      }
      for (const doc of documents) process.stdout.write(`# ${doc.name}: ${doc.heading}\n${doc.text}\n`);
    });
}
