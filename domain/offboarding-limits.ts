/** Accounts searched and contained at once, unless the request says otherwise. */
export const ACCOUNTS_IN_FLIGHT_DEFAULT = 20;
export const ACCOUNTS_IN_FLIGHT_MAX = 200;
/** Matching users contained at once within one account (IAM throttles each account on its own). */
export const USERS_IN_FLIGHT_PER_ACCOUNT_DEFAULT = 5;
export const USERS_IN_FLIGHT_PER_ACCOUNT_MAX = 20;
