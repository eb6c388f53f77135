import type { Account, OrganizationsClient } from '@aws-sdk/client-organizations';
import {
  AttachPolicyCommand,
  CreatePolicyCommand,
  DescribeOrganizationalUnitCommand,
  DescribePolicyCommand,
  paginateListAccounts,
  paginateListAccountsForParent,
  paginateListOrganizationalUnitsForParent,
  paginateListPolicies,
  paginateListRoots,
} from '@aws-sdk/client-organizations';
import type { AccountRef } from '../../domain/inventory';
import { isAwsError } from './errors';

/** ACTIVE, SUSPENDED, PENDING_CLOSURE, CLOSED, PENDING_ACTIVATION, ... as AWS reports it. */
export type AccountState = string;

export interface OrgAccount extends AccountRef {
  /** Account.State when present (newer API), else the older Account.Status. */
  state: AccountState;
}

export interface OrgRoot {
  id: string;
  name: string;
}

export interface OrgUnit {
  id: string;
  name: string;
  parentId: string;
  /** Names from the root down, e.g. 'Root/Prod/Web'. */
  path: string;
}

/** The read-only slice of AWS Organizations that keywarden needs (management account). */
export interface OrganizationsGateway {
  /** Every account of the organization, whatever its state. */
  listAccounts(): Promise<OrgAccount[]>;
  /** ACTIVE accounts only, without OU placement. */
  listActiveAccounts(): Promise<AccountRef[]>;
  listRoots(): Promise<OrgRoot[]>;
  /** Every OU below every root, parents before children. */
  listOusRecursive(): Promise<OrgUnit[]>;
  /** ACTIVE accounts directly under `ouOrRootId` (or anywhere below it), annotated with their parent. */
  listAccountsUnder(ouOrRootId: string, recursive: boolean): Promise<AccountRef[]>;
}

/** A service control policy as Organizations holds it. */
export interface ServiceControlPolicy {
  id: string;
  arn: string;
  name: string;
  /** The policy document as text. */
  content: string;
}

/** The slice of AWS Organizations that places a service control policy on an OU (management account). */
export interface ScpGateway {
  /** The OU's name, or undefined when no such OU exists. */
  describeOu(ouId: string): Promise<{ id: string; name: string } | undefined>;
  /** The SCP with this exact name, with its document, or undefined. */
  findScpByName(name: string): Promise<ServiceControlPolicy | undefined>;
  createScp(name: string, description: string, content: string): Promise<ServiceControlPolicy>;
  /** Attaches the policy to the target; false when it was attached already. */
  attachPolicy(policyId: string, targetId: string): Promise<boolean>;
}

const ACTIVE = 'ACTIVE';
const SERVICE_CONTROL_POLICY = 'SERVICE_CONTROL_POLICY';

function accountState(account: Account): AccountState {
  return account.State ?? account.Status ?? 'UNKNOWN';
}

function toAccountRef(account: Account, parent?: { id: string; name: string }): AccountRef {
  const ref: AccountRef = { accountId: account.Id ?? '', name: account.Name ?? '' };
  if (parent !== undefined) {
    ref.ouId = parent.id;
    ref.ouName = parent.name;
  }
  return ref;
}

export class SdkOrganizationsGateway implements OrganizationsGateway, ScpGateway {
  constructor(
    private readonly client: OrganizationsClient,
    private readonly options: { pageSize?: number } = {},
  ) {}

  /** OU and root names seen so far, so annotating accounts costs no extra Describe calls. */
  private readonly names = new Map<string, string>();

  private get pager(): { client: OrganizationsClient; pageSize?: number } {
    return { client: this.client, pageSize: this.options.pageSize };
  }

  async listAccounts(): Promise<OrgAccount[]> {
    const result: OrgAccount[] = [];
    for await (const page of paginateListAccounts(this.pager, {})) {
      for (const account of page.Accounts ?? []) {
        result.push({ ...toAccountRef(account), state: accountState(account) });
      }
    }
    return result;
  }

  async listActiveAccounts(): Promise<AccountRef[]> {
    return (await this.listAccounts())
      .filter((a) => a.state === ACTIVE)
      .map(({ state: _state, ...ref }) => ref);
  }

