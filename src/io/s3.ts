/**
 * `s3://bucket/key` inputs and outputs through the official AWS SDK v3 (docs/storage.md).
 *
 * The SDK is loaded only here, and this module only when an s3:// location is used (reader.ts and
 * writer.ts import it dynamically; the build keeps the SDK out of the main bundle).
 *  - Credentials: the SDK's standard chain (environment, shared config/credentials files and profiles,
 *    SSO, web identity, ECS/EC2 roles). aicr never reads, prints or logs them.
 *  - Endpoint: `--s3-endpoint URL`, else `AWS_ENDPOINT_URL_S3`, else `AWS_ENDPOINT_URL`, else AWS. A
 *    custom endpoint is addressed path-style (`http://host:port/bucket/key`), as MinIO, Ceph and the
 *    like expect, and gets checksums only where S3 requires them.
 *  - Region: the SDK's (AWS_REGION, profile); `us-east-1` when none is configured, following S3's
 *    redirects to a bucket's real region.
 *  - Bounds: a read is capped at S3_MAX_BYTES (the file cap) and each operation at S3_TIMEOUT_MS; a
 *    connection that does not open within 10 s counts as unreachable.
 *  - Writes: one object is all-or-nothing for readers (one PutObject, or a multipart upload that is
 *    completed only once every part is there and aborted on failure). Bodies over S3_PART_SIZE go
 *    multipart (lib-storage `Upload`).
 *  - Errors name the s3:// location: no credentials or denied → UNAUTHORIZED (4), no such bucket or
 *    key → NOT_FOUND (3), unreachable (refused, DNS, connect timeout, 5xx) → SERVICE_UNAVAILABLE (6),
 *    the operation's own deadline → TIMEOUT (5), too large → INVALID_REQUEST (2).
 */
import type * as S3Sdk from '@aws-sdk/client-s3';
import type * as LibStorage from '@aws-sdk/lib-storage';
import { AicrError, invalid, notFound, timeout, unauthorized, unavailable } from '../errors/index.js';
import { log } from '../logging/logger.js';
import { importExternal } from '../util/dynamic-import.js';
import { s3EndpointFromEnv } from '../util/env.js';
import { s3EndpointFlag } from './s3-settings.js';
import { displayLocation, parseHttpUrl, parseS3Uri, type S3Ref } from './uri.js';

/** Largest object read (the same cap as files and stdin). */
export const S3_MAX_BYTES = 64 * 1024 * 1024;
/** Time limit of one object operation (read, write, delete, list page). */
export const S3_TIMEOUT_MS = 5 * 60_000;
/** Time to open a connection before the store counts as unreachable. */
export const S3_CONNECT_TIMEOUT_MS = 10_000;
/** Part size of multipart uploads; smaller bodies are one PutObject (5 MiB is S3's minimum part). */
export const S3_PART_SIZE = 5 * 1024 * 1024;
/** Objects uploaded at once by uploadTree. */
export const S3_UPLOAD_CONCURRENCY = 8;

interface Conn {
  sdk: typeof S3Sdk;
  client: S3Sdk.S3Client;
}

let connection: Promise<Conn> | undefined;

/** The endpoint in use (flag, then AWS_ENDPOINT_URL_S3, then AWS_ENDPOINT_URL), checked; undefined = AWS. */
export function s3Endpoint(): string | undefined {
  const flag = s3EndpointFlag();
  const raw = flag ?? s3EndpointFromEnv();
  if (!raw) return undefined;
  const what = flag ? '--s3-endpoint' : 'the S3 endpoint (AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL)';
  const url = parseHttpUrl(raw, what);
  if (url.search || url.hash)
    throw invalid(`${what} "${displayLocation(raw)}" may not have a query or fragment`);
  return url.toString().replace(/\/$/, '');
}

