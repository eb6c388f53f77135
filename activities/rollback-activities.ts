import type { AccessSettings } from '../domain/access';
import type { RollbackPlan } from '../domain/rollback-request';
import { roleSessionName } from '../domain/session-name';
import { toActivityFailure } from './aws/errors';
import { SdkIamGateway } from './aws/iam-gateway';
import { PREVIOUS_LABEL, SdkParameterGateway } from './aws/parameter-gateway';
import { SdkSecretsGateway } from './aws/secrets-gateway';
import type { ActivityDeps } from './deps';

const PREVIOUS_STAGE = 'AWSPREVIOUS';

export interface RestoreStoredKeyInput {
  accountId: string;
  userName: string;
  access: Pick<AccessSettings, 'roleName' | 'externalId'>;
  /** The rollback workflow's ID, for the role session name. */
  workflowId: string;
  plan: RollbackPlan;
}

export type RestoreStoredKeyResult = { restored: true } | { restored: false; reason: string };

export function createRollbackActivities(deps: ActivityDeps) {
  return {
    /**
     * Moves the destination's current label back to the previous version, after re-reading, right
     * before, that the plan still holds: the previous key is still Active for this user, and the
     * versions still carry the labels the plan saw. Anything changed: nothing is moved.
     */
    async restorePreviousStoredKey(input: RestoreStoredKeyInput): Promise<RestoreStoredKeyResult> {
      const { plan, userName } = input;
      let step = `re-reading the keys of user ${userName} in account ${input.accountId}`;
      try {
        const clients = deps.aws.member({
          accountId: input.accountId,
          roleName: input.access.roleName,
          sessionName: roleSessionName(input.workflowId),
          ...(input.access.externalId === undefined ? {} : { externalId: input.access.externalId }),
        });
        const keys = await new SdkIamGateway(clients.iam).listAccessKeys(userName);
        const previous = keys.find((k) => k.accessKeyId === plan.previous.accessKeyId);
        if (previous?.status !== 'Active') {
          return {
            restored: false,
            reason:
              `${plan.previous.accessKeyId} is ${previous === undefined ? 'gone' : previous.status} now: ` +
              'it changed since the rollback was planned, so nothing was moved',
          };
        }
        const { kind, name } = plan.location;
        step = `moving the current version of ${kind} ${name} back`;
        const changed = `${kind} ${name} changed since the rollback was planned, so nothing was moved`;
        if (kind === 'secret') {
          const secrets = new SdkSecretsGateway(clients.secrets);
          const described = await secrets.describe(name);
          const previousVersion = described?.versions.find((v) => v.stages.includes(PREVIOUS_STAGE));
          if (previousVersion?.versionId !== plan.previous.versionId)
            return { restored: false, reason: changed };
          const result = await secrets.restorePreviousVersion(name, plan.current.versionId);
          return result.restored
            ? { restored: true }
            : { restored: false, reason: `${changed} (${result.reason})` };
        }
        const parameters = new SdkParameterGateway(clients.ssm);
        const described = await parameters.describe(name);
        const previousVersion = described?.versions.find((v) => v.labels.includes(PREVIOUS_LABEL));
        if (String(previousVersion?.version) !== plan.previous.versionId)
          return { restored: false, reason: changed };
        const result = await parameters.restorePreviousVersion(name, Number(plan.current.versionId));
        return result.restored
          ? { restored: true }
          : { restored: false, reason: `${changed} (${result.reason})` };
      } catch (error) {
        throw toActivityFailure(error, step);
      }
    },
  };
}
