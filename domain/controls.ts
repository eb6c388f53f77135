import type { FindingCode } from './findings';

/**
 * What each finding breaks, in the benchmarks an auditor reads. CIS numbers are those of the CIS
 * AWS Foundations Benchmark v3.0.0 (v1.4.0 and v1.5.0 number these recommendations the same);
 * Security Hub IDs are its consolidated control IDs. A finding without a benchmark control says
 * which practice it follows instead.
 */
export interface ControlMapping {
  /** CIS AWS Foundations Benchmark v3.0.0 recommendation, e.g. '1.14'. */
  cis?: string;
  /** AWS Security Hub control ID, e.g. 'IAM.3'. */
  securityHub?: string;
  /** The practice behind a finding that no numbered control covers. */
  practice?: string;
  severity: 'INFORMATIONAL' | 'LOW' | 'MEDIUM' | 'HIGH' | 'CRITICAL';
  title: string;
}

export const CIS_VERSION = 'v3.0.0';

export const CONTROLS: Readonly<Record<FindingCode, ControlMapping>> = {
  KEY_AGE_OVER_MAX: {
    cis: '1.14',
    securityHub: 'IAM.3',
    severity: 'MEDIUM',
    title: 'Access key is older than the maximum key age',
  },
  KEY_UNUSED_45_DAYS: {
    cis: '1.12',
    securityHub: 'IAM.22',
    severity: 'MEDIUM',
    title: 'Access key unused for more than 45 days',
  },
  KEY_UNUSED_90_DAYS: {
    securityHub: 'IAM.8',
    severity: 'LOW',
    title: 'Access key unused for more than 90 days',
  },
  TWO_ACTIVE_KEYS: {
    cis: '1.13',
    severity: 'LOW',
    title: 'User has more than one active access key',
  },
  KEY_CREATED_WITH_USER_UNUSED: {
    cis: '1.11',
    severity: 'LOW',
    title: 'Access key created with the user and never used',
  },
  CONSOLE_USER_WITHOUT_MFA: {
    cis: '1.10',
    securityHub: 'IAM.5',
    severity: 'MEDIUM',
    title: 'Console user without MFA',
  },
  ROOT_ACCESS_KEYS_PRESENT: {
    cis: '1.4',
    securityHub: 'IAM.4',
    severity: 'CRITICAL',
    title: 'Root user access keys present',
  },
  PASSWORD_AND_ACCESS_KEYS: {
    practice:
      'IAM best practice: people sign in to the console, workloads use roles; one user should not hold both',
    severity: 'LOW',
    title: 'User has both a console password and access keys',
  },
  EXEMPT: {
    practice: 'an exemption of the campaign policy, noted for the auditor',
    severity: 'INFORMATIONAL',
    title: 'Exempt from rotation by policy',
  },
};

/** The control labels a report shows for a finding, e.g. ['CIS 1.14', 'SecurityHub IAM.3']. */
export function controlLabels(code: FindingCode): string[] {
  const { cis, securityHub } = CONTROLS[code];
  return [
    ...(cis === undefined ? [] : [`CIS ${cis}`]),
    ...(securityHub === undefined ? [] : [`SecurityHub ${securityHub}`]),
  ];
}

/** The access-key controls a campaign report always counts, in the order of its per-control table. */
export const KEY_CONTROL_CODES: readonly FindingCode[] = [
  'KEY_CREATED_WITH_USER_UNUSED',
  'KEY_UNUSED_45_DAYS',
  'TWO_ACTIVE_KEYS',
  'KEY_AGE_OVER_MAX',
  'KEY_UNUSED_90_DAYS',
];

/** Controls about principals (MFA, root keys): counted when the inventory looked for them. */
export const PRINCIPAL_CONTROL_CODES: readonly FindingCode[] = [
  'CONSOLE_USER_WITHOUT_MFA',
  'ROOT_ACCESS_KEYS_PRESENT',
];

/** Findings that only an active key can have: a key deactivated or deleted no longer has them. */
export const ACTIVE_KEY_ONLY_CODES: readonly FindingCode[] = [
  'KEY_AGE_OVER_MAX',
  'KEY_UNUSED_45_DAYS',
  'KEY_UNUSED_90_DAYS',
  'TWO_ACTIVE_KEYS',
];
