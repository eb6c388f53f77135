import { ApplicationFailure } from '@temporalio/common';
import { ErrorType } from '../domain/errors';
import { toActivityFailure } from './aws/errors';
import { SdkOrganizationsGateway, type ScpGateway } from './aws/organizations-gateway';
import type { ActivityDeps } from './deps';

export interface ScpTargetInput {
  ouId: string;
}

export interface AttachScpInput {
  ouId: string;
  policyName: string;
  /** The policy document as approved, byte for byte. */
  policyText: string;
  description: string;
}

export interface AttachedScp {
  policyId: string;
  policyArn: string;
  /** False when a policy of that name and document existed already. */
  created: boolean;
  /** False when it was attached to the OU already. */
  attached: boolean;
}

/** Two documents say the same when they parse to the same JSON (Organizations may reformat the text). */
function sameDocument(a: string, b: string): boolean {
  try {
    return JSON.stringify(JSON.parse(a)) === JSON.stringify(JSON.parse(b));
  } catch {
    return a === b;
  }
}

/** The OU must exist before anything is asked of anyone: a clear, non-retryable error otherwise. */
export async function describeScpTarget(gw: ScpGateway, ouId: string): Promise<{ id: string; name: string }> {
  const ou = await gw.describeOu(ouId);
  if (ou === undefined) {
    throw ApplicationFailure.nonRetryable(
      `there is no OU ${ouId} in this organization: check the ID with \`aws organizations list-organizational-units-for-parent\``,
      ErrorType.NoSuchEntity,
    );
  }
  return ou;
}

/**
 * Creates the SCP (or finds it by name) and attaches it to the OU. A policy of that name with
 * another document is refused, never overwritten or attached: approvers approved this document.
 */
export async function attachScp(gw: ScpGateway, input: AttachScpInput): Promise<AttachedScp> {
  await describeScpTarget(gw, input.ouId);
  let policy = await gw.findScpByName(input.policyName);
  let created = false;
  if (policy === undefined) {
    policy = await gw.createScp(input.policyName, input.description, input.policyText);
    created = true;
  } else if (!sameDocument(policy.content, input.policyText)) {
    throw ApplicationFailure.nonRetryable(
      `a service control policy named ${input.policyName} (${policy.id}) exists with another document: ` +
        'nothing was attached; choose another --policy-name, or update or delete that policy first',
      ErrorType.Validation,
    );
  }
  const attached = await gw.attachPolicy(policy.id, input.ouId);
  return { policyId: policy.id, policyArn: policy.arn, created, attached };
}

export function createScpActivities(deps: ActivityDeps) {
  const gateway = () => new SdkOrganizationsGateway(deps.aws.management().organizations);
  return {
    /** The OU's ID and name, or a non-retryable NoSuchEntity failure when it does not exist. */
    async describeScpTarget(input: ScpTargetInput): Promise<{ id: string; name: string }> {
      try {
        return await describeScpTarget(gateway(), input.ouId);
      } catch (error) {
        throw toActivityFailure(error, `looking up OU ${input.ouId}`);
      }
    },

    /** Creates (or finds by name) the approved SCP and attaches it to the OU. */
    async attachServiceControlPolicy(input: AttachScpInput): Promise<AttachedScp> {
      try {
        return await attachScp(gateway(), input);
      } catch (error) {
        throw toActivityFailure(error, `attaching ${input.policyName} to ${input.ouId}`);
      }
    },
  };
}
