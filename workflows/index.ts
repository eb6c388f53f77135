export { orgAccounts } from './org-accounts';
export { rotationCampaign } from './rotation-campaign';
export { accountRotation } from './account-rotation';
export { keyRotation } from './key-rotation';
export { offboardEmployee } from './offboard-employee';
export { revokeKey } from './revoke-key';
export { keyLookup } from './key-lookup';
