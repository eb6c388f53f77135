export { orgAccounts } from './org-accounts';