  async listRoots(): Promise<OrgRoot[]> {
    const roots: OrgRoot[] = [];
    for await (const page of paginateListRoots(this.pager, {})) {
      for (const root of page.Roots ?? []) roots.push({ id: root.Id ?? '', name: root.Name ?? 'Root' });
    }
    for (const root of roots) this.names.set(root.id, root.name);
    return roots;
  }

  async listOusRecursive(): Promise<OrgUnit[]> {
    const result: OrgUnit[] = [];
    const queue: Array<{ id: string; path: string }> = (await this.listRoots()).map((r) => ({
      id: r.id,
      path: r.name,
    }));
    for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
      for (const ou of await this.childOus(next.id)) {
        const unit: OrgUnit = {
          id: ou.id,
          name: ou.name,
          parentId: next.id,
          path: `${next.path}/${ou.name}`,
        };
        result.push(unit);
        queue.push({ id: unit.id, path: unit.path });
      }
    }
    return result;
  }

  async listAccountsUnder(ouOrRootId: string, recursive: boolean): Promise<AccountRef[]> {
    const name = await this.parentName(ouOrRootId);
    const result: AccountRef[] = [];
    const queue: OrgRoot[] = [{ id: ouOrRootId, name }];
    for (let parent = queue.shift(); parent !== undefined; parent = queue.shift()) {
      for await (const page of paginateListAccountsForParent(this.pager, { ParentId: parent.id })) {
        for (const account of page.Accounts ?? []) {
          if (accountState(account) === ACTIVE) result.push(toAccountRef(account, parent));
        }
      }
      if (recursive) queue.push(...(await this.childOus(parent.id)));
    }
    return result;
  }

  async describeOu(ouId: string): Promise<{ id: string; name: string } | undefined> {
    try {
      const out = await this.client.send(
        new DescribeOrganizationalUnitCommand({ OrganizationalUnitId: ouId }),
      );
      return { id: ouId, name: out.OrganizationalUnit?.Name ?? ouId };
    } catch (error) {
      if (isAwsError(error, 'OrganizationalUnitNotFoundException')) return undefined;
      throw error;
    }
  }

  async findScpByName(name: string): Promise<ServiceControlPolicy | undefined> {
    for await (const page of paginateListPolicies(this.pager, { Filter: SERVICE_CONTROL_POLICY })) {
      const summary = (page.Policies ?? []).find((p) => p.Name === name);
      if (summary?.Id === undefined) continue;
      const out = await this.client.send(new DescribePolicyCommand({ PolicyId: summary.Id }));
      return {
        id: summary.Id,
        arn: summary.Arn ?? '',
        name,
        content: out.Policy?.Content ?? '',
      };
    }
    return undefined;
  }

  async createScp(name: string, description: string, content: string): Promise<ServiceControlPolicy> {
    const out = await this.client.send(
      new CreatePolicyCommand({
        Name: name,
        Description: description,
        Content: content,
        Type: SERVICE_CONTROL_POLICY,
      }),
    );
    const summary = out.Policy?.PolicySummary;
    return { id: summary?.Id ?? '', arn: summary?.Arn ?? '', name, content: out.Policy?.Content ?? content };
  }

  async attachPolicy(policyId: string, targetId: string): Promise<boolean> {
    try {
      await this.client.send(new AttachPolicyCommand({ PolicyId: policyId, TargetId: targetId }));
      return true;
    } catch (error) {
      if (isAwsError(error, 'DuplicatePolicyAttachmentException')) return false;
      throw error;
    }
  }

  private async childOus(parentId: string): Promise<OrgRoot[]> {
    const children: OrgRoot[] = [];
    const pages = paginateListOrganizationalUnitsForParent(this.pager, { ParentId: parentId });
    for await (const page of pages) {
      for (const ou of page.OrganizationalUnits ?? []) {
        children.push({ id: ou.Id ?? '', name: ou.Name ?? '' });
      }
    }
    for (const child of children) this.names.set(child.id, child.name);
    return children;
  }

  private async parentName(id: string): Promise<string> {
    const known = this.names.get(id);
    if (known !== undefined) return known;
    if (id.startsWith('r-')) {
      return (await this.listRoots()).find((r) => r.id === id)?.name ?? 'Root';
    }
    const described = await this.client.send(
      new DescribeOrganizationalUnitCommand({ OrganizationalUnitId: id }),
    );
    const name = described.OrganizationalUnit?.Name ?? id;
    this.names.set(id, name);
    return name;
  }
}
