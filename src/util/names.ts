/**
 * The one DNS-1123 name check (Kubernetes object names, namespaces, component names).
 * A label is at most 63 characters of lowercase letters, digits and '-', starting and ending with a
 * letter or digit; a subdomain is dot-separated labels, at most 253 characters.
 */
export type Dns1123Kind = 'label' | 'subdomain';

const LABEL = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const PATTERN: Record<Dns1123Kind, RegExp> = {
  label: new RegExp(`^${LABEL}$`),
  subdomain: new RegExp(`^${LABEL}(\\.${LABEL})*$`),
};
export const DNS1123_MAX: Record<Dns1123Kind, number> = { label: 63, subdomain: 253 };

export function isDns1123(value: string, kind: Dns1123Kind): boolean {
  return value.length <= DNS1123_MAX[kind] && PATTERN[kind].test(value);
}

/** `must be a DNS-1123 label (lowercase letters, …, at most 63 characters)`, for error messages. */
export function dns1123Rule(kind: Dns1123Kind): string {
  const chars =
    kind === 'subdomain' ? "lowercase letters, digits, '-' and '.'" : "lowercase letters, digits and '-'";
  return `must be a DNS-1123 ${kind} (${chars}, starting and ending with a letter or digit, at most ${DNS1123_MAX[kind]} characters)`;
}
