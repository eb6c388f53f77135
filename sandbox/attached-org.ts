import {
  DescribeOrganizationCommand,
  ListAccountsForParentCommand,
  ListOrganizationalUnitsForParentCommand,
  ListRootsCommand,
  OrganizationsClient,
} from '@aws-sdk/client-organizations';
import type { AwsCredentialIdentity } from '@smithy/types';
import type { SandboxState } from './sandbox-state';
import { SetupError } from './setup-error';

export interface AttachedOrg {
  managementAccountId: string;
  rootId: string;
  ous: SandboxState['org']['ous'];
  accounts: SandboxState['org']['accounts'];
}

/** The credentials an attached sandbox hands its worker: the standard AWS variables of this shell. */
export function attachCredentials(env: NodeJS.ProcessEnv = process.env): AwsCredentialIdentity {
  const accessKeyId = env.AWS_ACCESS_KEY_ID?.trim();
  const secretAccessKey = env.AWS_SECRET_ACCESS_KEY?.trim();
  if (!accessKeyId || !secretAccessKey) {
    throw new SetupError(
      'attaching to an existing AWS endpoint needs the credentials of its organization: set AWS_ACCESS_KEY_ID and ' +
        'AWS_SECRET_ACCESS_KEY to a principal of the management account (on moto, any key it did not issue acts as the management account)',
    );
  }
  return { accessKeyId, secretAccessKey };
}

/**
 * Reads the organization an attached sandbox works on, without changing anything: its management
 * account, its OUs (nested ones with their paths) and its member accounts with the OU each is in.
 */
export async function readAttachedOrganization(opts: {
  endpoint: string;
  region: string;
  credentials: AwsCredentialIdentity;
}): Promise<AttachedOrg> {
  const org = new OrganizationsClient({
    endpoint: opts.endpoint,
    region: opts.region,
    // A copy: the SDK annotates the credentials object it is given.
    credentials: { ...opts.credentials },
    maxAttempts: 3,
  });
  try {
    const described = await org.send(new DescribeOrganizationCommand({})).catch((error: unknown) => {
      const reason = error instanceof Error ? error.message : String(error);
      throw new SetupError(
        `no AWS Organization could be read at ${opts.endpoint} (${reason}): start the emulator and create the org first, ` +
          'or leave out --no-seed to seed one there',
      );
    });
    const managementAccountId = described.Organization?.MasterAccountId;
    const rootId = (await org.send(new ListRootsCommand({}))).Roots?.[0]?.Id;
    if (!managementAccountId || !rootId) {
      throw new SetupError(`the organization at ${opts.endpoint} has no management account or no root`);
    }
    const ous: AttachedOrg['ous'] = [];
    const accounts: AttachedOrg['accounts'] = [];
    const walk = async (parentId: string, parentPath: string, ouName: string): Promise<void> => {
      let token: string | undefined;
      do {
        const page = await org.send(
          new ListAccountsForParentCommand({ ParentId: parentId, NextToken: token }),
        );
        for (const a of page.Accounts ?? []) {
          if (a.Id && a.Id !== managementAccountId)
            accounts.push({ accountId: a.Id, name: a.Name ?? a.Id, ouName });
        }
        token = page.NextToken;
      } while (token);
      do {
        const page = await org.send(
          new ListOrganizationalUnitsForParentCommand({ ParentId: parentId, NextToken: token }),
        );
        for (const ou of page.OrganizationalUnits ?? []) {
          if (!ou.Id || !ou.Name) continue;
          const ouPath = `${parentPath}/${ou.Name}`;
          ous.push({ id: ou.Id, name: ou.Name, path: ouPath });
          await walk(ou.Id, ouPath, ou.Name);
        }
        token = page.NextToken;
      } while (token);
    };
    await walk(rootId, 'Root', 'Root');
    return { managementAccountId, rootId, ous, accounts };
  } finally {
    org.destroy();
  }
}
