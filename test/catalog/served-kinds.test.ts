/**
 * The catalog installs what its bundles use: every custom resource a bundle manifest renders must be
 * served by the chart version the same recipe installs (registry `servedKinds`: kinds and the first
 * chart version serving them), or by a CustomResourceDefinition the same bundle renders. Checked for
 * the recipe of every overlay. A `kubectl apply` of a kind nothing serves fails on a real cluster with
 * "no matches for kind".
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parse } from 'yaml';
import { repoRoot } from '../helpers/paths.js';
import {
  compareVersions,
  groupOf,
  BUILTIN_GROUPS,
  renderAllBundles,
  unservedKinds,
  type RenderedBundle,
} from './bundle-manifests.js';

describe('catalog: custom resources rendered by bundles are served by the charts installed', () => {
  let dir: string;
  let bundles: RenderedBundle[];
  before(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'aicr-served-kinds-'));
    bundles = await renderAllBundles(dir);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('every overlay recipe: each rendered custom resource is served', () => {
    assert.ok(bundles.length >= 20, `${bundles.length} overlay recipes`);
    const crs = bundles
      .flatMap((b) => b.manifests.flatMap((m) => m.docs))
      .filter((d) => !BUILTIN_GROUPS.has(groupOf(d.apiVersion)));
    const kinds = new Set(crs.map((d) => `${d.apiVersion} ${d.kind}`));
    // The check has something to check: the NodeWright resource and the others of the catalog.
    assert.ok(kinds.has('nodewright.nvidia.com/v1alpha1 NodeWright'), [...kinds].join(', '));
    assert.deepEqual(bundles.flatMap(unservedKinds), []);
  });

  it('the Nodewright operator is the OCI chart `nodewright` at a version serving nodewright.nvidia.com', () => {
    const withNodewright = bundles.filter((b) =>
      b.recipe.componentRefs?.some((r) => r.name === 'nodewright-operator'),
    );
    assert.ok(withNodewright.length > 0);
    for (const b of withNodewright) {
      const ref = b.recipe.componentRefs!.find((r) => r.name === 'nodewright-operator')!;
      assert.equal(ref.source, 'oci://ghcr.io/nvidia/nodewright/charts', b.overlay);
      assert.equal(ref.chart, 'nodewright', b.overlay);
      assert.ok(compareVersions(ref.version!, 'v0.18.0') >= 0, `${b.overlay}: ${ref.version}`);
    }
    // Every place naming the chart agrees: registry defaults and the base overlay.
    const reg = parse(readFileSync(path.join(repoRoot, 'recipes/registry.yaml'), 'utf8'));
    const entry = reg.components.find((c: { name: string }) => c.name === 'nodewright-operator');
    assert.deepEqual(
      [entry.helm.defaultRepository, entry.helm.defaultChart, entry.helm.defaultVersion],
      ['oci://ghcr.io/nvidia/nodewright/charts', 'nodewright', 'v0.19.0'],
    );
    const base = parse(readFileSync(path.join(repoRoot, 'recipes/overlays/base.yaml'), 'utf8'));
    const ref = base.spec.componentRefs.find((c: { name: string }) => c.name === 'nodewright-operator');
    assert.deepEqual(
      [ref.source, ref.chart, ref.version],
      ['oci://ghcr.io/nvidia/nodewright/charts', 'nodewright', 'v0.19.0'],
    );
  });

  it('the check fails for the old pin (skyhook-operator v0.14.0) and for a kind nothing serves', () => {
    const b = bundles.find((x) =>
      x.recipe.componentRefs?.some((r) => r.name === 'nodewright-customizations'),
    )!;
    const old = structuredClone(b);
    const ref = old.recipe.componentRefs!.find((r) => r.name === 'nodewright-operator')!;
    Object.assign(ref, {
      source: 'https://helm.ngc.nvidia.com/nvidia/skyhook',
      chart: 'skyhook-operator',
      version: 'v0.14.0',
    });
    const problems = unservedKinds(old);
    assert.ok(problems.length > 0);
    assert.match(
      problems[0]!,
      /nodewright-operator installs skyhook-operator v0\.14\.0 but nodewright\.nvidia\.com\/v1alpha1 NodeWright needs v0\.18\.0 or later/,
    );

    const stray = structuredClone(b);
    stray.manifests[0]!.docs.push({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' } });
    assert.match(
      unservedKinds(stray).join('\n'),
      /example\.com\/v1 Widget: no component of the recipe serves it/,
    );
  });

  it('version comparison', () => {
    assert.ok(compareVersions('v0.19.0', 'v0.18.0') > 0);
    assert.ok(compareVersions('0.18.0', 'v0.18.0') === 0);
    assert.ok(compareVersions('v0.9.0', 'v0.18.0') < 0);
    assert.ok(compareVersions('2.1.0', '2.0.0') > 0);
  });
});
