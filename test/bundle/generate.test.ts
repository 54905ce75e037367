import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { AicrError, exitCodeFor } from '../../src/errors/index.js';
import { generateBundle, type BundleRequest } from '../../src/bundle/generate.js';
import { parseScheduling } from '../../src/bundle/options.js';
import type { RecipeResult } from '../../src/model/recipe.js';
import { catalogRecipe, cleanup, EKS_TRAINING, has, readTree, run, tempDir } from './helpers.js';

const SCHEDULING = parseScheduling({
  systemNodeSelector: ['nodeGroup=system-pool'],
  acceleratedNodeSelector: ['nodeGroup=gpu-worker'],
  acceleratedNodeToleration: ['nvidia.com/gpu=present:NoSchedule'],
});

function parseYamlFile(content: Buffer, file: string): unknown[] {
  const docs = parseAllDocuments(content.toString('utf8'));
  const list = Array.isArray(docs) ? docs : [];
  for (const d of list) assert.deepEqual(d.errors, [], `${file} is not valid YAML`);
  return list.map((d) => d.toJS());
}

function withMissingManifest(recipe: RecipeResult, component: string, file: string): RecipeResult {
  const r = structuredClone(recipe);
  const ref = r.componentRefs!.find((c) => c.name === component)!;
  ref.manifestFiles = [...(ref.manifestFiles ?? []), file];
  return r;
}

