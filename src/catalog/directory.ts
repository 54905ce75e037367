/**
 * A catalog in a directory on disk. Used for `--data DIR` (validated strictly: registry.yaml required,
 * no symlinks, no `..` path segments, at most 10 MiB per file) and, when running from source without a
 * build, for the repository's own recipes/ folder.
 */
import { lstatSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { parseDocument } from '../io/document.js';
import { AicrError, internal, invalid, notFound } from '../errors/index.js';
import type { DataSource, Origin } from './source.js';

export const MAX_DATA_FILE_BYTES = 10 * 1024 * 1024;

function walk(root: string, rel: string, out: string[]): void {
  const dir = path.join(root, rel);
  for (const name of readdirSync(dir).sort()) {
    const r = rel ? `${rel}/${name}` : name;
    if (r.split('/').includes('..')) throw invalid(`path traversal detected: ${r}`);
    const st = lstatSync(path.join(root, r));
    if (st.isSymbolicLink()) throw invalid(`symlinks not allowed: ${r}`);
    if (st.isDirectory()) walk(root, r, out);
    else if (st.isFile()) {
      if (st.size > MAX_DATA_FILE_BYTES) {
        throw invalid(`file too large (${st.size} bytes, max ${MAX_DATA_FILE_BYTES}): ${r}`);
      }
      out.push(r);
    }
  }
}

export class DirectorySource implements DataSource {
  readonly description: string;
  private readonly root: string;
  private readonly list: string[];
  private readonly set: Set<string>;
  private readonly docs = new Map<string, unknown>();
  private readonly originName: Origin;

  constructor(root: string, opts: { origin?: Origin; requireRegistry?: boolean } = {}) {
    this.root = path.resolve(root);
    this.originName = opts.origin ?? 'external';
    this.description = `data directory ${root}`;
    let st;
    try {
      st = statSync(this.root);
    } catch {
      throw notFound(`external data directory not found: ${root}`);
    }
    if (!st.isDirectory()) throw invalid(`external data path is not a directory: ${root}`);
    if (opts.requireRegistry !== false) {
      try {
        statSync(path.join(this.root, 'registry.yaml'));
      } catch {
        throw invalid(`registry.yaml is required in external data directory: ${root}`);
      }
    }
    const files: string[] = [];
    try {
      walk(this.root, '', files);
    } catch (err) {
      if (err instanceof AicrError)
        throw new AicrError(err.code, `external directory validation failed`, err);
      throw internal(`cannot read data directory ${root}`, err);
    }
    this.list = files;
    this.set = new Set(files);
  }

  files(): string[] {
    return this.list;
  }
  has(rel: string): boolean {
    return this.set.has(rel);
  }
  origin(): Origin {
    return this.originName;
  }
  text(rel: string): string {
    if (!this.set.has(rel)) throw notFound(`file ${rel} not found in ${this.description}`);
    return readFileSync(path.join(this.root, rel), 'utf8');
  }
  doc(rel: string): unknown {
    if (this.docs.has(rel)) return this.docs.get(rel);
    const text = this.text(rel);
    // The shared document rules: duplicate keys and deep nesting are bad input, scalar text is kept.
    const doc: unknown = text.trim() === '' ? null : parseDocument(text, path.join(this.root, rel), 'yaml');
    this.docs.set(rel, doc);
    return doc;
  }
}
