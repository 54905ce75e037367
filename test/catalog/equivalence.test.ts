/**
 * The embedded catalog (recipes/) carries every fact of the reference catalog
 * (../shared/reference/aicr-recipes), file by file, modulo the Nodewright renaming of spec decision 5:
 *
 * - component `skyhook-operator` → `nodewright-operator`, `skyhook-customizations` →
 *   `nodewright-customizations` (names, dependencyRefs, folders, valuesFile/manifestFiles/assertFile paths);
 * - namespace `skyhook` → `nodewright`; displayName and --set aliases `skyhook*` → `nodewright*`;
 * - custom resource `skyhook.nvidia.com/v1alpha1 Skyhook` → `nodewright.nvidia.com/v1alpha1 NodeWright`;
 * - external locations keep their upstream names: URLs (chart repositories), images under ghcr.io,
 *   absolute host paths, and the registry's `helm.defaultChart` (the chart is still `skyhook-operator`);
 * - the registry additionally lists the legacy --set keys as extra valueOverrideKeys;
 * - the Nodewright operator chart is pinned to one that serves the kinds our bundles render (issue 10:
 *   `nodewright` v0.19.0 from oci://ghcr.io/nvidia/nodewright/charts instead of `skyhook-operator`
 *   v0.14.0), and registry entries may carry `servedKinds` (ours; see test/catalog/served-kinds.test.ts)
 *   and `deploy` (ours: facts of the generated scripts, see recipes/registry.yaml).
 *
 * Comments are ours and are not compared (templates are compared with comments removed).
 * Every check is also run against deliberately broken copies of our catalog, so a check that
 * could never fail would itself fail here.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, lstatSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { hasShared, referenceCatalogDir, repoRoot } from '../helpers/paths.js';

const recipesDir = path.join(repoRoot, 'recipes');
const noReference = hasShared ? false : `reference catalog not found at ${referenceCatalogDir}`;

/** Relative path → file text. */
type Tree = Map<string, string>;

function readTree(dir: string, rel = '', out: Tree = new Map()): Tree {
  for (const name of readdirSync(dir).sort()) {
    const abs = path.join(dir, name);
    const r = rel ? `${rel}/${name}` : name;
    if (lstatSync(abs).isDirectory()) readTree(abs, r, out);
    else out.set(r, readFileSync(abs, 'utf8'));
  }
  return out;
}

const ours: Tree = readTree(recipesDir);
const reference: Tree = hasShared ? readTree(referenceCatalogDir) : new Map();

/** Reference files the embedded catalog must carry (the validator catalog is not part of it). */
const referenceCatalogFiles = [...reference.keys()].filter((rel) => !rel.startsWith('validators/'));

// ------------------------------------------------------------------------------------------------
// The renaming, as a mapping from reference facts to the facts we expect in recipes/.

const LEGACY_ALIASES: Record<string, string[]> = {
  'nodewright-operator': ['skyhook', 'skyhook-operator'],
  'nodewright-customizations': ['skyhookcustomizations', 'skyhook-customizations'],
};

function mapPath(rel: string): string {
  return rel.replace(/^(components|checks)\/skyhook-(operator|customizations)\//, '$1/nodewright-$2/');
}

function isExternalLocation(s: string): boolean {
  return /^(https?|oci):\/\//.test(s) || s.startsWith('ghcr.io/') || s.startsWith('/');
}

function mapString(s: string): string {
  if (isExternalLocation(s)) return s;
  return s.replace(/skyhook/g, 'nodewright').replace(/Skyhook/g, 'NodeWright');
}

/** Deep copy of a parsed YAML value with the renaming applied to every string (keys included). */
function mapFacts(value: unknown, keyPath: string[] = []): unknown {
  if (typeof value === 'string') {
    return keyPath[keyPath.length - 1] === 'defaultChart' ? value : mapString(value);
  }
  if (Array.isArray(value)) return value.map((v, i) => mapFacts(v, [...keyPath, String(i)]));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[mapString(k)] = mapFacts(v, [...keyPath, k]);
    return out;
  }
  return value;
}

/** Template lines: images under ghcr.io/nvidia/skyhook-packages keep their name. */
function mapTemplateLine(line: string): string {
  return line.replace(/(?<!ghcr\.io\/nvidia\/)skyhook/g, 'nodewright').replace(/Skyhook/g, 'NodeWright');
}