describe('bundle generation (embedded catalog)', async () => {
  const { recipe, store } = await catalogRecipe(EKS_TRAINING);
  let work: string;
  const base = (outputDir: string, extra: Partial<BundleRequest> = {}): BundleRequest => ({
    recipe,
    source: store.source,
    registry: store.registry(),
    outputDir,
    scheduling: SCHEDULING,
    toolVersion: 'v1.2.3-test',
    ...extra,
  });
  before(() => {
    work = tempDir();
  });
  after(() => cleanup(work));

  describe('helm deployer', () => {
    let out: string;
    let tree: Map<string, Buffer>;
    before(async () => {
      out = path.join(work, 'helm');
      const res = await generateBundle(base(out));
      assert.equal(res.deployer, 'helm');
      tree = readTree(out);
    });

    it('writes per-component folders in deployment order and the root files', () => {
      for (const name of recipe.deploymentOrder!) {
        assert.ok(tree.has(`${name}/values.yaml`), name);
        assert.ok(tree.has(`${name}/README.md`), name);
      }
      for (const f of ['README.md', 'deploy.sh', 'undeploy.sh', 'checksums.txt', 'recipe.yaml'])
        assert.ok(tree.has(f), f);
      assert.ok(tree.has('gpu-operator/manifests/dcgm-exporter.yaml'));
      assert.ok(tree.has('nodewright-customizations/manifests/tuning.yaml'));
      assert.ok(![...tree.keys()].some((f) => f.endsWith('Chart.yaml')));
      assert.equal(statSync(path.join(out, 'deploy.sh')).mode & 0o777, 0o755);
      assert.equal(statSync(path.join(out, 'undeploy.sh')).mode & 0o777, 0o755);
      assert.ok(!readdirSync(work).some((n) => n.includes('aicr-staging')), 'no staging leftovers');
    });

    it('puts selectors and tolerations at the GPU Operator registry paths', () => {
      const [v] = parseYamlFile(tree.get('gpu-operator/values.yaml')!, 'values') as any[];
      assert.deepEqual(v.operator.nodeSelector, { nodeGroup: 'system-pool' });
      assert.deepEqual(v['node-feature-discovery'].master.nodeSelector, { nodeGroup: 'system-pool' });
      assert.deepEqual(v.daemonsets.nodeSelector, { nodeGroup: 'gpu-worker' });
      assert.deepEqual(v.daemonsets.tolerations, [
        { effect: 'NoSchedule', key: 'nvidia.com/gpu', operator: 'Equal', value: 'present' },
      ]);
      assert.deepEqual(v.operator.tolerations, [{ operator: 'Exists' }]);
    });

    it('parses back every YAML file', () => {
      let n = 0;
      for (const [f, content] of tree) {
        if (!f.endsWith('.yaml')) continue;
        const docs = parseYamlFile(content, f);
        assert.ok(docs.length >= 1, f);
        n++;
      }
      assert.ok(n >= recipe.componentRefs!.length + 3);
    });

    it('has checksums of every other file, in generation order, that sha256sum -c accepts', () => {
      const lines = tree.get('checksums.txt')!.toString().trimEnd().split('\n');
      const listed = lines.map((l) => {
        assert.match(l, /^[0-9a-f]{64} {2}\S+$/);
        return l.slice(66);
      });
      assert.deepEqual([...listed].sort(), [...tree.keys()].filter((f) => f !== 'checksums.txt').sort());
      assert.equal(listed[0], `${recipe.deploymentOrder![0]}/values.yaml`);
      assert.deepEqual(listed.slice(-5), [
        'README.md',
        'deploy.sh',
        'undeploy.sh',
        'recipe.yaml',
        '.aicr-bundle',
      ]);
      if (!has('sha256sum')) return;
      const r = run('sha256sum', ['-c', 'checksums.txt'], { cwd: out });
      assert.equal(r.code, 0, r.stdout + r.stderr);
    });

    it('renders the NodeWright resource and the DCGM exporter ConfigMap', () => {
      const [nw] = parseYamlFile(
        tree.get('nodewright-customizations/manifests/tuning.yaml')!,
        'tuning',
      ) as any[];
      assert.equal(nw.apiVersion, 'nodewright.nvidia.com/v1alpha1');
      assert.equal(nw.kind, 'NodeWright');
      assert.equal(nw.metadata.namespace, 'nodewright');
      assert.equal(nw.spec.autoTaintNewNodes, true);
      assert.deepEqual(nw.spec.nodeSelectors.matchLabels, { nodeGroup: 'gpu-worker' });
      assert.deepEqual(nw.spec.additionalTolerations, [
        { effect: 'NoSchedule', key: 'nvidia.com/gpu', operator: 'Equal', value: 'present' },
      ]);
      const [cm] = parseYamlFile(tree.get('gpu-operator/manifests/dcgm-exporter.yaml')!, 'dcgm') as any[];
      assert.equal(cm.kind, 'ConfigMap');
      assert.equal(cm.metadata.name, 'dcgm-exporter');
      assert.equal(cm.metadata.namespace, 'gpu-operator');
      const gpuRef = recipe.componentRefs!.find((c) => c.name === 'gpu-operator')!;
      assert.equal(cm.metadata.labels['helm.sh/chart'], `gpu-operator-${gpuRef.version!.replace(/^v/, '')}`);
    });

    it('writes the recipe reduced to the bundled components and no timestamps', () => {
      const r = parse(tree.get('recipe.yaml')!.toString());
      assert.equal(r.kind, 'RecipeResult');
      assert.deepEqual(r.deploymentOrder, recipe.deploymentOrder);
      for (const [f, c] of tree) {
        assert.doesNotMatch(c.toString(), /GeneratedAt:|generated_at:|timestamp:|Timestamp:/, f);
      }
    });
  });

  it('is byte-reproducible, with or without concurrency', async () => {
    const a = path.join(work, 'repro-a');
    const b = path.join(work, 'repro-b');
    await generateBundle(base(a));
    await generateBundle(base(b, { concurrency: 1 }));
    const ta = readTree(a);
    const tb = readTree(b);
    assert.deepEqual([...ta.keys()], [...tb.keys()]);
    for (const [f, c] of ta) assert.ok(c.equals(tb.get(f)!), `${f} differs`);
  });

  it('drops the DCGM ConfigMap with dcgmExporter.config.create=false, and its deploy.sh steps', async () => {
    const out = path.join(work, 'no-dcgm');
    await generateBundle(base(out, { set: ['gpuoperator:dcgmExporter.config.create=false'] }));
    assert.ok(!existsSync(path.join(out, 'gpu-operator/manifests')));
    const tree = readTree(out);
    assert.doesNotMatch(tree.get('deploy.sh')!.toString(), /gpu-operator\/manifests/);
  });

  it('honours autoTaintNewNodes overrides in the NodeWright resource', async () => {
    for (const [value, want] of [
      ['false', false],
      ['banana', true],
    ] as const) {
      const out = path.join(work, `taint-${value}`);
      await generateBundle(base(out, { set: [`nodewrightcustomizations:autoTaintNewNodes=${value}`] }));
      const [nw] = parseYamlFile(
        readTree(out).get('nodewright-customizations/manifests/tuning.yaml')!,
        'tuning',
      ) as any[];
      assert.equal(nw.spec.autoTaintNewNodes, want, value);
    }
  });

  describe('atomic output', () => {
    it('creates nothing when a component fails, and names component and file', async () => {
      const out = path.join(work, 'missing', 'deeper');
      const bad = withMissingManifest(recipe, 'gpu-operator', 'components/gpu-operator/manifests/nope.yaml');
      await assert.rejects(generateBundle(base(out, { recipe: bad })), (e: unknown) => {
        assert.ok(e instanceof AicrError);
        assert.match(
          e.toString(),
          /component "gpu-operator".*components\/gpu-operator\/manifests\/nope\.yaml/,
        );
        assert.notEqual(exitCodeFor(e), 0);
        return true;
      });
      assert.ok(!existsSync(path.join(work, 'missing')));
      assert.ok(!readdirSync(work).some((n) => n.includes('aicr-staging')));
    });

    it('leaves an existing bundle untouched on failure, and replaces it whole on success', async () => {
      const out = path.join(work, 'existing');
      await generateBundle(base(out));
      writeFileSync(path.join(out, 'NOTES.txt'), 'mine\n');
      mkdirSync(path.join(out, 'gpu-operator', 'manifests'), { recursive: true });
      writeFileSync(path.join(out, 'gpu-operator', 'manifests', 'stale.yaml'), 'kind: Stale\n');
      const before = readTree(out);
      const bad = withMissingManifest(recipe, 'cert-manager', 'components/cert-manager/manifests/nope.yaml');
      await assert.rejects(generateBundle(base(out, { recipe: bad, set: ['gpuoperator:driver.version=1'] })));
      const afterFail = readTree(out);
      assert.deepEqual([...afterFail.keys()], [...before.keys()]);
      for (const [f, c] of before) assert.ok(c.equals(afterFail.get(f)!), `${f} changed`);

      await generateBundle(base(out, { set: ['gpuoperator:driver.version=570.86.16'] }));
      const afterOk = readTree(out);
      assert.ok(!afterOk.has('NOTES.txt'), 'the whole tree is replaced');
      assert.ok(!afterOk.has('gpu-operator/manifests/stale.yaml'), 'stale files are gone');
      assert.ok(!readdirSync(work).some((n) => n.includes('.aicr-')), 'no hidden entries beside it');
      assert.match(afterOk.get('gpu-operator/values.yaml')!.toString(), /version: 570\.86\.16/);
      assert.ok(!readdirSync(out).some((n) => n.includes('aicr-staging')));
      const r = has('sha256sum')
        ? run('sha256sum', ['-c', '--quiet', 'checksums.txt'], { cwd: out })
        : { code: 0 };
      assert.equal(r.code, 0);
    });

    it('refuses a file as output directory', async () => {
      const f = path.join(work, 'a-file');
      writeFileSync(f, 'x');
      await assert.rejects(generateBundle(base(f)), /exists and is not a directory/);
    });

    it('refuses a non-empty directory that is not an aicr bundle, unless forced', async () => {
      const out = path.join(work, 'blocked');
      mkdirSync(path.join(out, 'deploy.sh'), { recursive: true });
      await assert.rejects(generateBundle(base(out)), /not empty and is not an aicr bundle.*--force/);
      assert.deepEqual(readdirSync(out), ['deploy.sh']);
      await generateBundle(base(out, { force: true }));
      assert.ok(existsSync(path.join(out, '.aicr-bundle')));
      assert.ok(statSync(path.join(out, 'deploy.sh')).isFile());
    });
  });

  describe('error collection', () => {
    const bad = () =>
      withMissingManifest(
        withMissingManifest(recipe, 'cert-manager', 'components/cert-manager/manifests/a.yaml'),
        'gpu-operator',
        'components/gpu-operator/manifests/b.yaml',
      );

    it('reports every failing component by default, in deployment order', async () => {
      await assert.rejects(generateBundle(base(path.join(work, 'e1'), { recipe: bad() })), (e: unknown) => {
        const text = (e as Error).message;
        assert.match(text, /failed for 2 components/);
        assert.ok(text.indexOf('"cert-manager"') < text.indexOf('"gpu-operator"'));
        return true;
      });
    });

    it('stops at the first failure with failFast, also when all components run at once', async () => {
      await assert.rejects(
        generateBundle(base(path.join(work, 'e3'), { recipe: bad(), failFast: true })),
        (e: unknown) => {
          const text = (e as AicrError).toString();
          assert.match(text, /component "cert-manager"/);
          assert.doesNotMatch(text, /gpu-operator/);
          return true;
        },
      );
      assert.ok(!existsSync(path.join(work, 'e3')));
    });

    it('stops at the first failure with failFast', async () => {
      await assert.rejects(
        generateBundle(base(path.join(work, 'e2'), { recipe: bad(), failFast: true, concurrency: 1 })),
        (e: unknown) => {
          const text = (e as AicrError).toString();
          assert.match(text, /component "cert-manager"/);
          assert.doesNotMatch(text, /gpu-operator/);
          return true;
        },
      );
    });
  });

  describe('argocd deployer', () => {
    const repo = 'https://github.com/example/gpu-gitops.git';
    let out: string;
    let tree: Map<string, Buffer>;
    before(async () => {
      out = path.join(work, 'argocd');
      const res = await generateBundle(base(out, { deployer: 'argocd', repo }));
      assert.deepEqual(
        res.notes.filter((n) => n.includes('--repo')),
        [],
      );
      tree = readTree(out);
    });

    it('writes one Application per component with sync waves in deployment order', () => {
      recipe.deploymentOrder!.forEach((name, i) => {
        const [app] = parseYamlFile(tree.get(`${name}/application.yaml`)!, name) as any[];
        assert.equal(app.kind, 'Application');
        assert.equal(app.metadata.name, name);
        assert.equal(app.metadata.annotations['argocd.argoproj.io/sync-wave'], String(i));
      });
      const [gpu] = parseYamlFile(tree.get('gpu-operator/application.yaml')!, 'gpu') as any[];
      assert.equal(gpu.spec.sources[0].chart, 'gpu-operator');
      assert.doesNotMatch(gpu.spec.sources[0].targetRevision, /^v/);
      assert.deepEqual(gpu.spec.sources[0].helm.valueFiles, ['$values/gpu-operator/values.yaml']);
      assert.deepEqual(gpu.spec.sources[1], { repoURL: repo, targetRevision: 'main', ref: 'values' });
      assert.equal(gpu.spec.sources[2].path, 'gpu-operator/manifests');
      const [nw] = parseYamlFile(tree.get('nodewright-customizations/application.yaml')!, 'nw') as any[];
      assert.deepEqual(nw.spec.source, {
        repoURL: repo,
        targetRevision: 'main',
        path: 'nodewright-customizations/manifests',
      });
      assert.ok(tree.has('nodewright-customizations/manifests/tuning.yaml'));
    });

    it('has an app-of-apps on --repo and no placeholders anywhere', () => {
      const [app] = parseYamlFile(tree.get('app-of-apps.yaml')!, 'app-of-apps') as any[];
      assert.equal(app.spec.source.repoURL, repo);
      assert.equal(app.spec.source.directory.include, '*/application.yaml');
      for (const [f, c] of tree) {
        if (!f.endsWith('.yaml')) continue;
        assert.doesNotMatch(c.toString(), /\{\{|YOUR-ORG|RepoURL/, f);
        parseYamlFile(c, f);
      }
      assert.ok(!tree.has('deploy.sh') && !tree.has('recipe.yaml'));
      if (has('sha256sum'))
        assert.equal(run('sha256sum', ['-c', '--quiet', 'checksums.txt'], { cwd: out }).code, 0);
    });

    it('refuses an Argo CD bundle without --repo and writes nothing', async () => {
      const out = path.join(work, 'argocd-norepo');
      await assert.rejects(
        generateBundle(base(out, { deployer: 'argocd' })),
        /--deployer argocd requires --repo/,
      );
      assert.equal(existsSync(out), false);
    });
  });
});
