/**
 * An external `--data` directory layered over the embedded catalog: a file present in the external
 * directory replaces the embedded file of the same relative path, other external files are added, and
 * registry.yaml is merged by component name (see mergeRegistries in src/recipe/registry.ts).
 */
import type { DataSource, Origin } from './source.js';
import { overlayCandidateFiles } from './embedded.js';

export class LayeredSource implements DataSource {
  readonly description: string;

  constructor(
    readonly external: DataSource,
    readonly embedded: DataSource,
  ) {
    this.description = `${external.description} layered over the embedded catalog`;
  }

  private pick(rel: string): DataSource {
    return this.external.has(rel) ? this.external : this.embedded;
  }

  files(): string[] {
    const ext = this.external.files();
    const seen = new Set(ext);
    return [...ext, ...this.embedded.files().filter((f) => !seen.has(f))];
  }

  /** Files that can hold overlays: external files, then embedded index files not replaced. */
  overlayFiles(): string[] {
    const ext = this.external.files();
    const seen = new Set(ext);
    return [...ext, ...overlayCandidateFiles(this.embedded).filter((f) => !seen.has(f))];
  }

  has(rel: string): boolean {
    return this.external.has(rel) || this.embedded.has(rel);
  }
  origin(rel: string): Origin {
    return this.external.has(rel) ? 'external' : 'embedded';
  }
  doc(rel: string): unknown {
    return this.pick(rel).doc(rel);
  }
  text(rel: string): string {
    return this.pick(rel).text(rel);
  }
}
