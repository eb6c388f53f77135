export { orgAccounts } from './org-accounts';
export { rotationCampaign } from './rotation-campaign';
export { accountRotation } from './account-rotation';
export { keyRotation } from './key-rotation';
export { offboardEmployee } from './offboard-employee';
export { attachScp } from './attach-scp';
