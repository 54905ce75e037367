/**
 * The embedded catalog. In the built CLI it is the precompiled JSON written by
 * scripts/compile-catalog.mjs next to dist/aicr.mjs (the index eagerly, component files on first use);
 * when running from source (tests) it is the repository's recipes/ folder read directly.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { notFound } from '../errors/index.js';
import type { DataSource } from './source.js';

interface Entry {
  doc?: unknown;
  text?: string;
}

declare global {
  var __AICR_DIST_DIR: string | undefined;
}

class CompiledSource implements DataSource {
  readonly description = 'embedded catalog';
  private readonly index: Record<string, Entry>;
  private components?: Record<string, Entry>;
  private readonly componentNames: string[];

  constructor(private readonly dir: string) {
    this.index = JSON.parse(readFileSync(path.join(dir, 'catalog-index.json'), 'utf8')).files;
    // File names of the component part are needed for listings; load lazily otherwise.
    this.componentNames = [];
  }

  private comps(): Record<string, Entry> {
    if (!this.components) {
      this.components = JSON.parse(readFileSync(path.join(this.dir, 'catalog-components.json'), 'utf8'))
        .files as Record<string, Entry>;
    }
    return this.components;
  }

  private entry(rel: string): Entry | undefined {
    if (rel.startsWith('components/') || rel.startsWith('checks/')) return this.comps()[rel];
    return this.index[rel];
  }

  files(): string[] {
    return [...Object.keys(this.index), ...Object.keys(this.comps())].sort();
  }
  /** Index files only (registry and overlays), without loading component files. */
  indexFiles(): string[] {
    return Object.keys(this.index).sort();
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