/** The Nodewright operator chart pin (issue 10), applied to the reference facts. */
const NODEWRIGHT_CHART = {
  source: 'oci://ghcr.io/nvidia/nodewright/charts',
  chart: 'nodewright',
  version: 'v0.19.0',
};

/** Our registry entry minus `servedKinds` and `deploy` (our extensions), and the reference entry with the pin. */
function registryFacts(ours: any, expected: any): [any, any] {
  const { servedKinds: _ignored, deploy: _deploy, ...o } = ours;
  if (expected.name !== 'nodewright-operator') return [o, expected];
  return [
    o,
    {
      ...expected,
      helm: {
        ...expected.helm,
        defaultRepository: NODEWRIGHT_CHART.source,
        defaultChart: NODEWRIGHT_CHART.chart,
        defaultVersion: NODEWRIGHT_CHART.version,
      },
    },
  ];
}

/** An overlay's componentRefs with the Nodewright pin applied where the reference pins the chart. */
function pinNodewright(spec: any): any {
  if (!Array.isArray(spec?.componentRefs)) return spec;
  return {
    ...spec,
    componentRefs: spec.componentRefs.map((r: any) =>
      r.name === 'nodewright-operator' && r.version
        ? {
            ...r,
            source: NODEWRIGHT_CHART.source,
            chart: NODEWRIGHT_CHART.chart,
            version: NODEWRIGHT_CHART.version,
          }
        : r,
    ),
  };
}

// ------------------------------------------------------------------------------------------------
// Reading files.

const isTemplate = (text: string) => text.includes('{{');

/** Every YAML document of a file as plain data, once per YAML schema (1.2 core and 1.1, as Helm and
 *  kubectl read it), so a string that lost its quotes (e.g. "yes", "0755") is caught. */
const docsCache = new Map<string, { core: unknown[]; yaml11: unknown[] }>();
function docs(text: string, rel: string): { core: unknown[]; yaml11: unknown[] } {
  const cached = docsCache.get(text);
  if (cached) return cached;
  const load = (version: '1.1' | '1.2') =>
    parseAllDocuments(text, { version })
      .filter((d) => d.contents !== null)
      .map((d) => {
        if (d.errors.length) throw new Error(`${rel}: ${d.errors[0]!.message}`);
        return d.toJS({ maxAliasCount: -1 });
      });
  const result = { core: load('1.2'), yaml11: load('1.1') };
  docsCache.set(text, result);
  return result;
}

function single(text: string, rel: string): any {
  const { core } = docs(text, rel);
  assert.equal(core.length, 1, `${rel}: expected exactly one YAML document`);
  return core[0];
}

/**
 * The lines of a Go template that matter: comment lines and blank lines are dropped, except inside
 * YAML block scalars (`key: |`), whose lines are data even when they start with `#`.
 */
function templateBody(text: string): string[] {
  const out: string[] = [];
  let blockIndent = -1;
  let blockLines: string[] = [];
  const closeBlock = () => {
    while (blockLines.length && blockLines[blockLines.length - 1] === '') blockLines.pop();
    out.push(...blockLines);
    blockLines = [];
    blockIndent = -1;
  };
  for (const raw of text.split('\n')) {
    const line = raw.replace(/\s+$/, '');
    const indent = line.search(/\S/);
    if (blockIndent >= 0) {
      if (indent === -1 || indent > blockIndent) {
        blockLines.push(line);
        continue;
      }
      closeBlock();
    }
    if (indent === -1 || line.trimStart().startsWith('#')) continue;
    out.push(line);
    if (/:\s*[|>][-+0-9]*$/.test(line)) blockIndent = indent;
  }
  closeBlock();
  return out;
}

// ------------------------------------------------------------------------------------------------
// The checks. Each throws an AssertionError naming the file when the facts differ.

function checkFileSet(ref: Tree, emb: Tree): void {
  const expected = [...ref.keys()]
    .filter((rel) => !rel.startsWith('validators/'))
    .map(mapPath)
    .sort();
  assert.deepEqual(
    [...emb.keys()].sort(),
    expected,
    'recipes/ must hold exactly the reference files (renamed)',
  );
}

