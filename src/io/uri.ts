/**
 * Classifies input/output locations: stdin/stdout (`-`), `http(s)://` URLs, `cm://namespace/name`, files.
 * Any other `scheme://` (s3://, gs://, file://, oci://, …) is refused, never taken as a local path.
 */
import { invalid } from '../errors/index.js';
import { dns1123Rule, isDns1123 } from '../util/names.js';
import { redactUrls } from '../util/escape.js';

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
  if (!isDns1123(namespace, 'label')) {
    throw invalid(`invalid ConfigMap URI "${uri}": namespace "${namespace}" ${dns1123Rule('label')}`);
  }
  if (!isDns1123(name, 'subdomain')) {
    throw invalid(`invalid ConfigMap URI "${uri}": name "${name}" ${dns1123Rule('subdomain')}`);
  }
  return { namespace, name };
}

/** Forms an input location may take, for messages. */
export const INPUT_FORMS = 'a file path, - for stdin, an http(s):// URL or cm://namespace/name';
/** Forms an output location may take, for messages. */
export const OUTPUT_FORMS = 'a file path, - for stdout or cm://namespace/name';

/** The lower-cased scheme of a `scheme://…` location, or undefined for a path or `-`. */
export function schemeOf(location: string): string | undefined {
  const m = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\//.exec(location);
  return m ? m[1]!.toLowerCase() : undefined;
}

/** `location` as it may be printed or written into a document: URL credentials and query redacted. */
export function displayLocation(location: string): string {
  return redactUrls(location);
}

/**
 * Refuses an input location with a scheme aicr cannot read (exit 2, naming the supported forms).
 * `what` names the input ("recipe", "snapshot") or the flag.
 */
export function checkInputLocation(location: string, what: string): void {
  const scheme = schemeOf(location);
  if (scheme === undefined || scheme === 'http' || scheme === 'https' || scheme === 'cm') return;
  throw invalid(
    `cannot read ${what} from "${displayLocation(location)}": the ${scheme}:// scheme is not supported; ` +
      `use ${INPUT_FORMS}` +
      (scheme === 'file' ? ' (for file:///path, give the path itself)' : ''),
  );
}

/** Refuses an output location aicr cannot write (exit 2, naming the supported forms). */
export function checkOutputLocation(location: string, what: string): void {
  const scheme = schemeOf(location);
  if (scheme === undefined || scheme === 'cm') return;
  const why =
    scheme === 'http' || scheme === 'https'
      ? 'URLs are read-only'
      : `the ${scheme}:// scheme is not supported`;
  throw invalid(
    `cannot write ${what} to "${displayLocation(location)}": ${why}; use ${OUTPUT_FORMS}` +
      (scheme === 'file' ? ' (for file:///path, give the path itself)' : ''),
  );
}

/**
 * Parses an http(s) URL given as an input (exit 2 when malformed). A URL carrying credentials
 * (`user:password@host`) is refused: aicr sends no credentials, and refusing keeps them out of logs and
 * documents. Query strings are allowed (signed URLs) and redacted wherever the URL is printed.
 */
export function parseHttpUrl(location: string, what: string): URL {
  let url: URL;
  try {
    url = new URL(location);
  } catch {
    throw invalid(
      `invalid URL for ${what}: "${displayLocation(location)}" (expected http(s)://host[:port]/path)`,
    );
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || !url.hostname) {
    throw invalid(
      `invalid URL for ${what}: "${displayLocation(location)}" (expected http(s)://host[:port]/path)`,
    );
  }
  if (url.username || url.password) {
    throw invalid(
      `URL for ${what} "${displayLocation(location)}" contains credentials (user:password@); ` +
        'aicr does not send them and refuses to carry them: remove them (use a signed URL or a file instead)',
    );
  }
  return url;
}

/** Refuses a `scheme://` value for a flag that takes a local path only (`--data`), exit 2. */
export function checkLocalPath(value: string, flag: string): void {
  const scheme = schemeOf(value);
  if (scheme === undefined) return;
  throw invalid(
    `${flag} "${displayLocation(value)}": the ${scheme}:// scheme is not supported; ${flag} takes a local directory path`,
  );
}
