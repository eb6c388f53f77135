/** How the test harness tells test files where the local stack it started listens. */
export const STACK_ENV = {
  temporalAddress: 'KEYWARDEN_TEST_TEMPORAL_ADDRESS',
  temporalNamespace: 'KEYWARDEN_TEST_TEMPORAL_NAMESPACE',
  temporalUiUrl: 'KEYWARDEN_TEST_TEMPORAL_UI_URL',
  awsEndpoint: 'KEYWARDEN_TEST_AWS_ENDPOINT',
  /** One workflow bundle for every test worker: bundling once saves seconds per test file. */
  workflowBundle: 'KEYWARDEN_TEST_WORKFLOW_BUNDLE',
} as const;
