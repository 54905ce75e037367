/**
 * The recipe store: the base recipe, every overlay (keyed by metadata.name) and the component
 * registry, read from a DataSource (embedded catalog, or `--data DIR` layered over it).
 *
 * Which files hold overlays: every `.yaml` file outside `components/` and `checks/`, except
 * `registry.yaml` and `data-v1.yaml`; documents whose kind is set and is not RecipeMetadata are
 * skipped; `overlays/…/base.yaml` is the base. When an external overlay has the same metadata.name as
 * an embedded one, the external overlay wins.
 */
import { AicrError, invalid } from '../errors/index.js';
import { log } from '../logging/logger.js';
import type { ComponentRef, ComponentRegistry, RecipeMetadata } from '../model/recipe.js';
import { embeddedSource, overlayCandidateFiles } from '../catalog/embedded.js';
import type { DataSource } from '../catalog/source.js';
import { canonicalComponentName } from '../catalog/legacy.js';
import { mergeRegistries, normalizeRegistry } from './registry.js';
import { checkExternalRegistry } from '../catalog/registry-check.js';

export interface RecipeStore {
  source: DataSource;
  base: RecipeMetadata;
  overlays: Map<string, RecipeMetadata>;
  /** The (merged) registry; an external registry that is malformed fails the store (exit 2). */
  registry(): ComponentRegistry | undefined;
}

function isOverlayFile(rel: string): boolean {
  if (rel.includes('checks/') || rel.includes('components/')) return false;
  if (!rel.endsWith('.yaml')) return false;
  const base = rel.slice(rel.lastIndexOf('/') + 1);
  return base !== 'registry.yaml' && base !== 'data-v1.yaml';
}

function isBaseFile(rel: string): boolean {
  return rel.includes('overlays/') && rel.endsWith('/base.yaml');
}

function canonicalRefs(refs: ComponentRef[] | null | undefined): ComponentRef[] | undefined {
  if (!refs) return undefined;
  return refs.map((r) => ({
    ...r,
    name: canonicalComponentName(r.name),
    dependencyRefs: r.dependencyRefs ? r.dependencyRefs.map(canonicalComponentName) : r.dependencyRefs,
  }));
}

function normalizeOverlay(doc: RecipeMetadata): RecipeMetadata {
  const spec = doc.spec ?? {};
  return { ...doc, spec: { ...spec, componentRefs: canonicalRefs(spec.componentRefs) } };
}

type Checker = (doc: unknown, source: string) => RecipeMetadata;

function loadOverlays(
  src: DataSource,
  files: string[],
  checker: Checker | undefined,
  into: { base?: RecipeMetadata; overlays: Map<string, RecipeMetadata> },
): void {
  for (const rel of files) {
    if (!isOverlayFile(rel)) continue;
    const raw = src.doc(rel);
    if (raw === null || typeof raw !== 'object') continue;
    const kind = (raw as { kind?: unknown }).kind;
    if (kind !== undefined && kind !== '' && kind !== 'RecipeMetadata') continue;
    const doc = normalizeOverlay(checker ? checker(raw, rel) : (raw as RecipeMetadata));
    if (isBaseFile(rel)) into.base = doc;
    else into.overlays.set(doc.metadata.name, doc);
  }
}

export interface OpenStoreOptions {
  /** External data directory (`--data`), layered over the embedded catalog. */
  dataDir?: string;
  /** Use only this directory (no embedded catalog): tests comparing catalogs. */
  standaloneDir?: string;
}

/** Opens the store. External data is validated strictly; failures are INTERNAL-wrapped like upstream. */
export async function openStore(opts: OpenStoreOptions = {}): Promise<RecipeStore> {
  const embedded = await embeddedSource();
  let source: DataSource = embedded;
  let checker: Checker | undefined;
  let external: DataSource | undefined;
  if (opts.dataDir || opts.standaloneDir) {
    const { DirectorySource } = await import('../catalog/directory.js');
    const { LayeredSource } = await import('../catalog/layered.js');
    try {
      external = new DirectorySource((opts.dataDir ?? opts.standaloneDir)!, {
        requireRegistry: !opts.standaloneDir,
      });
    } catch (err) {
      throw new AicrError(
        err instanceof AicrError ? err.code : 'INTERNAL',
        'failed to initialize data provider',
        err,
      );
    }
    const { check, recipeMetadataSchema } = await import('../model/schema.js');
    checker = (doc, rel) => check(recipeMetadataSchema, doc, `overlay ${rel}`) as RecipeMetadata;
    source = opts.standaloneDir ? external : new LayeredSource(external, embedded);
  }

  const into: { base?: RecipeMetadata; overlays: Map<string, RecipeMetadata> } = { overlays: new Map() };
  if (opts.standaloneDir) {
    loadOverlays(external!, external!.files(), checker, into);
  } else {
    // Embedded first, then external: an external overlay replaces an embedded one of the same name.
    const extFiles = new Set(external?.files() ?? []);
    loadOverlays(
      embedded,
      overlayCandidateFiles(embedded).filter((f) => !extFiles.has(f)),
      undefined,
      into,
    );
    if (external) loadOverlays(external, external.files(), checker, into);
  }
  if (!into.base) throw invalid(`base.yaml not found in ${source.description} (expected overlays/base.yaml)`);

  let registryCache: ComponentRegistry | undefined | null = null;
  const registry = (): ComponentRegistry | undefined => {
    if (registryCache !== null) return registryCache;
    const embeddedReg = opts.standaloneDir
      ? undefined
      : normalizeRegistry(embedded.doc('registry.yaml') as ComponentRegistry);
    registryCache = embeddedReg;
    if (external && external.has('registry.yaml')) {
      // An invalid external registry is bad input (exit 2), never skipped with a warning.
      const raw = external.doc('registry.yaml');
      const file = `${(opts.dataDir ?? opts.standaloneDir)!}/registry.yaml`;
      checkExternalRegistry(raw, `registry ${file}`);
      const extReg = normalizeRegistry(checkRegistry(raw, `registry ${file}`));
      if (extReg.apiVersion && embeddedReg?.apiVersion && extReg.apiVersion !== embeddedReg.apiVersion) {
        log().warn('external registry apiVersion differs from the embedded one', {
          external: extReg.apiVersion,
          embedded: embeddedReg.apiVersion,
        });
      }
      registryCache = embeddedReg ? mergeRegistries(embeddedReg, extReg) : extReg;
    }
    return registryCache;
  };
  let checkRegistry: (raw: unknown, source: string) => ComponentRegistry = (raw) => raw as ComponentRegistry;
  if (external) {
    const { check, registrySchema } = await import('../model/schema.js');
    checkRegistry = (raw, src) => check(registrySchema, raw, src);
  }
  // Checked now, so a broken external registry fails every command that reads --data.
  if (external) registry();
  return { source, base: into.base, overlays: into.overlays, registry };
}
