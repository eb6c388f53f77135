export { orgAccounts } from './org-accounts';
export { rotationCampaign } from './rotation-campaign';
export { accountRotation } from './account-rotation';
export { keyRotation } from './key-rotation';
export { offboardEmployee } from './offboard-employee';
export { monitorKeys } from './monitor-keys';
export { monitorQueueCheck } from './monitor-queue-check';
