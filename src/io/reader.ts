/**
 * Reading inputs from a file, stdin (`-`), an HTTP(S) URL or a ConfigMap (`cm://namespace/name`).
 *
 * Every source is bounded, and the limit is checked while reading (a counting cap), so pipes,
 * character devices, FIFOs and process substitutions (`/dev/fd/N`) are capped as well as regular files:
 * files and stdin 64 MiB, HTTP(S) bodies 16 MiB, a ConfigMap's document 1 MiB (what a ConfigMap can
 * hold). Going over a limit is bad input (exit 2) naming the source and the limit.
 *
 * HTTP(S): GET with a 30 s total timeout (env AICR_HTTP_TIMEOUT overrides it), at most 5 redirects
 * (never to another scheme except http → https), status checked (404 → not found, 401/403 →
 * unauthorized, others → unavailable; 204 or an empty body → bad input); every error names the URL
 * with credentials and query string redacted. A URL with `user:password@` is refused. Plain
 * `http://` logs a warning.
 *
 * S3 (`s3://bucket/key`): read through the AWS SDK (src/io/s3.ts, loaded only then), 64 MiB cap,
 * 5 min limit. Any other `scheme://` is refused (exit 2) naming the supported forms.
 */
import {
  closeSync,
  constants as fsConstants,
  createReadStream,
  fstatSync,
  openSync,
  readSync,
  statSync,
} from 'node:fs';
import { AicrError, invalid, notFound, timeout, unavailable, unauthorized } from '../errors/index.js';
import { log } from '../logging/logger.js';
import { configMapStore, pickDocumentKey } from './configmap.js';
import { formatFromName, parseDocument, type DocFormat } from './document.js';
import { CONFIGMAP_MAX_BYTES } from './limits.js';
import {
  checkInputLocation,
  displayLocation,
  isConfigMapUri,
  isHttpUrl,
  isS3Uri,
  parseConfigMapUri,
  parseHttpUrl,
} from './uri.js';
import { httpTimeoutFromEnv } from '../util/env.js';
import { setAttrs, span } from '../telemetry/trace.js';

// fs.stat rather than node:fs/promises, which loads a dozen internal modules at start-up (decision 15).

export const HTTP_TIMEOUT_MS = 30_000;
export const HTTP_MAX_BYTES = 16 * 1024 * 1024;
export const HTTP_MAX_REDIRECTS = 5;
/** Files, devices, FIFOs and process substitutions. */
export const FILE_MAX_BYTES = 64 * 1024 * 1024;
/** stdin (`-`). */
export const STDIN_MAX_BYTES = FILE_MAX_BYTES;

export interface ReadOptions {
  /** What the input is, for messages: "recipe", "snapshot", "criteria". */
  what: string;
  kubeconfig?: string;
  timeoutMs?: number;
  maxBytes?: number;
  /** Document kinds to look for in a ConfigMap (e.g. ["recipe"]). */
  kinds?: string[];
}

export interface SourceText {
  text: string;
  /** Format known from the location (extension or ConfigMap key), if any. */
  format?: DocFormat;
  location: string;
}

/** `1048576 bytes (1 MiB)` */
export function describeLimit(bytes: number): string {
  const mib = bytes / (1024 * 1024);
  return Number.isInteger(mib) ? `${bytes} bytes (${mib} MiB)` : `${bytes} bytes`;
}

function tooLarge(subject: string, limit: number, kind: string, size?: number): AicrError {
  const got = size === undefined ? '' : `${size} bytes, `;
  return invalid(`${subject} is too large: ${got}more than ${describeLimit(limit)}, the limit for ${kind}`);
}

/**
 * Reads a stream to its end, failing as soon as more than `limit` bytes arrived (leaving the loop
 * destroys a Node stream and cancels a web stream, so nothing more is read).
 */