async function connect(): Promise<Conn> {
  const endpoint = s3Endpoint();
  // The SDK warns on stderr, at the first client, that its releases after January 2027 need Node 22;
  // aicr runs on Node 20 with an SDK release line that supports it (package.json pins it), so the
  // warning would only be noise in every command's output. A user's own setting is kept.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const sdk = await importExternal<typeof S3Sdk>('@aws-sdk/client-s3');
  // The region the SDK finds (AWS_REGION, the profile); S3 needs one to sign, and any region reaches
  // a bucket once redirects are followed.
  let region: string;
  const probe = new sdk.S3Client({});
  try {
    region = await probe.config.region();
  } catch {
    region = 'us-east-1';
  } finally {
    probe.destroy();
  }
  const client = new sdk.S3Client({
    region,
    endpoint,
    forcePathStyle: endpoint !== undefined,
    followRegionRedirects: true,
    maxAttempts: 3,
    requestHandler: { connectionTimeout: S3_CONNECT_TIMEOUT_MS, requestTimeout: 60_000 },
    ...(endpoint
      ? { requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' }
      : {}),
  });
  log().debug('S3 client ready', { endpoint: endpoint ?? 'AWS', region });
  return { sdk, client };
}

function conn(): Promise<Conn> {
  connection ??= connect().catch((err) => {
    connection = undefined;
    throw err;
  });
  return connection;
}

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
  'ECONNABORTED',
]);
const DENIED = new Set([
  'AccessDenied',
  'InvalidAccessKeyId',
  'SignatureDoesNotMatch',
  'ExpiredToken',
  'InvalidToken',
  'TokenRefreshRequired',
  'AllAccessDisabled',
  'Forbidden',
  'AccountProblem',
]);

type SdkError = {
  name?: string;
  code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
  cause?: unknown;
  errors?: unknown[];
};

/** The network error code behind an SDK error (own code, cause, or the first of several attempts). */
function networkCode(err: unknown): string | undefined {
  let cur = err as SdkError | undefined;
  for (let i = 0; cur && i < 5; i++) {
    if (cur.code && NETWORK_CODES.has(cur.code)) return cur.code;
    if (Array.isArray(cur.errors) && cur.errors.length) cur = cur.errors[0] as SdkError;
    else cur = cur.cause as SdkError | undefined;
  }
  return undefined;
}

/**
 * Maps an SDK or network error to an AicrError naming `location` (never credentials): see the module
 * comment for the codes. `deadline` is true when aicr's own time limit aborted the operation.
 */
export function s3Error(err: unknown, action: string, location: string, deadline = false): AicrError {
  if (err instanceof AicrError) return err;
  const shown = displayLocation(location);
  const e = (err ?? {}) as SdkError;
  const name = e.name ?? '';
  const status = e.$metadata?.httpStatusCode;
  const detail = (e.message ?? String(err)).split('\n')[0]!.slice(0, 300);
  if (deadline) {
    return timeout(`timed out after ${S3_TIMEOUT_MS / 1000}s ${action} ${shown}`);
  }
  if (name === 'CredentialsProviderError' || /could not load credentials/i.test(detail)) {
    return unauthorized(
      `no AWS credentials found for ${action} ${shown}: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, ` +
        'AWS_PROFILE (~/.aws/config), or run where a web identity, container or instance role is available',
    );
  }
  if (DENIED.has(name) || status === 401 || status === 403) {
    return unauthorized(`access denied ${action} ${shown} (${name || `HTTP ${status}`})`);
  }
  if (name === 'NoSuchBucket') return notFound(`${action} ${shown}: the bucket does not exist`);
  if (name === 'NoSuchKey' || name === 'NotFound' || status === 404) {
    return notFound(`${action} ${shown}: no such object`);
  }
  const net = networkCode(err);
  if (net || name === 'TimeoutError' || name === 'RequestTimeout') {
    return unavailable(`cannot reach the S3 endpoint ${action} ${shown}: ${net ?? name} (${detail})`);
  }
  if (status !== undefined && status >= 500) {
    return unavailable(`the S3 service failed ${action} ${shown}: ${name || `HTTP ${status}`} (${detail})`);
  }
  if (status === 400 || name === 'InvalidBucketName') {
    return invalid(`the S3 service refused ${action} ${shown}: ${name || `HTTP ${status}`} (${detail})`);
  }
  return unavailable(`${action} ${shown} failed: ${name ? `${name}: ` : ''}${detail}`);
}

/** Runs `op` with aicr's deadline, mapping every failure with s3Error. */
async function withDeadline<T>(
  action: string,
  location: string,
  op: (signal: AbortSignal) => Promise<T>,
  onDeadline?: () => void,
): Promise<T> {
  const ctl = new AbortController();
  let expired = false;
  const timer = setTimeout(() => {
    expired = true;
    ctl.abort();
    onDeadline?.();
  }, S3_TIMEOUT_MS);
  try {
    return await op(ctl.signal);
  } catch (err) {
    throw s3Error(err, action, location, expired);
  } finally {
    clearTimeout(timer);
  }
}

