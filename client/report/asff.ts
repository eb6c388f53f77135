import { z } from 'zod';
import { AsffDocumentSchema, type AsffFinding } from '../../domain/asff';
import { CIS_VERSION, CONTROLS } from '../../domain/controls';
import type { AccountFinding, Finding } from '../../domain/findings';
import type { AccessKeyFacts } from '../../domain/inventory';
import type { UserRotationReport } from '../../domain/rotation-report';
import type { CampaignReport } from './campaign-report';
import { safeJson } from './json';

export const AsffOptionsSchema = z.object({
  region: z
    .string({ error: 'give the Security Hub region with --region, e.g. --region eu-west-1' })
    .regex(
      /^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d$/,
      'the region must look like eu-west-1 or us-gov-west-1: give the region Security Hub runs in',
    ),
});

export type AsffOptions = z.infer<typeof AsffOptionsSchema>;

const BEST_PRACTICES = 'Software and Configuration Checks/AWS Security Best Practices';
const CIS_TYPE =
  'Software and Configuration Checks/Industry and Regulatory Standards/CIS AWS Foundations Benchmark';

function partitionOf(region: string): 'aws' | 'aws-cn' | 'aws-us-gov' {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  return 'aws';
}

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** The fields every keywarden finding shares, from its code: product, generator, types, severity, compliance. */
function common(
  report: CampaignReport,
  accountId: string,
  finding: Finding,
  region: string,
): Omit<AsffFinding, 'Id' | 'Description' | 'Resources'> {
  const control = CONTROLS[finding.code];
  const partition = partitionOf(region);
  const requirements = [
    ...(control.cis === undefined ? [] : [`CIS AWS Foundations Benchmark ${CIS_VERSION}/${control.cis}`]),
  ];
  return {
    SchemaVersion: '2018-10-08',
    // The default product of the account the finding is about: each account imports its own findings.
    ProductArn: `arn:${partition}:securityhub:${region}:${accountId}:product/${accountId}/default`,
    GeneratorId: `keywarden/${finding.code}`,
    AwsAccountId: accountId,
    Types: control.cis === undefined ? [BEST_PRACTICES] : [BEST_PRACTICES, CIS_TYPE],
    CreatedAt: report.campaign.startedAt,
    UpdatedAt: report.generatedAt,
    Severity: { Label: control.severity },
    Title: clip(control.title, 256),
    ...(control.cis === undefined && control.securityHub === undefined
      ? {}
      : {
          Compliance: {
            Status: 'FAILED' as const,
            ...(requirements.length === 0 ? {} : { RelatedRequirements: requirements }),
            ...(control.securityHub === undefined ? {} : { SecurityControlId: control.securityHub }),
          },
        }),
    ProductFields: {
      'keywarden/CampaignId': report.campaign.campaignId,
      'keywarden/FindingCode': finding.code,
    },
    RecordState: 'ACTIVE',
  };
}

function keyFinding(
  report: CampaignReport,
  user: UserRotationReport,
  key: AccessKeyFacts,
  finding: Finding,
  exemption: string | undefined,
  region: string,
): AsffFinding {
  const detail = `IAM user ${user.userName}, access key ${key.accessKeyId} (${key.status}): ${finding.detail}`;
  return {
    ...common(report, user.accountId, finding, region),
    Id: `keywarden/${report.campaign.campaignId}/${user.accountId}/${finding.code}/${key.accessKeyId}`,
    Description: clip(exemption === undefined ? detail : `${detail}. Note: ${exemption}`, 1024),
    Resources: [
      {
        Type: 'AwsIamAccessKey',
        Id: key.accessKeyId,
        Partition: partitionOf(region),
        Region: region,
        Details: {
          AwsIamAccessKey: {
            AccessKeyId: key.accessKeyId,
            AccountId: user.accountId,
            PrincipalName: user.userName,
            PrincipalType: 'IAMUser',
            Status: key.status,
            CreatedAt: key.createDate,
          },
        },
      },
    ],
  };
}

function principalFinding(report: CampaignReport, finding: AccountFinding, region: string): AsffFinding {
  const partition = partitionOf(region);
  const resource =
    finding.userName === undefined
      ? { Type: 'AwsAccount', Id: `AWS::::Account:${finding.accountId}` }
      : {
          Type: 'AwsIamUser',
          Id: finding.principalArn,
          Details: { AwsIamUser: { UserName: finding.userName } },
        };
  const who = finding.userName === undefined ? 'root user' : `IAM user ${finding.userName}`;
  return {
    ...common(report, finding.accountId, finding, region),
    Id: `keywarden/${report.campaign.campaignId}/${finding.accountId}/${finding.code}/${finding.principalArn}`,
    Description: clip(`${who}: ${finding.detail}`, 1024),
    Resources: [{ ...resource, Partition: partition, Region: region }],
  };
}

/**
 * The campaign's findings in the AWS Security Finding Format, one per key finding and one per
 * finding about a principal. EXEMPT is not a finding of its own: it is noted on the exempt user's
 * other findings. Holds no secret: reports never carry one, and the output is written by safeJson.
 */
export function asffFindings(report: CampaignReport, options: AsffOptions): AsffFinding[] {
  const { region } = AsffOptionsSchema.parse(options);
  const findings: AsffFinding[] = [];
  for (const account of report.accounts) {
    for (const user of account.users) {
      for (const key of user.keys) {
        const exemption = key.findings.find((f) => f.code === 'EXEMPT')?.detail;
        for (const finding of key.findings) {
          if (finding.code === 'EXEMPT') continue;
          findings.push(keyFinding(report, user, key, finding, exemption, region));
        }
      }
    }
    for (const finding of account.findings ?? []) findings.push(principalFinding(report, finding, region));
  }
  return AsffDocumentSchema.parse(findings);
}

export function renderAsff(report: CampaignReport, options: AsffOptions): string {
  return safeJson(asffFindings(report, options));
}
