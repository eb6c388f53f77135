/** The IAM group whose members a campaign can exempt (policy.exemptions.groups). */
export const EXEMPTION_GROUP_NAME = 'keywarden-exempt';