function tooLarge(what: string, location: string, size?: number): AicrError {
  const got = size === undefined ? '' : `${size} bytes, `;
  return invalid(
    `${what} at ${displayLocation(location)} is too large: ${got}more than ${S3_MAX_BYTES} bytes ` +
      `(${S3_MAX_BYTES / 1024 / 1024} MiB), the limit for s3:// objects`,
  );
}

/** Reads an object as UTF-8 text, within S3_MAX_BYTES (checked on the declared length and while reading). */
export async function readS3Object(location: string, what: string, maxBytes = S3_MAX_BYTES): Promise<string> {
  const ref = parseS3Uri(location, what);
  const { sdk, client } = await conn();
  return withDeadline(`reading ${what} from`, location, async (signal) => {
    const res = await client.send(new sdk.GetObjectCommand({ Bucket: ref.bucket, Key: ref.key }), {
      abortSignal: signal,
    });
    const body = res.Body as (AsyncIterable<Uint8Array> & { destroy?: () => void }) | undefined;
    if (res.ContentLength !== undefined && res.ContentLength > maxBytes) {
      body?.destroy?.();
      throw tooLarge(what, location, res.ContentLength);
    }
    const chunks: Uint8Array[] = [];
    let total = 0;
    for await (const chunk of body ?? []) {
      total += chunk.length;
      if (total > maxBytes) throw tooLarge(what, location);
      chunks.push(chunk);
    }
    const text = Buffer.concat(chunks).toString('utf8');
    if (text.trim() === '') throw invalid(`${what} at ${displayLocation(location)} is empty`);
    return text;
  });
}

/** Content type of an object by its name. */
export function contentTypeFor(key: string): string {
  if (/\.ya?ml$/i.test(key)) return 'application/yaml';
  if (/\.json$/i.test(key)) return 'application/json';
  if (/\.sh$/i.test(key)) return 'text/x-shellscript';
  if (/\.(txt|md|tpl)$/i.test(key) || /(^|\/)(checksums\.txt|\.aicr-bundle)$/.test(key)) return 'text/plain';
  return 'application/octet-stream';
}

async function putObject(c: Conn, ref: S3Ref, body: Buffer, location: string, what: string): Promise<void> {
  const { Upload } = await importExternal<typeof LibStorage>('@aws-sdk/lib-storage');
  let upload: LibStorage.Upload | undefined;
  await withDeadline(
    `writing ${what} to`,
    location,
    async () => {
      upload = new Upload({
        client: c.client,
        params: { Bucket: ref.bucket, Key: ref.key, Body: body, ContentType: contentTypeFor(ref.key) },
        partSize: S3_PART_SIZE,
        queueSize: 4,
        // A failed multipart upload is aborted: no parts are left behind and no object appears.
        leavePartsOnError: false,
      });
      await upload.done();
    },
    () => void upload?.abort().catch(() => {}),
  );
}

/** Writes one object (all-or-nothing for readers; multipart above S3_PART_SIZE). */
export async function writeS3Object(location: string, content: string | Buffer, what: string): Promise<void> {
  const ref = parseS3Uri(location, what);
  const body = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
  await putObject(await conn(), ref, body, location, what);
  log().debug('wrote S3 object', { location: displayLocation(location), bytes: body.length });
}

/** Checks that an output object's bucket is there and reachable with the credentials (before work is done). */
export async function precheckS3Output(location: string, what: string): Promise<void> {
  const ref = parseS3Uri(location, what);
  const { sdk, client } = await conn();
  await withDeadline(`checking the bucket of ${what} output`, location, (signal) =>
    client.send(new sdk.HeadBucketCommand({ Bucket: ref.bucket }), { abortSignal: signal }),
  ).catch((err: unknown) => {
    // HeadBucket has no body: a 404 is the bucket, not the key.
    if (err instanceof AicrError && err.code === 'NOT_FOUND') {
      throw notFound(`cannot write ${what} to ${displayLocation(location)}: the bucket does not exist`);
    }
    throw err;
  });
}

/** Keys under a prefix (at most `limit`; more is refused rather than half-handled). */
async function listKeys(c: Conn, bucket: string, prefix: string, location: string, limit = 100_000) {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await withDeadline('listing', location, (signal) =>
      c.client.send(
        new c.sdk.ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }),
        { abortSignal: signal },
      ),
    );
    for (const o of page.Contents ?? []) if (o.Key !== undefined) keys.push(o.Key);
    if (keys.length > limit) {
      throw invalid(`${displayLocation(location)} holds more than ${limit} objects; use an empty prefix`);
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return keys;
}