function checkRegistry(ref: Tree, emb: Tree): void {
  const r = single(ref.get('registry.yaml')!, 'reference registry.yaml');
  const o = single(emb.get('registry.yaml')!, 'registry.yaml');
  assert.equal(o.kind, r.kind);
  assert.equal(o.apiVersion, r.apiVersion);
  const expected = (r.components as any[]).map((c) => {
    const m = mapFacts(c) as any;
    const legacy = LEGACY_ALIASES[m.name];
    if (legacy) m.valueOverrideKeys = [...m.valueOverrideKeys, ...legacy];
    return m;
  });
  assert.deepEqual(
    (o.components as any[]).map((c) => c.name),
    expected.map((c) => c.name),
    'registry components (same order)',
  );
  for (let i = 0; i < expected.length; i++) {
    const [got, want] = registryFacts(o.components[i], expected[i]);
    assert.deepEqual(got, want, `registry component ${expected[i].name}`);
  }
  assert.deepEqual(Object.keys(o).sort(), Object.keys(r).sort(), 'registry top-level keys');
}

function checkOverlay(refRel: string, ref: Tree, emb: Tree): void {
  const rel = mapPath(refRel);
  assert.ok(emb.has(rel), `${rel} is missing`);
  const r = single(ref.get(refRel)!, `reference ${refRel}`);
  const o = single(emb.get(rel)!, rel);
  assert.equal(o.kind, r.kind, `${rel}: kind`);
  assert.equal(o.apiVersion, r.apiVersion, `${rel}: apiVersion`);
  assert.deepEqual(o.metadata, mapFacts(r.metadata), `${rel}: metadata`);
  assert.deepEqual(o.spec, pinNodewright(mapFacts(r.spec)), `${rel}: spec`);
  assert.deepEqual(Object.keys(o).sort(), Object.keys(r).sort(), `${rel}: top-level keys`);
}

function checkDataFile(refRel: string, ref: Tree, emb: Tree): void {
  const rel = mapPath(refRel);
  assert.ok(emb.has(rel), `${rel} is missing`);
  assert.ok(!isTemplate(emb.get(rel)!), `${rel} must stay free of template actions`);
  const r = docs(ref.get(refRel)!, `reference ${refRel}`);
  const o = docs(emb.get(rel)!, rel);
  assert.deepEqual(o.core, mapFacts(r.core), `${rel}: documents (YAML 1.2)`);
  assert.deepEqual(o.yaml11, mapFacts(r.yaml11), `${rel}: documents (YAML 1.1)`);
}

function checkTemplate(refRel: string, ref: Tree, emb: Tree): void {
  const rel = mapPath(refRel);
  assert.ok(emb.has(rel), `${rel} is missing`);
  assert.ok(isTemplate(emb.get(rel)!), `${rel} must stay a template`);
  const expected = templateBody(ref.get(refRel)!).map(mapTemplateLine);
  assert.deepEqual(templateBody(emb.get(rel)!), expected, `${rel}: template text without comments`);
}

function checkFile(refRel: string, ref: Tree, emb: Tree): void {
  if (refRel === 'registry.yaml') checkRegistry(ref, emb);
  else if (refRel.startsWith('overlays/')) checkOverlay(refRel, ref, emb);
  else if (isTemplate(ref.get(refRel)!)) checkTemplate(refRel, ref, emb);
  else checkDataFile(refRel, ref, emb);
}

// ------------------------------------------------------------------------------------------------

describe('embedded catalog carries the reference facts', { skip: noReference }, () => {
  test('same files as the reference (validators/ excluded), with the Nodewright folders renamed', () => {
    checkFileSet(reference, ours);
    assert.ok(ours.has('components/nodewright-operator/values.yaml'));
    assert.ok(ours.has('checks/nodewright-customizations/health-check.yaml'));
    assert.ok(![...ours.keys()].some((rel) => rel.includes('skyhook')));
  });

  test('38 overlays including base, 19 registry components', () => {
    const overlays = [...ours.keys()].filter((rel) => rel.startsWith('overlays/'));
    assert.equal(overlays.length, 38);
    assert.ok(overlays.includes('overlays/base.yaml'));
    assert.equal(single(ours.get('registry.yaml')!, 'registry.yaml').components.length, 19);
  });

  for (const rel of referenceCatalogFiles) {
    test(`${rel} → ${mapPath(rel)}`, () => checkFile(rel, reference, ours));
  }
});

