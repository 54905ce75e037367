/**
 * Reading inputs from a file, stdin (`-`), an HTTP(S) URL or a ConfigMap (`cm://namespace/name`).
 *
 * HTTP(S): GET with a 30 s total timeout (env AICR_HTTP_TIMEOUT overrides it), at most 5 redirects, a
 * body cap (default 16 MiB), status checked (404 → not found, 401/403 → unauthorized, others →
 * unavailable); every error names the URL.
 * Plain `http://` logs a warning.
 */
import { readFile, stat } from 'node:fs/promises';
import { AicrError, invalid, notFound, timeout, unavailable, unauthorized } from '../errors/index.js';
import { log } from '../logging/logger.js';
import { configMapStore, pickDocumentKey } from './configmap.js';
import { formatFromName, parseDocument, type DocFormat } from './document.js';
import { isConfigMapUri, isHttpUrl, parseConfigMapUri } from './uri.js';
import { parseDuration } from '../util/duration.js';

export const HTTP_TIMEOUT_MS = 30_000;
/** Overrides the 30 s HTTP(S) time limit: `500ms`, `10s`, `2m`, or a bare number of seconds. */
export const HTTP_TIMEOUT_ENV = 'AICR_HTTP_TIMEOUT';
export const HTTP_MAX_BYTES = 16 * 1024 * 1024;
export const HTTP_MAX_REDIRECTS = 5;
export const FILE_MAX_BYTES = 64 * 1024 * 1024;

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

async function readStdin(what: string): Promise<string> {
  if (process.stdin.isTTY) {
    throw invalid(`cannot read ${what} from stdin ("-"): stdin is a terminal; pipe a document into aicr`);
  }
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

async function readLocalFile(file: string, what: string): Promise<string> {
  try {
    const st = await stat(file);
    if (st.isDirectory()) throw invalid(`${what} "${file}" is a directory, expected a file`);
    if (st.size > FILE_MAX_BYTES) {
      throw invalid(`${what} "${file}" is too large (${st.size} bytes, max ${FILE_MAX_BYTES})`);
    }
    return await readFile(file, 'utf8');
  } catch (err) {
    if (err instanceof AicrError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw notFound(`${what} file not found: ${file}`);
    if (code === 'EACCES' || code === 'EPERM')
      throw unauthorized(`permission denied reading ${what} file: ${file}`);
    throw invalid(`cannot read ${what} file ${file}: ${(err as Error).message}`);
  }
}

function describeFetchError(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  if (cause?.code) return `${cause.code}${cause.message ? ` (${cause.message})` : ''}`;
  return (err as Error).message;
}

/** The HTTP(S) time limit from AICR_HTTP_TIMEOUT, or undefined when unset. */
export function httpTimeoutFromEnv(): number | undefined {
  const raw = process.env[HTTP_TIMEOUT_ENV]?.trim();
  if (!raw) return undefined;
  return parseDuration(raw, `environment variable ${HTTP_TIMEOUT_ENV}`, {
    bareSeconds: true,
    positive: true,
    hint: '(e.g. 500ms, 10s or 2m; default 30s)',
  });
}

/** GET a URL with redirect, time and size limits. */
export async function fetchUrl(
  url: string,
  what: string,
  opts: { timeoutMs?: number; maxBytes?: number } = {},
): Promise<string> {
  const timeoutMs = opts.timeoutMs ?? httpTimeoutFromEnv() ?? HTTP_TIMEOUT_MS;
  const maxBytes = opts.maxBytes ?? HTTP_MAX_BYTES;
  if (url.toLowerCase().startsWith('http://')) {
    log().warn(`reading ${what} over plain HTTP; the document is not protected in transit`, { url });
  }
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  let current = url;
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
        if (controller.signal.aborted) {
          throw timeout(`timed out after ${timeoutMs / 1000}s fetching ${what} from ${url}`);
        }
        throw unavailable(`cannot reach ${url} to fetch ${what}: ${describeFetchError(err)}`);
      }
      if (res.status >= 300 && res.status < 400 && res.headers.get('location')) {
        await res.body?.cancel();
        if (hop >= HTTP_MAX_REDIRECTS) {
          throw unavailable(
            `too many redirects (more than ${HTTP_MAX_REDIRECTS}) fetching ${what} from ${url}`,
          );
        }
        current = new URL(res.headers.get('location')!, current).toString();
        continue;
      }
      if (!res.ok) {
        await res.body?.cancel();
        const msg = `HTTP ${res.status} fetching ${what} from ${url}`;
        if (res.status === 404 || res.status === 410) throw notFound(msg);
        if (res.status === 401 || res.status === 403) throw unauthorized(msg);
        throw unavailable(msg);
      }
      const declared = Number(res.headers.get('content-length') ?? NaN);
      if (Number.isFinite(declared) && declared > maxBytes) {
        await res.body?.cancel();
        throw invalid(`${what} at ${url} is too large (${declared} bytes, max ${maxBytes})`);
      }
      const chunks: Uint8Array[] = [];
      let total = 0;
      try {
        for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
          total += chunk.length;
          if (total > maxBytes) {
            controller.abort();
            throw invalid(`${what} at ${url} is too large (more than ${maxBytes} bytes)`);
          }
          chunks.push(chunk);
        }
      } catch (err) {
        if (err instanceof AicrError) throw err;
        if (controller.signal.aborted) {
          throw timeout(`timed out after ${timeoutMs / 1000}s fetching ${what} from ${url}`);
        }
        throw unavailable(`connection lost fetching ${what} from ${url}: ${describeFetchError(err)}`);
      }
      return Buffer.concat(chunks).toString('utf8');
    }
  } finally {
    clearTimeout(timer);
  }
}

/** Reads the raw text of an input location. */
export async function readSource(location: string, opts: ReadOptions): Promise<SourceText> {
  const what = opts.what;
  if (location === '-') return { text: await readStdin(what), location: 'stdin' };
  if (isHttpUrl(location)) {
    const text = await fetchUrl(location, what, opts);
    const f = formatFromName(new URL(location).pathname);
    return { text, format: f === 'table' ? undefined : f, location };
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
    return { text: data[picked.key], format: picked.format, location };
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
