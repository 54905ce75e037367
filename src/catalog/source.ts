/**
 * Recipe data sources. A DataSource is a read-only tree of catalog files addressed by their path
 * relative to the catalog root (`registry.yaml`, `overlays/eks.yaml`, `components/x/values.yaml`).
 * Implementations: the embedded catalog (precompiled JSON), a directory on disk (`--data`), and a
 * layered view of an external directory over the embedded catalog.
 */

export type Origin = 'embedded' | 'external';

export interface DataSource {
  /** Human-readable description for messages. */
  readonly description: string;
  /** All file paths, in walk order. */
  files(): string[];
  has(rel: string): boolean;
  /** Parsed YAML content (null for an empty file). Throws INVALID_REQUEST naming the file on parse errors. */
  doc(rel: string): unknown;
  /** Raw text (templates). */
  text(rel: string): string;
  origin(rel: string): Origin;
}
