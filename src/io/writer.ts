/**
 * Writing outputs: stdout (no location or `-`), a file (atomically: temp file in the same folder, then
 * rename — a failed write never leaves a half-written file), or a ConfigMap (`cm://namespace/name`).
 */
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { AicrError, invalid } from '../errors/index.js';
import { buildInfo } from '../version/buildinfo.js';
import { configMapStore, dataKeyFor } from './configmap.js';
import type { Format } from './serialize.js';
import { isConfigMapUri, isHttpUrl, parseConfigMapUri } from './uri.js';
import { writeStdout } from './stdio.js';

/** A ConfigMap holds at most 1 MiB of data. */
export const CONFIGMAP_MAX_BYTES = 1024 * 1024;

let tmpCounter = 0;

export async function writeFileAtomic(file: string, content: string | Buffer, mode?: number): Promise<void> {
  const dir = path.dirname(path.resolve(file));
  // Unique per call, so concurrent writes to the same file never share a temp file.
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.${Date.now()}.${++tmpCounter}.tmp`);
  try {
    await mkdir(dir, { recursive: true });
    await writeFile(tmp, content, mode === undefined ? undefined : { mode });
    await rename(tmp, file);
  } catch (err) {
    await rm(tmp, { force: true }).catch(() => {});
    const code = (err as NodeJS.ErrnoException).code;
    throw new AicrError(
      code === 'EACCES' || code === 'EPERM' ? 'UNAUTHORIZED' : 'INVALID_REQUEST',
      `cannot write output file ${file}: ${(err as Error).message}`,
    );
  }
}

export interface WriteOptions {
  /** Document kind for ConfigMap keys and labels: snapshot | recipe | validation. */
  kind: string;
  format: Format;
  kubeconfig?: string;
}

/** Writes serialized `content` to stdout, a file or a ConfigMap. */
export async function writeOutput(
  location: string | undefined,
  content: string,
  opts: WriteOptions,
): Promise<void> {
  if (!location || location === '-') {
    writeStdout(content);
    return;
  }
  if (isHttpUrl(location)) {
    throw invalid(
      `cannot write output to ${location}: URLs are read-only; use a file path, - or cm://namespace/name`,
    );
  }
  if (isConfigMapUri(location)) {
    const ref = parseConfigMapUri(location);
    const key = dataKeyFor(opts.kind, opts.format);
    const size = Buffer.byteLength(content);
    if (size > CONFIGMAP_MAX_BYTES - 4096) {
      throw invalid(
        `${opts.kind} is too large for ConfigMap ${ref.namespace}/${ref.name} (${size} bytes; a ConfigMap holds at most 1 MiB); write it to a file instead`,
      );
    }
    const store = await configMapStore();
    await store.write(
      ref,
      {
        data: {
          [key]: content,
          format: opts.format,
          timestamp: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
        },
        labels: {
          'app.kubernetes.io/name': 'aicr',
          'app.kubernetes.io/component': opts.kind,
          'app.kubernetes.io/version': buildInfo.version,
        },
      },
      { kubeconfig: opts.kubeconfig },
    );
    return;
  }
  await writeFileAtomic(location, content);
}
