/** Classifies input/output locations: stdin/stdout (`-`), `http(s)://` URLs, `cm://namespace/name`, files. */
import { invalid } from '../errors/index.js';

export interface ConfigMapRef {
  namespace: string;
  name: string;
}

export function isConfigMapUri(s: string): boolean {
  return s.startsWith('cm://');
}

export function isHttpUrl(s: string): boolean {
  return /^https?:\/\//i.test(s);
}

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/**
 * Parses `cm://namespace/name`. The namespace must be a DNS-1123 label (≤ 63 chars) and the name a
 * DNS-1123 subdomain (≤ 253 chars), as Kubernetes requires for ConfigMaps.
 */
export function parseConfigMapUri(uri: string): ConfigMapRef {
  if (!isConfigMapUri(uri)) {
    throw invalid(`invalid ConfigMap URI "${uri}": must start with cm:// (cm://namespace/name)`);
  }
  const rest = uri.slice('cm://'.length);
  const slash = rest.indexOf('/');
  if (slash < 0) throw invalid(`invalid ConfigMap URI "${uri}": expected cm://namespace/name`);
  const namespace = rest.slice(0, slash).trim();
  const name = rest.slice(slash + 1).trim();
  if (!namespace || !name) {
    throw invalid(`invalid ConfigMap URI "${uri}": namespace and name cannot be empty (cm://namespace/name)`);
  }
  if (namespace.length > 63 || !DNS1123_LABEL.test(namespace)) {
    throw invalid(
      `invalid ConfigMap URI "${uri}": namespace "${namespace}" must be a DNS-1123 label (lowercase letters, digits and '-', starting and ending with a letter or digit, at most 63 characters)`,
    );
  }
  if (name.length > 253 || !DNS1123_SUBDOMAIN.test(name)) {
    throw invalid(
      `invalid ConfigMap URI "${uri}": name "${name}" must be a DNS-1123 subdomain (lowercase letters, digits, '-' and '.', starting and ending with a letter or digit, at most 253 characters)`,
    );
  }
  return { namespace, name };
}
