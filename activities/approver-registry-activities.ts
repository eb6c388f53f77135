import { NO_REGISTRY, type ApproverRegistry } from '../domain/approver-registry';
import type { ActivityDeps } from './deps';

/** The approver key registry the worker was started with (public keys only). */
export function createApproverRegistryActivities(deps: ActivityDeps) {
  return {
    approverRegistry(): Promise<ApproverRegistry> {
      return Promise.resolve(deps.approverRegistry ?? NO_REGISTRY);
    },
  };
}
