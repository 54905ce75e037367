/**
 * Checks of a kubeconfig that make a bad one a bad *input* (exit 2, naming the file and the field)
 * instead of a failure to reach the API server later:
 *
 *  - files are read only when they are regular files (opened without blocking, so a FIFO cannot hold
 *    aicr) and up to a size cap;
 *  - the TLS material of the current context — `certificate-authority(-data)` of the cluster,
 *    `client-certificate(-data)` and `client-key(-data)` of the user — must be valid base64 (for
 *    `-data`) holding PEM certificates / a PEM private key, and the client certificate and key must
 *    belong together. File references are read once here and handed to the client as data.
 *
 * Messages never contain bytes from the material itself, only the file, the field and the parser's
 * reason.
 */
import { X509Certificate, createPrivateKey, type KeyObject } from 'node:crypto';
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { AicrError, invalid } from '../errors/index.js';

/** Largest kubeconfig read (4 MiB). */
export const MAX_KUBECONFIG_BYTES = 4 << 20;
/** Largest certificate, key or token file referenced by a kubeconfig (1 MiB). */
export const MAX_CREDENTIAL_FILE_BYTES = 1 << 20;

/**
 * Reads `file` when it is a regular file of at most `maxBytes` (opened with O_NONBLOCK, so a FIFO or
 * device at the path cannot block); INVALID_REQUEST naming `what` otherwise.
 */
export function readRegularFile(file: string, what: string, maxBytes: number): Buffer {
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw invalid(`${what}: ${file} does not exist`);
    if (code === 'EACCES' || code === 'EPERM') {
      throw new AicrError('UNAUTHORIZED', `${what}: permission denied reading ${file}`);
    }
    throw invalid(`${what}: cannot open ${file} (${code ?? (err as Error).message})`);
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) {
      throw invalid(
        `${what}: ${file} is ${st.isDirectory() ? 'a directory' : 'not a regular file'}; a regular file is required`,
      );
    }
    if (st.size > maxBytes) throw invalid(`${what}: ${file} is larger than ${maxBytes} bytes`);
    const buf = Buffer.alloc(Math.min(maxBytes + 1, Math.max(st.size + 1, 4096)));
    let total = 0;
    for (;;) {
      if (total === buf.length) throw invalid(`${what}: ${file} is larger than ${maxBytes} bytes`);
      const n = readSync(fd, buf, total, buf.length - total, null);
      if (n === 0) break;
      total += n;
      if (total > maxBytes) throw invalid(`${what}: ${file} is larger than ${maxBytes} bytes`);
    }
    return buf.subarray(0, total);
  } catch (err) {
    if (err instanceof AicrError) throw err;
    throw invalid(`${what}: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  } finally {
    closeSync(fd);
  }
}

/** A printable, quoted name (control characters escaped). */
export function quoteName(s: unknown): string {
  return JSON.stringify(String(s));
}

const BASE64 = /^[A-Za-z0-9+/\s]*={0,2}\s*$/;

/** Decodes a `-data` field; INVALID_REQUEST when it is not base64. */
function decodeData(value: unknown, where: string): Buffer {
  if (typeof value !== 'string' || !BASE64.test(value)) {
    throw invalid(`${where} is not valid base64`);
  }
  const buf = Buffer.from(value, 'base64');
  if (buf.length === 0) throw invalid(`${where} is empty`);
  return buf;
}

/** One reason line from a crypto error, without anything from the input. */
function reason(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  return msg
    .split('\n')[0]!
    .replace(/[^\x20-\x7e]/g, '?')
    .slice(0, 160);
}

const PEM_CERT = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;

/** PEM certificates in `buf` (at least one); INVALID_REQUEST naming `where` otherwise. */
export function parseCertificates(buf: Buffer, where: string): X509Certificate[] {
  const text = buf.toString('latin1');
  const blocks = text.match(PEM_CERT) ?? [];
  if (blocks.length === 0) {
    throw invalid(`${where} is not a PEM certificate (no "-----BEGIN CERTIFICATE-----" block)`);
  }
  return blocks.map((b, i) => {
    try {
      return new X509Certificate(b);
    } catch (err) {
      throw invalid(
        `${where} holds a malformed certificate${blocks.length > 1 ? ` (block ${i + 1})` : ''}: ${reason(err)}`,
      );
    }
  });
}

/** A PEM private key; INVALID_REQUEST naming `where` otherwise. */
export function parsePrivateKey(buf: Buffer, where: string): KeyObject {
  const text = buf.toString('latin1');
  if (!/-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----/.test(text)) {
    throw invalid(`${where} is not a PEM private key (no "-----BEGIN ... PRIVATE KEY-----" block)`);
  }
  try {
    return createPrivateKey({ key: text, format: 'pem' });
  } catch (err) {
    throw invalid(`${where} is a malformed private key: ${reason(err)}`);
  }
}

/** The client certificate and key must belong together. */
export function checkKeyPair(cert: X509Certificate, key: KeyObject, where: string): void {
  let ok = false;
  try {
    ok = cert.checkPrivateKey(key);
  } catch {
    ok = false;
  }
  if (!ok) throw invalid(`${where}: the client certificate and the client key do not belong together`);
}

interface MutableCluster {
  name: string;
  caData?: string;
  caFile?: string;
}

interface MutableUser {
  name: string;
  certData?: string;
  certFile?: string;
  keyData?: string;
  keyFile?: string;
}

/**
 * Reads one TLS field of an entry: the `-data` value or the referenced file. Returns the bytes, or
 * undefined when neither is set.
 */
function material(
  file: string,
  entry: string,
  field: string,
  data: string | undefined,
  ref: string | undefined,
): { bytes: Buffer; where: string } | undefined {
  if (ref) {
    const where = `kubeconfig ${file}: ${entry}.${field} (${ref})`;
    return { bytes: readRegularFile(ref, where, MAX_CREDENTIAL_FILE_BYTES), where };
  }
  if (data) {
    const where = `kubeconfig ${file}: ${entry}.${field}-data`;
    return { bytes: decodeData(data, where), where };
  }
  return undefined;
}

/**
 * Validates the TLS material of `cluster` (from kubeconfig `file`); file references become data so the
 * client library never reads them again.
 */
export function checkClusterTls(cluster: MutableCluster, file: string): void {
  const entry = `clusters[name=${quoteName(cluster.name)}].cluster`;
  const ca = material(file, entry, 'certificate-authority', cluster.caData, cluster.caFile);
  if (!ca) return;
  parseCertificates(ca.bytes, ca.where);
  cluster.caData = ca.bytes.toString('base64');
  delete cluster.caFile;
}

/** Validates the client certificate and key of `user` (from kubeconfig `file`). */
export function checkUserTls(user: MutableUser, file: string): void {
  const entry = `users[name=${quoteName(user.name)}].user`;
  const cert = material(file, entry, 'client-certificate', user.certData, user.certFile);
  const key = material(file, entry, 'client-key', user.keyData, user.keyFile);
  if (!cert && !key) return;
  if (!cert || !key) {
    const missing = cert ? 'client-key' : 'client-certificate';
    throw invalid(
      `kubeconfig ${file}: ${entry} has ${cert ? 'client-certificate' : 'client-key'} but no ${missing}(-data); both are needed`,
    );
  }
  const certs = parseCertificates(cert.bytes, cert.where);
  const k = parsePrivateKey(key.bytes, key.where);
  checkKeyPair(certs[0]!, k, `kubeconfig ${file}: ${entry}`);
  user.certData = cert.bytes.toString('base64');
  user.keyData = key.bytes.toString('base64');
  delete user.certFile;
  delete user.keyFile;
}