describe('the equivalence checks catch a changed catalog', { skip: noReference }, () => {
  /** Our catalog with one file edited; the edit must really change the text. */
  function edited(rel: string, from: string | RegExp, to: string): Tree {
    const copy = new Map(ours);
    const text = copy.get(rel);
    assert.ok(text !== undefined, `${rel} exists`);
    const changed = text.replace(from, to);
    assert.notEqual(changed, text, `edit of ${rel} applies`);
    copy.set(rel, changed);
    return copy;
  }

  test('a changed component version in an overlay', () => {
    const t = edited('overlays/base.yaml', 'version: v25.10.1', 'version: v25.10.2');
    assert.throws(() => checkFile('overlays/base.yaml', reference, t), /overlays\/base\.yaml: spec/);
  });

  test('a missing overlay', () => {
    const t = new Map(ours);
    t.delete('overlays/h100-eks-ubuntu-training.yaml');
    assert.throws(() => checkFileSet(reference, t), /exactly the reference files/);
    assert.throws(() => checkFile('overlays/h100-eks-ubuntu-training.yaml', reference, t), /is missing/);
  });

  test('an extra file', () => {
    const t = new Map(ours);
    t.set('overlays/extra.yaml', ours.get('overlays/eks.yaml')!);
    assert.throws(() => checkFileSet(reference, t), /exactly the reference files/);
  });

  test('changed overlay criteria and a changed parent', () => {
    const t1 = edited('overlays/h100-eks-training.yaml', 'accelerator: h100', 'accelerator: gb200');
    assert.throws(() => checkFile('overlays/h100-eks-training.yaml', reference, t1), /spec/);
    const t2 = edited('overlays/h100-eks-training.yaml', 'base: eks-training', 'base: eks');
    assert.throws(() => checkFile('overlays/h100-eks-training.yaml', reference, t2), /spec/);
  });

  test('a dependencyRef left on the legacy name', () => {
    const t = edited('overlays/h100-eks-training.yaml', /- nodewright-operator/, '- skyhook-operator');
    assert.throws(() => checkFile('overlays/h100-eks-training.yaml', reference, t), /spec/);
  });

  test('a changed value in a values file, and a value that lost its quotes', () => {
    const t1 = edited('components/gpu-operator/values.yaml', '580.105.08', '580.105.09');
    assert.throws(() => checkFile('components/gpu-operator/values.yaml', reference, t1), /documents/);
    const t2 = edited(
      'components/skyhook-operator/values.yaml'.replace('skyhook', 'nodewright'),
      'cpu: "1"',
      'cpu: 1',
    );
    assert.throws(() => checkFile('components/skyhook-operator/values.yaml', reference, t2), /documents/);
  });

  test('a registry entry with a scheduling path or the namespace changed', () => {
    const t1 = edited('registry.yaml', /\n\s+- node-feature-discovery\.worker\.tolerations/, '');
    assert.throws(() => checkRegistry(reference, t1), /registry component gpu-operator/);
    const t2 = edited('registry.yaml', 'defaultNamespace: nodewright', 'defaultNamespace: skyhook');
    assert.throws(() => checkRegistry(reference, t2), /registry component nodewright-operator/);
  });

  test('a changed static manifest and a changed health check', () => {
    const rel = 'components/kgateway-crds/manifests/gateway-api-crds.yaml';
    const t1 = edited(rel, 'bundle-version: v1.2.1', 'bundle-version: v1.2.2');
    assert.throws(() => checkFile(rel, reference, t1), /documents/);
    const check = 'checks/nodewright-operator/health-check.yaml';
    const t2 = edited(check, 'namespace: nodewright', 'namespace: skyhook');
    assert.throws(() => checkFile('checks/skyhook-operator/health-check.yaml', reference, t2), /documents/);
  });

  test('a changed template action fails, a changed template comment does not', () => {
    const refRel = 'components/skyhook-customizations/manifests/tuning.yaml';
    const rel = mapPath(refRel);
    const t1 = edited(
      rel,
      '$cust.autoTaintNewNodes | default true',
      '$cust.autoTaintNewNodes | default false',
    );
    assert.throws(() => checkFile(refRel, reference, t1), /template text/);
    const t2 = edited(rel, 'kind: NodeWright', 'kind: Skyhook');
    assert.throws(() => checkFile(refRel, reference, t2), /template text/);
    const t3 = edited(rel, '# 1. Install', '# Step one: install');
    checkFile(refRel, reference, t3);
  });

  test('lines starting with # inside a block scalar are data, not comments', () => {
    const refRel = 'components/gpu-operator/manifests/dcgm-exporter.yaml';
    const t = edited(refRel, '    # Clocks,,\n', '');
    assert.throws(() => checkFile(refRel, reference, t), /template text/);
  });
});

