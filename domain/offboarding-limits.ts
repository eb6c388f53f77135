/**
 * Accounts searched and contained at once, unless the request says otherwise: four activities of
 * ten accounts. Each account is its own IAM throttling scope, so the limit is the worker's and the
 * management account's STS, not IAM's. Workflow code reads it (guarded by patched()).
 */
export const ACCOUNTS_IN_FLIGHT_DEFAULT = 40;
export const ACCOUNTS_IN_FLIGHT_MAX = 200;
/** Matching users contained at once within one account (IAM throttles each account on its own). */
export const USERS_IN_FLIGHT_PER_ACCOUNT_DEFAULT = 5;
export const USERS_IN_FLIGHT_PER_ACCOUNT_MAX = 20;
/**
 * Accounts one containment activity searches and contains together (at most the request's
 * accountsInFlight): one activity dispatch and workflow task for ten accounts instead of one
 * each. Workflow code reads it: changing it changes the commands of new runs (guard with patched()).
 */
export const ACCOUNTS_PER_CONTAINMENT_BATCH = 10;
