/**
 * Classifies input/output locations: stdin/stdout (`-`), `http(s)://` URLs, `cm://namespace/name`,
 * `s3://bucket/key`, files. Any other `scheme://` (gs://, file://, oci://, …) is refused, never taken as
 * a local path.
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

export function isS3Uri(s: string): boolean {
  return /^s3:\/\//i.test(s);
}

export interface S3Ref {
  bucket: string;
  /** Object key (for a bundle: the prefix, '' or ending in '/'). */
  key: string;
}

/**
 * Parses `s3://bucket/key` (exit 2 when malformed): a bucket name as S3 allows it (3–63 characters of
 * lower-case letters, digits, dots and hyphens; path-style stores accept upper case and underscores,
 * so those are let through too) and a key of at most 1024 bytes without control characters. With
 * `prefix`, the key may be empty and is given a trailing `/`; otherwise it names one object.
 */
export function parseS3Uri(uri: string, what: string, opts: { prefix?: boolean } = {}): S3Ref {
  const bad = (why: string) =>
    invalid(`invalid S3 location for ${what} "${displayLocation(uri)}": ${why} (expected s3://bucket/key)`);
  if (!isS3Uri(uri)) throw bad('must start with s3://');
  const rest = uri.slice('s3://'.length);
  const slash = rest.indexOf('/');
  const bucket = slash < 0 ? rest : rest.slice(0, slash);
  let key = slash < 0 ? '' : rest.slice(slash + 1);
  if (!/^[a-zA-Z0-9][a-zA-Z0-9._-]{1,61}[a-zA-Z0-9]$/.test(bucket)) {
    throw bad(`bucket "${bucket}" must be 3–63 letters, digits, dots or hyphens`);
  }
  // eslint-disable-next-line no-control-regex
  if (/[?#]/.test(key) || /[\u0000-\u001f\u007f]/.test(key)) {
    throw bad('the key may not contain ?, # or control characters');
  }
  if (Buffer.byteLength(key) > 1024) throw bad('the key is longer than 1024 bytes');
  if (key.split('/').some((seg) => seg === '..' || seg === '.'))
    throw bad('the key may not contain . or .. segments');
  if (opts.prefix) {
    if (key !== '' && !key.endsWith('/')) key += '/';
    if (key.startsWith('/')) throw bad('the prefix may not start with /');
  } else if (key === '' || key.endsWith('/')) {
    throw bad('the key names a folder; give an object key such as s3://bucket/path/snapshot.yaml');
  }
  return { bucket, key };
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
export const INPUT_FORMS =
  'a file path, - for stdin, an http(s):// URL, cm://namespace/name or s3://bucket/key';
/** Forms an output location may take, for messages. */
export const OUTPUT_FORMS = 'a file path, - for stdout, cm://namespace/name or s3://bucket/key';

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
  if (scheme === undefined || scheme === 'http' || scheme === 'https' || scheme === 'cm' || scheme === 's3')
    return;
  throw invalid(
    `cannot read ${what} from "${displayLocation(location)}": the ${scheme}:// scheme is not supported; ` +
      `use ${INPUT_FORMS}` +
      (scheme === 'file' ? ' (for file:///path, give the path itself)' : ''),
  );
}

/** Refuses an output location aicr cannot write (exit 2, naming the supported forms). */
export function checkOutputLocation(location: string, what: string): void {
  const scheme = schemeOf(location);
  if (scheme === undefined || scheme === 'cm' || scheme === 's3') return;
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
