import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { asffFindings, renderAsff } from '../../../client/report/asff';
import type { CampaignReport } from '../../../client/report/campaign-report';
import { AsffDocumentSchema, AsffFindingSchema } from '../../../domain/asff';
import { rootKeyFindings, userCredentialFindings } from '../../../domain/findings';
import { sampleReport } from './fixtures';

/** The sample campaign report plus the principal findings an inventory page adds. */
function reportWithPrincipalFindings(): CampaignReport {
  const report = sampleReport();
  const [first] = report.accounts;
  assert.ok(first);
  first.findings = [
    ...rootKeyFindings(first.accountId, true),
    ...userCredentialFindings(first.accountId, {
      userName: 'grace.console',
      arn: `arn:aws:iam::${first.accountId}:user/grace.console`,
      passwordEnabled: true,
      mfaActive: false,
      activeAccessKey: false,
    }),
    ...userCredentialFindings(first.accountId, {
      userName: 'ci-bot',
      arn: `arn:aws:iam::${first.accountId}:user/ci-bot`,
      passwordEnabled: true,
      mfaActive: true,
      activeAccessKey: true,
    }),
  ];
  return report;
}

describe('the Security Hub export (ASFF)', () => {
  const report = reportWithPrincipalFindings();
  const text = renderAsff(report, { region: 'eu-west-1' });
  const findings = JSON.parse(text) as unknown[];

  test("every finding of a real report's output has the ASFF required fields", () => {
    const parsed = AsffDocumentSchema.safeParse(findings);
    assert.ok(parsed.success, parsed.success ? '' : JSON.stringify(parsed.error.issues.slice(0, 3)));
    const keyFindings = report.accounts
      .flatMap((a) => a.users)
      .flatMap((u) => u.keys)
      .flatMap((k) => k.findings)
      .filter((f) => f.code !== 'EXEMPT').length;
    assert.equal(
      findings.length,
      keyFindings + 3,
      'one per key finding, and the root, MFA and password findings',
    );
    const ids = parsed.data.map((f) => f.Id);
    assert.equal(new Set(ids).size, ids.length, 'Ids are unique');
  });

  test('key findings name the access key, principal findings the user or the account, with their controls', () => {
    const all = AsffDocumentSchema.parse(findings);
    const aged = all.find((f) => f.GeneratorId === 'keywarden/KEY_AGE_OVER_MAX');
    assert.ok(aged);
    assert.equal(aged.SchemaVersion, '2018-10-08');
    assert.equal(
      aged.ProductArn,
      `arn:aws:securityhub:eu-west-1:${aged.AwsAccountId}:product/${aged.AwsAccountId}/default`,
    );
    assert.equal(aged.Resources[0]?.Type, 'AwsIamAccessKey');
    assert.equal(aged.Resources[0]?.Partition, 'aws');
    assert.equal(aged.Resources[0]?.Region, 'eu-west-1');
    assert.deepEqual(aged.Compliance, {
      Status: 'FAILED',
      RelatedRequirements: ['CIS AWS Foundations Benchmark v3.0.0/1.14'],
      SecurityControlId: 'IAM.3',
    });
    assert.equal(aged.UpdatedAt, report.generatedAt);

    const root = all.find((f) => f.GeneratorId === 'keywarden/ROOT_ACCESS_KEYS_PRESENT');
    assert.equal(root?.Severity.Label, 'CRITICAL');
    assert.deepEqual(root?.Resources[0], {
      Type: 'AwsAccount',
      Id: `AWS::::Account:${report.accounts[0]!.accountId}`,
      Partition: 'aws',
      Region: 'eu-west-1',
    });
    assert.equal(root?.Compliance?.SecurityControlId, 'IAM.4');

    const mfa = all.find((f) => f.GeneratorId === 'keywarden/CONSOLE_USER_WITHOUT_MFA');
    assert.equal(mfa?.Resources[0]?.Type, 'AwsIamUser');
    assert.equal(mfa?.Resources[0]?.Id, `arn:aws:iam::${report.accounts[0]!.accountId}:user/grace.console`);
    assert.deepEqual(mfa?.Compliance?.RelatedRequirements, ['CIS AWS Foundations Benchmark v3.0.0/1.10']);

    // A practice without a numbered control carries no Compliance block.
    const both = all.find((f) => f.GeneratorId === 'keywarden/PASSWORD_AND_ACCESS_KEYS');
    assert.equal(both?.Compliance, undefined);
    assert.deepEqual(both?.Types, ['Software and Configuration Checks/AWS Security Best Practices']);
  });

  test('GovCloud and China regions get their partition', () => {
    const gov = asffFindings(report, { region: 'us-gov-west-1' });
    assert.ok(gov.every((f) => f.ProductArn.startsWith('arn:aws-us-gov:securityhub:us-gov-west-1:')));
    assert.ok(gov.every((f) => f.Resources.every((r) => r.Partition === 'aws-us-gov')));
    const cn = asffFindings(report, { region: 'cn-north-1' });
    assert.ok(cn.every((f) => f.Resources.every((r) => r.Partition === 'aws-cn')));
  });

  test('a bad region is refused with what to give instead', () => {
    assert.throws(() => asffFindings(report, { region: 'Europe' }), /the region must look like eu-west-1/);
  });

  test('no secret is in the export, even one a report carried by mistake', () => {
    const leaky = reportWithPrincipalFindings();
    const key = leaky.accounts[0]!.users[0]!.keys[0]!;
    Object.assign(key, { secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' });
    const exported = renderAsff(leaky, { region: 'eu-west-1' });
    assert.doesNotMatch(exported, /wJalrXUtnFEMI|secretAccessKey|sessionToken|"password"/i);
    assert.doesNotMatch(text, /secretAccessKey|sessionToken|"password"/i);
  });

  test('the schema rejects a finding that misses a required field', () => {
    const [first] = findings as Array<Record<string, unknown>>;
    for (const field of [
      'SchemaVersion',
      'Id',
      'ProductArn',
      'GeneratorId',
      'AwsAccountId',
      'Types',
      'CreatedAt',
      'UpdatedAt',
      'Severity',
      'Title',
      'Description',
      'Resources',
    ]) {
      const { [field]: _dropped, ...rest } = first!;
      assert.ok(!AsffFindingSchema.safeParse(rest).success, `${field} is required`);
    }
  });
});