// ------------------------------------------------------------------------------------------------
// Self-consistency of recipes/ (needs no reference).

const parsed = (rel: string) => single(ours.get(rel)!, rel);
const overlayFiles = [...ours.keys()].filter((rel) => rel.startsWith('overlays/'));
const registry = parsed('registry.yaml');
const registryNames = new Set<string>(registry.components.map((c: any) => c.name));

describe('recipes/ references resolve', () => {
  test('every valuesFile, manifestFiles entry and healthCheck assertFile exists in recipes/', () => {
    const referenced: string[] = [];
    for (const rel of overlayFiles) {
      for (const ref of parsed(rel).spec?.componentRefs ?? []) {
        if (ref.valuesFile) referenced.push(ref.valuesFile);
        referenced.push(...(ref.manifestFiles ?? []));
        referenced.push(...(ref.patches ?? []));
      }
    }
    for (const c of registry.components)
      if (c.healthCheck?.assertFile) referenced.push(c.healthCheck.assertFile);
    assert.ok(referenced.length > 50, `found ${referenced.length} references`);
    const missing = [...new Set(referenced)].filter((p) => !existsSync(path.join(recipesDir, p)));
    assert.deepEqual(missing, []);
  });

  test('values and manifest paths live under the folder of their component', () => {
    for (const rel of overlayFiles) {
      for (const ref of parsed(rel).spec?.componentRefs ?? []) {
        for (const p of [ref.valuesFile, ...(ref.manifestFiles ?? [])].filter(Boolean)) {
          assert.ok(p.startsWith(`components/${ref.name}/`), `${rel}: ${ref.name} refers to ${p}`);
        }
      }
    }
    for (const c of registry.components) {
      if (c.healthCheck) assert.equal(c.healthCheck.assertFile, `checks/${c.name}/health-check.yaml`);
    }
  });

  test('component names and dependencyRefs name registry components', () => {
    for (const rel of overlayFiles) {
      for (const ref of parsed(rel).spec?.componentRefs ?? []) {
        assert.ok(registryNames.has(ref.name), `${rel}: unknown component ${ref.name}`);
        for (const dep of ref.dependencyRefs ?? []) {
          assert.ok(registryNames.has(dep), `${rel}: ${ref.name} depends on unknown ${dep}`);
        }
      }
    }
  });

  test('overlay names match file names and every parent exists without cycles', () => {
    const byName = new Map<string, any>();
    for (const rel of overlayFiles) {
      const doc = parsed(rel);
      assert.equal(doc.kind, 'RecipeMetadata', rel);
      assert.equal(doc.metadata.name, path.basename(rel, '.yaml'), rel);
      byName.set(doc.metadata.name, doc);
    }
    for (const [name] of byName) {
      const seen = new Set<string>();
      let cur: string = name;
      while (cur !== 'base') {
        assert.ok(!seen.has(cur), `inheritance cycle at ${cur}`);
        seen.add(cur);
        const doc = byName.get(cur);
        assert.ok(doc, `${name}: parent ${cur} does not exist`);
        cur = doc.spec.base || 'base';
      }
    }
  });

  test('legacy skyhook names survive only as external locations and --set aliases', () => {
    const allowed = (s: string) =>
      isExternalLocation(s) ||
      ['skyhook', 'skyhook-operator', 'skyhookcustomizations', 'skyhook-customizations'].includes(s);
    const strings = (v: unknown, out: string[] = []): string[] => {
      if (typeof v === 'string') out.push(v);
      else if (Array.isArray(v)) v.forEach((x) => strings(x, out));
      else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) strings(x, out.concat(k));
      return out;
    };
    for (const [rel, text] of ours) {
      if (isTemplate(text)) {
        for (const line of templateBody(text).filter((l) => /skyhook/i.test(l))) {
          assert.match(line, /image: ghcr\.io\/nvidia\/skyhook-packages\//, `${rel}: ${line}`);
        }
        continue;
      }
      for (const s of docs(text, rel).core.flatMap((d) => strings(d))) {
        if (/skyhook/i.test(s)) assert.ok(allowed(s), `${rel}: leftover legacy name in ${JSON.stringify(s)}`);
      }
    }
    const wr = registry.components.find((c: any) => c.name === 'nodewright-operator');
    assert.equal(wr.displayName, 'nodewright');
    assert.equal(wr.helm.defaultNamespace, 'nodewright');
    assert.equal(wr.helm.defaultChart, 'nodewright');
    assert.equal(wr.helm.defaultRepository, 'oci://ghcr.io/nvidia/nodewright/charts');
    assert.deepEqual(wr.valueOverrideKeys, ['nodewright', 'skyhook', 'skyhook-operator']);
  });
});

