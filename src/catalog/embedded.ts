/**
 * The embedded catalog. In the built CLI it is the precompiled JSON written by
 * scripts/compile-catalog.mjs next to the bundle (the index eagerly, values and manifests on first use);
 * when running from source (tests) it is the repository's recipes/ folder read directly.
 */
import { closeSync, existsSync, openSync, readFileSync, readSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { notFound } from '../errors/index.js';
import { CATALOG_PARTS, catalogPart, type CatalogPart } from './parts.mjs';
import type { DataSource } from './source.js';

interface Entry {
  doc?: unknown;
  text?: string;
  /** Byte offset and length of the text in catalog-manifests.txt (the manifests part). */
  at?: [number, number];
}

declare global {
  var __AICR_DIST_DIR: string | undefined;
}

class CompiledSource implements DataSource {
  readonly description = 'embedded catalog';
  private readonly parts: Partial<Record<CatalogPart, Record<string, Entry>>> = {};

  constructor(private readonly dir: string) {
    this.part('index');
  }

  /** A part of the catalog, read on first use. */
  private part(p: CatalogPart): Record<string, Entry> {
    let files = this.parts[p];
    if (!files) {
      files = JSON.parse(readFileSync(path.join(this.dir, `catalog-${p}.json`), 'utf8')).files as Record<
        string,
        Entry
      >;
      this.parts[p] = files;
    }
    return files;
  }

  private entry(rel: string): Entry | undefined {
    return this.part(catalogPart(rel))[rel];
  }

  /** A file's text from catalog-manifests.txt: only its bytes are read. */
  private blobText([offset, length]: [number, number]): string {
    const buf = Buffer.allocUnsafe(length);
    const fd = openSync(path.join(this.dir, 'catalog-manifests.txt'), 'r');
    try {
      for (let n = 0; n < length;) {
        const r = readSync(fd, buf, n, length - n, offset + n);
        if (r === 0) throw notFound(`embedded catalog: catalog-manifests.txt is shorter than its index`);
        n += r;
      }
    } finally {
      closeSync(fd);
    }
    return buf.toString('utf8');
  }

  files(): string[] {
    return CATALOG_PARTS.flatMap((p) => Object.keys(this.part(p))).sort();
  }
  /** Index files only (registry and overlays), without loading component files. */
  indexFiles(): string[] {
    return Object.keys(this.part('index')).sort();
  }
  has(rel: string): boolean {
    return this.entry(rel) !== undefined;
  }
  origin(): 'embedded' {
    return 'embedded';
  }
  doc(rel: string): unknown {
    const e = this.entry(rel);
    if (!e) throw notFound(`file ${rel} not found in embedded catalog`);
    if ('doc' in e) return e.doc;
    throw notFound(
      `file ${rel} is a template or multi-document file in the embedded catalog; read it as text`,
    );
  }
  text(rel: string): string {
    const e = this.entry(rel);
    if (!e) throw notFound(`file ${rel} not found in embedded catalog`);
    if (e.text !== undefined) return e.text;
    if (e.at) return (e.text = this.blobText(e.at));
    throw notFound(`file ${rel} is stored parsed in the embedded catalog, not as text`);
  }
}

let cached: DataSource | undefined;

/** The embedded catalog (cached per process). */
export async function embeddedSource(): Promise<DataSource> {
  if (cached) return cached;
  const dist = globalThis.__AICR_DIST_DIR;
  if (dist && existsSync(path.join(dist, 'catalog-index.json'))) {
    cached = new CompiledSource(dist);
  } else {
    const here = path.dirname(fileURLToPath(import.meta.url));
    const recipes = path.resolve(here, '../../recipes');
    const { DirectorySource } = await import('./directory.js');
    const src = new DirectorySource(recipes, { origin: 'embedded', requireRegistry: false });
    Object.defineProperty(src, 'description', { value: 'embedded catalog' });
    cached = src;
  }
  return cached;
}

/** Index files only when cheap (compiled catalog), else every file. */
export function overlayCandidateFiles(src: DataSource): string[] {
  if (src instanceof CompiledSource) return src.indexFiles();
  return src.files();
}
