/** One revocation per key: a second request finds the running one instead of starting another. */
export function revokeWorkflowId(accessKeyId: string): string {
  return `revoke-${accessKeyId}`;
}