async function readCapped(
  stream: AsyncIterable<Uint8Array | string>,
  limit: number,
  onTooLarge: () => AicrError,
): Promise<string> {
  const chunks: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of stream) {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    total += buf.length;
    if (total > limit) throw onTooLarge();
    chunks.push(buf);
  }
  return Buffer.concat(chunks).toString('utf8');
}

async function readStdin(what: string): Promise<string> {
  if (process.stdin.isTTY) {
    throw invalid(`cannot read ${what} from stdin ("-"): stdin is a terminal; pipe a document into aicr`);
  }
  return readCapped(process.stdin, STDIN_MAX_BYTES, () =>
    tooLarge(`${what} from stdin`, STDIN_MAX_BYTES, 'stdin'),
  );
}

/**
 * A regular file read in place (no stream machinery to load: start-up cost), within `limit` bytes
 * counted while reading (a file may grow after its stat). undefined when the path is no longer a
 * regular file once opened (non-blocking, so a FIFO put there meanwhile cannot hang the open).
 */
function readRegularFile(file: string, limit: number, onTooLarge: () => AicrError): string | undefined {
  const fd = openSync(file, fsConstants.O_RDONLY | fsConstants.O_NONBLOCK);
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) return undefined;
    if (st.size > limit) throw onTooLarge();
    // One more byte than the size: a file that grew is noticed (and /proc files report size 0).
    let buf = Buffer.allocUnsafe(Math.max(st.size + 1, 4096));
    let n = 0;
    for (;;) {
      if (n === buf.length) {
        const bigger = Buffer.allocUnsafe(Math.min(buf.length * 2, limit + 1));
        buf.copy(bigger, 0, 0, n);
        buf = bigger;
      }
      const r = readSync(fd, buf, n, buf.length - n, null);
      if (r === 0) break;
      n += r;
      if (n > limit) throw onTooLarge();
    }
    return buf.toString('utf8', 0, n);
  } finally {
    closeSync(fd);
  }
}

/** True for `/dev/stdin`, `/dev/fd/0`, `/proc/self/fd/0`. */
function isStdinPath(file: string): boolean {
  return file === '/dev/stdin' || /^\/(?:dev|proc\/self)\/fd\/0$/.test(file);
}

