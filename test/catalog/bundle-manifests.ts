/**
 * Every manifest the embedded catalog's bundles render: one recipe per overlay (its criteria), bundled
 * with the Helm deployer, each `<component>/manifests/*.yaml` parsed into documents. Shared by the
 * catalog test (served kinds) and the real-cluster suite (server-side dry-run).
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { generateBundle } from '../../src/bundle/generate.js';
import type { ComponentRef, ComponentRegistry, RecipeResult } from '../../src/model/recipe.js';
import { catalogRecipe, type CriteriaInput } from '../bundle/helpers.js';
import { openStore } from '../../src/recipe/store.js';

export interface KubeDoc {
  apiVersion: string;
  kind: string;
  metadata?: { name?: string; namespace?: string };
  [k: string]: unknown;
}

export interface ManifestFile {
  /** Overlay whose criteria produced the recipe. */
  overlay: string;
  component: string;
  /** The component's namespace in the recipe. */
  namespace: string;
  /** Path relative to the bundle. */
  file: string;
  docs: KubeDoc[];
}

export interface RenderedBundle {
  overlay: string;
  recipe: RecipeResult;
  registry: ComponentRegistry | undefined;
  manifests: ManifestFile[];
}

/** The criteria of every overlay of the embedded catalog that has some. */
export async function overlayCriteria(): Promise<{ overlay: string; criteria: CriteriaInput }[]> {
  const store = await openStore();
  const out: { overlay: string; criteria: CriteriaInput }[] = [];
  for (const [name, o] of [...store.overlays].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const c = (o.spec as { criteria?: Record<string, unknown> }).criteria;
    if (!c) continue;
    const criteria: CriteriaInput = {};
    for (const k of ['service', 'accelerator', 'intent', 'os', 'platform'] as const) {
      if (typeof c[k] === 'string') criteria[k] = c[k] as string;
    }
    out.push({ overlay: name, criteria });
  }
  return out;
}

/** Bundles the recipe of each overlay into `workDir/<overlay>` and reads its manifests back. */
export async function renderAllBundles(workDir: string): Promise<RenderedBundle[]> {
  const out: RenderedBundle[] = [];
  for (const { overlay, criteria } of await overlayCriteria()) {
    const { recipe, store } = await catalogRecipe(criteria);
    const dir = path.join(workDir, overlay);
    await generateBundle({
      recipe,
      source: store.source,
      registry: store.registry(),
      outputDir: dir,
      toolVersion: 'v0.0.0-served-kinds',
    });
    const manifests: ManifestFile[] = [];
    for (const ref of recipe.componentRefs ?? []) {
      const mdir = path.join(dir, ref.name, 'manifests');
      let files: string[] = [];
      try {
        files = readdirSync(mdir)
          .filter((f) => f.endsWith('.yaml'))
          .sort();
      } catch {
        continue;
      }
      for (const f of files) {
        const docs = parseAllDocuments(readFileSync(path.join(mdir, f), 'utf8'))
          .map((d) => d.toJS() as KubeDoc | null)
          .filter((d): d is KubeDoc => !!d && typeof d === 'object' && !!d.kind);
        manifests.push({
          overlay,
          component: ref.name,
          namespace: ref.namespace ?? '',
          file: `${ref.name}/manifests/${f}`,
          docs,
        });
      }
    }
    out.push({ overlay, recipe, registry: store.registry(), manifests });
  }
  return out;
}

/** API groups built into Kubernetes (everything else is a custom resource). */
export const BUILTIN_GROUPS = new Set([
  '',
  'admissionregistration.k8s.io',
  'apiextensions.k8s.io',
  'apps',
  'autoscaling',
  'batch',
  'certificates.k8s.io',
  'coordination.k8s.io',
  'discovery.k8s.io',
  'events.k8s.io',
  'flowcontrol.apiserver.k8s.io',
  'networking.k8s.io',
  'node.k8s.io',
  'policy',
  'rbac.authorization.k8s.io',
  'resource.k8s.io',
  'scheduling.k8s.io',
  'storage.k8s.io',
]);

export function groupOf(apiVersion: string): string {
  return apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.indexOf('/')) : '';
}

export interface ServedKinds {
  apiVersion: string;
  kinds: string[];
  since: string;
}

/** `servedKinds` of a registry entry (our extension of the registry format). */
export function servedKindsOf(registry: ComponentRegistry | undefined, component: string): ServedKinds[] {
  const entry = registry?.components.find((c) => c.name === component) as
    { servedKinds?: ServedKinds[] } | undefined;
  return entry?.servedKinds ?? [];
}

/** Compares dotted versions (a leading `v` ignored; missing parts are 0). */
export function compareVersions(a: string, b: string): number {
  const parts = (v: string) =>
    v
      .replace(/^v/, '')
      .split(/[.+-]/)
      .slice(0, 3)
      .map((p) => Number.parseInt(p, 10) || 0);
  const [x, y] = [parts(a), parts(b)];
  for (let i = 0; i < 3; i++) if ((x[i] ?? 0) !== (y[i] ?? 0)) return (x[i] ?? 0) - (y[i] ?? 0);
  return 0;
}

/**
 * Every custom resource the bundle renders whose kind nothing in the same recipe serves: neither a
 * CustomResourceDefinition rendered by the bundle nor a component's chart at the version the recipe
 * installs. Each problem is one line naming the file, the kind and what would be needed.
 */
export function unservedKinds(
  b: Pick<RenderedBundle, 'overlay' | 'recipe' | 'registry' | 'manifests'>,
): string[] {
  const fromCrds = new Set<string>();
  for (const m of b.manifests) {
    for (const d of m.docs) {
      if (d.kind !== 'CustomResourceDefinition') continue;
      const spec = d.spec as { group: string; names: { kind: string }; versions: { name: string }[] };
      for (const v of spec.versions ?? []) fromCrds.add(`${spec.group}/${v.name} ${spec.names.kind}`);
    }
  }
  const refs = new Map<string, ComponentRef>((b.recipe.componentRefs ?? []).map((r) => [r.name, r]));
  const problems: string[] = [];
  for (const m of b.manifests) {
    for (const d of m.docs) {
      if (BUILTIN_GROUPS.has(groupOf(d.apiVersion))) continue;
      const id = `${d.apiVersion} ${d.kind}`;
      if (fromCrds.has(id)) continue;
      const servers = [...refs.values()].flatMap((r) =>
        servedKindsOf(b.registry, r.name)
          .filter((s) => s.apiVersion === d.apiVersion && s.kinds.includes(d.kind))
          .map((s) => ({ ref: r, since: s.since })),
      );
      if (servers.some(({ ref, since }) => ref.version && compareVersions(ref.version, since) >= 0)) continue;
      const why = servers.length
        ? servers
            .map(
              ({ ref, since }) =>
                `${ref.name} installs ${ref.chart ?? ref.name} ${ref.version ?? '(no version)'} but ${id} needs ${since} or later`,
            )
            .join('; ')
        : 'no component of the recipe serves it (registry servedKinds) and the bundle renders no CustomResourceDefinition for it';
      problems.push(`${b.overlay}: ${m.file}: ${id}: ${why}`);
    }
  }
  return problems;
}