describe('recipes/ files are ours', () => {
  test('every file opens with our header comment and carries no upstream license header', () => {
    for (const [rel, text] of ours) {
      const header = text
        .split('\n')
        .filter((_, i, lines) => lines.slice(0, i + 1).every((l) => l.startsWith('#')));
      assert.ok(header.length >= 1 && /^# \S/.test(header[0]!), `${rel}: no header comment`);
      assert.ok(header.join(' ').length >= 40, `${rel}: header comment too short to explain the file`);
      assert.doesNotMatch(
        text,
        /Copyright|Licensed under the Apache License/,
        `${rel}: upstream license header`,
      );
    }
  });

  test('no comment is copied verbatim from the reference', { skip: noReference }, () => {
    // Comment lines only (block-scalar content such as the DCGM CSV section titles is data).
    const comments = (text: string): string[] => {
      const data = new Set(templateBody(text));
      return text
        .split('\n')
        .filter((l) => l.trimStart().startsWith('#') && !data.has(l.replace(/\s+$/, '')))
        .map((l) => l.trim().replace(/^#+\s*/, ''))
        .filter((c) => c.length >= 30 && c !== 'aicr/skip-hook-validation: "true"');
    };
    const upstream = new Set([...reference.values()].flatMap(comments));
    assert.ok(upstream.size > 100, 'reference comments were found');
    const copied: string[] = [];
    for (const [rel, text] of ours)
      for (const c of comments(text)) if (upstream.has(c)) copied.push(`${rel}: ${c}`);
    assert.deepEqual(copied, []);
  });
});

describe('the build compiles recipes/', () => {
  test('compile-catalog stores every file: registry and overlays parsed, manifests as text', async () => {
    const mod = await import(pathToFileURL(path.join(repoRoot, 'scripts', 'compile-catalog.mjs')).href);
    const tmp = mkdtempSync(path.join(os.tmpdir(), 'aicr-catalog-'));
    try {
      const res = mod.compileCatalog(recipesDir, tmp);
      assert.equal(res.files, ours.size);
      const compiled: Record<string, { doc?: any; text?: string; at?: [number, number] }> = {};
      for (const name of readdirSync(tmp).filter((n) => n.endsWith('.json')))
        Object.assign(compiled, JSON.parse(readFileSync(path.join(tmp, name), 'utf8')).files);
      // The manifests part keeps its texts in catalog-manifests.txt, by byte range.
      const blob = readFileSync(path.join(tmp, 'catalog-manifests.txt'));
      for (const e of Object.values(compiled))
        if (e.at) e.text = blob.subarray(e.at[0], e.at[0] + e.at[1]).toString('utf8');
      assert.deepEqual(Object.keys(compiled).sort(), [...ours.keys()].sort());
      for (const rel of overlayFiles) assert.equal(compiled[rel]!.doc.kind, 'RecipeMetadata', rel);
      assert.equal(compiled['registry.yaml']!.doc.kind, 'ComponentRegistry');
      assert.deepEqual(
        compiled['components/gpu-operator/values.yaml']!.doc,
        parsed('components/gpu-operator/values.yaml'),
      );
      for (const [rel, text] of ours)
        if (rel.includes('/manifests/')) assert.equal(compiled[rel]!.text, text, rel);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });
});