/** Deletes keys in batches of 1000; returns the keys that could not be deleted. */
async function deleteKeys(c: Conn, bucket: string, keys: string[], location: string): Promise<string[]> {
  const failed: string[] = [];
  for (let i = 0; i < keys.length; i += 1000) {
    const batch = keys.slice(i, i + 1000);
    try {
      const res = await withDeadline('deleting objects under', location, (signal) =>
        c.client.send(
          new c.sdk.DeleteObjectsCommand({
            Bucket: bucket,
            Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true },
          }),
          { abortSignal: signal },
        ),
      );
      for (const e of res.Errors ?? []) if (e.Key) failed.push(e.Key);
    } catch {
      failed.push(...batch);
    }
  }
  return failed;
}

export interface TreeFile {
  /** Path relative to the tree root, `/`-separated. */
  path: string;
  read: () => Promise<Buffer>;
}

export interface UploadTreeOptions {
  /** The file written last (a reader that waits for it sees a whole tree): `checksums.txt`. */
  last: string;
  /** The marker file that makes a prefix an aicr bundle (`.aicr-bundle`). */
  marker: string;
  /** Replace a prefix holding objects that are not an aicr bundle. */
  force?: boolean;
  concurrency?: number;
  what: string;
}

/**
 * Uploads a tree under `s3://bucket/prefix/` so that a reader that waits for `opts.last` sees a whole
 * tree: a prefix holding objects must be an earlier upload (its marker is there) unless `force`; its
 * old `last` object is deleted first, every other file is uploaded (bounded concurrency), `last` at
 * the end, and then objects of the earlier upload that the new tree does not have are removed. On
 * failure the objects uploaded in this run are deleted (best effort) and the mapped error is thrown;
 * the prefix then has no `last` object.
 */
export async function uploadTree(
  location: string,
  files: TreeFile[],
  opts: UploadTreeOptions,
): Promise<void> {
  const { bucket, key: prefix } = parseS3Uri(location, opts.what, { prefix: true });
  const c = await conn();
  const existing = await listKeys(c, bucket, prefix, location).catch((err: unknown) => {
    if (err instanceof AicrError && err.code === 'NOT_FOUND') {
      throw notFound(`cannot write ${opts.what} to ${displayLocation(location)}: the bucket does not exist`);
    }
    throw err;
  });
  if (existing.length && !existing.includes(prefix + opts.marker) && !opts.force) {
    throw invalid(
      `${opts.what} output ${displayLocation(location)} holds ${existing.length} objects that are not an aicr bundle ` +
        `(no ${opts.marker}); use an empty prefix, or --force to replace them`,
    );
  }
  const lastKey = prefix + opts.last;
  if (existing.includes(lastKey)) {
    const left = await deleteKeys(c, bucket, [lastKey], location);
    if (left.length)
      throw unavailable(`cannot remove the old ${opts.last} under ${displayLocation(location)}`);
  }
  const first = files.filter((f) => f.path !== opts.last);
  const last = files.filter((f) => f.path === opts.last);
  const uploaded: string[] = [];
  const put = async (f: TreeFile) => {
    const key = prefix + f.path;
    const url = `s3://${bucket}/${key}`;
    await putObject(c, { bucket, key }, await f.read(), url, opts.what);
    uploaded.push(key);
  };
  try {
    let next = 0;
    let failure: unknown;
    const worker = async () => {
      while (failure === undefined && next < first.length) {
        const f = first[next++]!;
        try {
          await put(f);
        } catch (err) {
          failure ??= err;
        }
      }
    };
    const n = Math.max(1, Math.min(opts.concurrency ?? S3_UPLOAD_CONCURRENCY, first.length));
    await Promise.all(Array.from({ length: n }, worker));
    if (failure !== undefined) throw failure;
    for (const f of last) await put(f);
  } catch (err) {
    const left = await deleteKeys(c, bucket, uploaded, location);
    log().warn(
      `upload to ${displayLocation(location)} failed; removed the ${uploaded.length - left.length} objects it had written`,
      {
        ...(left.length ? { left: left.length } : {}),
      },
    );
    throw err;
  }
  const keep = new Set(files.map((f) => prefix + f.path));
  const stale = existing.filter((k) => !keep.has(k));
  if (stale.length) {
    const left = await deleteKeys(c, bucket, stale, location);
    if (left.length) {
      log().warn(
        `could not remove ${left.length} objects of the earlier upload under ${displayLocation(location)}`,
      );
    }
  }
}