/** A local file, device, FIFO or process substitution as text, within FILE_MAX_BYTES (not found = exit 3). */
export async function readLocalFile(file: string, what: string): Promise<string> {
  const subject = `${what} "${file}"`;
  try {
    // stat follows symlinks: a link to a file is read, a link to a directory refused. (Synchronous:
    // a local stat needs no thread pool, which costs start-up time.)
    const st = statSync(file);
    if (st.isDirectory()) throw invalid(`${subject} is a directory, expected a file`);
    if (st.isFile() && st.size > FILE_MAX_BYTES) {
      throw tooLarge(subject, FILE_MAX_BYTES, 'files', st.size);
    }
    // Devices, FIFOs and process substitutions (/dev/fd/N) have no useful size: the read itself counts.
    const kind = st.isFile() ? 'files' : 'files, devices and pipes';
    const onTooLarge = () => tooLarge(subject, FILE_MAX_BYTES, kind);
    if (st.isFile()) {
      const text = readRegularFile(file, FILE_MAX_BYTES, onTooLarge);
      if (text !== undefined) return text;
    }
    try {
      return await readCapped(createReadStream(file, { highWaterMark: 1 << 20 }), FILE_MAX_BYTES, onTooLarge);
    } catch (err) {
      // A socket behind /dev/stdin cannot be opened again (ENXIO): read stdin itself.
      if ((err as NodeJS.ErrnoException).code !== 'ENXIO' || !isStdinPath(file)) throw err;
      return await readCapped(process.stdin, STDIN_MAX_BYTES, onTooLarge);
    }
  } catch (err) {
    if (err instanceof AicrError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw notFound(`${what} file not found: ${file}`);
    if (code === 'EACCES' || code === 'EPERM')
      throw unauthorized(`permission denied reading ${what} file: ${file}`);
    if (code === 'EISDIR') throw invalid(`${subject} is a directory, expected a file`);
    throw invalid(`cannot read ${what} file ${file}: ${(err as Error).message}`);
  }
}

/** The real reason behind undici's generic "fetch failed": the cause's code and message. */
function describeFetchError(err: unknown): string {
  let cause = (err as { cause?: { code?: string; message?: string; errors?: unknown[] } }).cause;
  // Several addresses tried (happy eyeballs): the first one's reason.
  if (cause && !cause.code && Array.isArray(cause.errors) && cause.errors.length) {
    cause = cause.errors[0] as typeof cause;
  }
  if (cause?.code) return `${cause.code}${cause.message ? ` (${cause.message})` : ''}`;
  if (cause?.message) return cause.message;
  return (err as Error).message;
}

/** GET a URL with redirect, time and size limits (a span `HTTP GET` with `--trace`). */
export function fetchUrl(
  url: string,
  what: string,
  opts: { timeoutMs?: number; maxBytes?: number } = {},
): Promise<string> {
  return span(
    'HTTP GET',
    { 'http.request.method': 'GET', 'url.full': displayLocation(url), 'aicr.input': what },
    () => fetchUrlUntraced(url, what, opts),
  );
}

async function fetchUrlUntraced(
  url: string,
  what: string,
  opts: { timeoutMs?: number; maxBytes?: number },
): Promise<string> {
  const timeoutMs = opts.timeoutMs ?? httpTimeoutFromEnv() ?? HTTP_TIMEOUT_MS;
  const maxBytes = opts.maxBytes ?? HTTP_MAX_BYTES;
  const shown = displayLocation(url);
  let current = parseHttpUrl(url, what);
  if (current.protocol === 'http:') {
    log().warn(`reading ${what} over plain HTTP; the document is not protected in transit`, { url: shown });
  }
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  const timedOut = () => timeout(`timed out after ${timeoutMs / 1000}s fetching ${what} from ${shown}`);
  try {
    for (let hop = 0; ; hop++) {
      let res: Response;
      try {
        res = await fetch(current, {
          redirect: 'manual',
          signal: controller.signal,
          headers: { 'user-agent': 'aicr', accept: 'application/yaml, application/json, text/plain, */*' },
        });
      } catch (err) {
        if (controller.signal.aborted) throw timedOut();
        throw unavailable(`cannot reach ${shown} to fetch ${what}: ${describeFetchError(err)}`);
      }
      setAttrs({ 'http.response.status_code': res.status, 'aicr.redirects': hop });
      if (res.status >= 300 && res.status < 400 && res.headers.get('location')) {
        await res.body?.cancel();
        if (hop >= HTTP_MAX_REDIRECTS) {
          throw unavailable(
            `too many redirects (more than ${HTTP_MAX_REDIRECTS}) fetching ${what} from ${shown}`,
          );
        }
        current = redirectTarget(current, res.headers.get('location')!, what, shown);
        continue;
      }
      if (!res.ok) {
        await res.body?.cancel();
        const msg = `HTTP ${res.status} fetching ${what} from ${shown}`;
        if (res.status === 404 || res.status === 410) throw notFound(msg);
        if (res.status === 401 || res.status === 403) throw unauthorized(msg);
        throw unavailable(msg);
      }
      if (res.status === 204 || res.status === 205) {
        await res.body?.cancel();
        throw invalid(`${what} at ${shown}: the server returned no content (HTTP ${res.status})`);
      }
      const declared = Number(res.headers.get('content-length') ?? NaN);
      if (Number.isFinite(declared) && declared > maxBytes) {
        await res.body?.cancel();
        throw tooLarge(`${what} at ${shown}`, maxBytes, 'HTTP(S) bodies', declared);
      }
      let text: string;
      try {
        text = res.body
          ? await readCapped(res.body as unknown as AsyncIterable<Uint8Array>, maxBytes, () => {
              controller.abort();
              return tooLarge(`${what} at ${shown}`, maxBytes, 'HTTP(S) bodies');
            })
          : '';
      } catch (err) {
        if (err instanceof AicrError) throw err;
        if (controller.signal.aborted) throw timedOut();
        throw unavailable(`connection lost fetching ${what} from ${shown}: ${describeFetchError(err)}`);
      }
      if (text.trim() === '') {
        throw invalid(`${what} at ${shown} is empty (HTTP ${res.status} with an empty body)`);
      }
      setAttrs({ 'aicr.bytes': Buffer.byteLength(text) });
      return text;
    }
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The next URL of a redirect. Refused (exit 2): a malformed Location, a scheme other than http(s), a
 * downgrade from https to http, credentials in the target. An upgrade from http to https is followed.
 */
function redirectTarget(from: URL, location: string, what: string, shown: string): URL {
  let next: URL;
  try {
    next = new URL(location, from);
  } catch {
    throw invalid(
      `${what} at ${shown}: the server redirected to a malformed URL "${displayLocation(location)}"`,
    );
  }
  const target = displayLocation(next.toString());
  if (next.protocol !== 'http:' && next.protocol !== 'https:') {
    throw invalid(`${what} at ${shown}: refusing a redirect to ${target} (only http and https are read)`);
  }
  if (from.protocol === 'https:' && next.protocol === 'http:') {
    throw invalid(`${what} at ${shown}: refusing a redirect from https to plain http (${target})`);
  }
  if (next.username || next.password) {
    throw invalid(`${what} at ${shown}: refusing a redirect to a URL with credentials (${target})`);
  }
  return next;
}

/** Reads the raw text of an input location. */
export async function readSource(location: string, opts: ReadOptions): Promise<SourceText> {
  const what = opts.what;
  if (location === '-') return { text: await readStdin(what), location: 'stdin' };
  checkInputLocation(location, what);
  if (isHttpUrl(location)) {
    const text = await fetchUrl(location, what, opts);
    const f = formatFromName(new URL(location).pathname);
    return { text, format: f === 'table' ? undefined : f, location: displayLocation(location) };
  }
  if (isS3Uri(location)) {
    const { readS3Object } = await import('./s3.js');
    const text = await readS3Object(location, what, opts.maxBytes);
    const f = formatFromName(location);
    return { text, format: f === 'table' ? undefined : f, location: displayLocation(location) };
  }
  if (isConfigMapUri(location)) {
    const ref = parseConfigMapUri(location);
    const store = await configMapStore();
    const data = await store.read(ref, { kubeconfig: opts.kubeconfig });
    const picked = pickDocumentKey(data, opts.kinds ?? [what]);
    if (!picked) {
      const keys = [...new Set([`${(opts.kinds ?? [what])[0]}.yaml`, 'snapshot.yaml', 'recipe.yaml'])];
      throw notFound(
        `ConfigMap ${ref.namespace}/${ref.name} has no ${what} data (looked for keys like ${keys.join(', ')})`,
      );
    }
    const text = data[picked.key]!;
    const size = Buffer.byteLength(text);
    if (size > CONFIGMAP_MAX_BYTES) {
      throw tooLarge(
        `${what} in ConfigMap ${ref.namespace}/${ref.name} (key ${picked.key})`,
        CONFIGMAP_MAX_BYTES,
        'ConfigMaps',
        size,
      );
    }
    return { text, format: picked.format, location };
  }
  const f = formatFromName(location);
  if (f === 'table') {
    throw invalid(
      `${what} "${location}": the table format cannot be read back; use a .yaml or .json document`,
    );
  }
  return { text: await readLocalFile(location, what), format: f, location };
}

/** Reads and parses a YAML/JSON document from any input location. */
export async function readDocument(
  location: string,
  opts: ReadOptions,
): Promise<{ doc: unknown; location: string }> {
  const src = await readSource(location, opts);
  const name = src.location === 'stdin' ? `${opts.what} from stdin` : `${opts.what} ${src.location}`;
  return { doc: parseDocument(src.text, name, src.format), location: src.location };
}
