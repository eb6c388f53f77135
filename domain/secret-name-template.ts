const PLACEHOLDER = /\{([^{}]*)\}/g;
const ALLOWED_PLACEHOLDERS = new Set(['userName', 'accountId']);

/** What is wrong with a secret or parameter name template, or undefined when nothing is. */
export function secretNameTemplateProblem(template: string): string | undefined {
  for (const match of template.matchAll(PLACEHOLDER)) {
    const name = match[1] ?? '';
    if (!ALLOWED_PLACEHOLDERS.has(name)) {
      return `unknown placeholder {${name.slice(0, 32)}}: only {userName} and {accountId} are allowed`;
    }
  }
  const literal = template.replace(PLACEHOLDER, '');
  if (/[{}]/.test(literal))
    return 'unbalanced "{" or "}": placeholders are written {userName} or {accountId}';
  if (!/^[\w/+=.@-]*$/.test(literal)) {
    return 'a secret name may only contain letters, digits and /_+=.@-, plus the placeholders {userName} and {accountId}';
  }
  if (!template.includes('{userName}')) {
    return 'the template must contain {userName} so each IAM user gets its own secret, e.g. "keywarden/{accountId}/{userName}"';
  }
  return undefined;
}

export function renderSecretName(template: string, values: { userName: string; accountId: string }): string {
  return template.replace(PLACEHOLDER, (whole, name: string) => {
    if (name === 'userName') return values.userName;
    if (name === 'accountId') return values.accountId;
    return whole;
  });
}
