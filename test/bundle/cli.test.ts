/** `aicr bundle` end to end through the built CLI (dist/aicr.mjs; `npm test` builds it first). */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { cliPath, hasShared, referenceCatalogDir } from '../helpers/paths.js';
import { cleanup, has, readTree, run, tempDir } from './helpers.js';

function aicr(args: string[], opts: { cwd?: string; input?: string } = {}) {
  return run(process.execPath, [cliPath, ...args], { ...opts, env: { ...process.env, NO_COLOR: '1' } });
}

describe(
  'aicr bundle (CLI)',
  { skip: existsSync(cliPath) ? false : 'dist/aicr.mjs not built (npm run build)' },
  () => {
    let dir: string;
    let recipe: string;
    before(() => {
      dir = tempDir('aicr-bundle-cli-');
      recipe = path.join(dir, 'recipe.yaml');
      const r = aicr([
        'recipe',
        '--service',
        'eks',
        '--accelerator',
        'h100',
        '--intent',
        'training',
        '--os',
        'ubuntu',
        '-o',
        recipe,
      ]);
      assert.equal(r.code, 0, r.stderr);
    });
    after(() => cleanup(dir));

    it('bundles with the scheduling flags; values carry them; checksums verify', () => {
      const out = path.join(dir, 'bundle');
      const r = aicr(
        [
          'bundle',
          '-r',
          recipe,
          '-o',
          out,
          '--system-node-selector',
          'nodeGroup=system-pool',
          '--system-node-toleration',
          'dedicated=system:NoSchedule',
          '--accelerated-node-selector',
          'nodeGroup=gpu-worker',
          '--accelerated-node-toleration',
          'nvidia.com/gpu=present:NoSchedule',
          '--set',
          'gpuoperator:driver.version=999.99.99',
        ],
        { cwd: dir },
      );
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /Helm per-component bundle generated successfully!/);
      assert.match(r.stdout, new RegExp(`Output directory: ${out.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
      assert.match(r.stdout, /Files generated: \d+ \([\d.]+ KiB\) in \d+\.\d\ds/);
      assert.match(
        r.stdout,
        /To deploy:\n {2}1\. cd .*\n {2}2\. sha256sum -c checksums\.txt\n {2}3\. \.\/deploy\.sh/,
      );
      assert.match(r.stdout, /⚠ nodewright-customizations is enabled but --workload-selector is not set/);
      const v = parse(readFileSync(path.join(out, 'gpu-operator/values.yaml'), 'utf8'));
      assert.deepEqual(v.operator.nodeSelector, { nodeGroup: 'system-pool' });
      assert.deepEqual(v['node-feature-discovery'].gc.nodeSelector, { nodeGroup: 'system-pool' });
      assert.deepEqual(v.operator.tolerations, [
        { effect: 'NoSchedule', key: 'dedicated', operator: 'Equal', value: 'system' },
      ]);
      assert.deepEqual(v.daemonsets.nodeSelector, { nodeGroup: 'gpu-worker' });
      assert.deepEqual(v.daemonsets.tolerations, [
        { effect: 'NoSchedule', key: 'nvidia.com/gpu', operator: 'Equal', value: 'present' },
      ]);
      assert.equal(v.driver.version, '999.99.99');
      if (has('sha256sum')) {
        const c = run('sha256sum', ['-c', 'checksums.txt'], { cwd: out });
        assert.equal(c.code, 0, c.stdout + c.stderr);
      }
      if (has('bash'))
        for (const s of ['deploy.sh', 'undeploy.sh'])
          assert.equal(run('bash', ['-n', path.join(out, s)]).code, 0);
    });

    it('refuses --deployer argocd without --repo (exit 2, nothing written)', () => {
      const out = path.join(dir, 'argocd-norepo');
      const r = aicr(['bundle', '-r', recipe, '-o', out, '--deployer', 'argocd']);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /--deployer argocd requires --repo <git URL>/);
      assert.equal(existsSync(out), false);
    });

    it('generates ordered Argo CD applications with --deployer argocd --repo', () => {
      const out = path.join(dir, 'argocd');
      const repo = 'https://github.com/my-org/gpu-gitops.git';
      const r = aicr(['bundle', '-r', recipe, '-o', out, '-d', 'ArgoCD', '--repo', repo]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /ArgoCD applications generated successfully!/);
      assert.match(r.stdout, /kubectl apply -f .*app-of-apps\.yaml/);
      const order = parse(readFileSync(recipe, 'utf8')).deploymentOrder as string[];
      order.forEach((name, i) => {
        const app = parse(readFileSync(path.join(out, name, 'application.yaml'), 'utf8'));
        assert.equal(app.metadata.annotations['argocd.argoproj.io/sync-wave'], String(i), name);
      });
      const tree = readTree(out);
      for (const [f, c] of tree)
        if (f.endsWith('.yaml')) assert.doesNotMatch(c.toString(), /\{\{|YOUR-ORG/, f);
      assert.match(
        tree.get('app-of-apps.yaml')!.toString(),
        new RegExp(`repoURL: ${repo.replace(/\./g, '\\.')}`),
      );
    });

    it('reads the recipe from stdin', () => {
      const out = path.join(dir, 'stdin');
      const r = aicr(['bundle', '-r', '-', '-o', out, '--set', 'nvsentinel:enabled=false'], {
        input: readFileSync(recipe, 'utf8'),
      });
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /disabled: nvsentinel/);
      assert.ok(!existsSync(path.join(out, 'nvsentinel')));
      assert.doesNotMatch(readFileSync(path.join(out, 'deploy.sh'), 'utf8'), /nvsentinel/);
    });

    const bad: [string, string[], RegExp[]][] = [
      ['--set without ":"', ['--set', 'gpuoperator.driver.version=1'], [/component:dotted\.path=value/]],
      ['--set without "="', ['--set', 'gpuoperator:driver.version'], [/component:dotted\.path=value/]],
      [
        '--set for a component not in the recipe',
        ['--set', 'dynamo:replicas=2'],
        [/"dynamo" is not a component of this recipe/, /gpu-operator \(aliases: gpuoperator\)/],
      ],
      [
        'a selector without "="',
        ['--system-node-selector', 'nodeGroup'],
        [/--system-node-selector/, /key=value/],
      ],
      [
        'a toleration without effect',
        ['--accelerated-node-toleration', 'nvidia.com/gpu=present'],
        [/key=value:Effect/],
      ],
      [
        'a toleration with a bad effect',
        ['--system-node-toleration', 'a=b:Sometimes'],
        [/NoSchedule, PreferNoSchedule, NoExecute/],
      ],
      ['a bad workload gate', ['--workload-gate', 'gate'], [/--workload-gate/, /key=value:Effect/]],
      ['an unknown deployer', ['--deployer', 'flux'], [/argocd, helm/]],
      ['a negative --nodes', ['--nodes', '-1'], [/--nodes/, />= 0/]],
      ['a duplicate --recipe', ['-r', 'x.yaml'], [/--recipe can only be specified once/]],
      ['an OCI output', ['-o', 'oci://registry.example.com/b:1'], [/OCI registry output is not supported/]],
    ];
    for (const [what, args, patterns] of bad) {
      it(`exits 2 on ${what}, writing nothing`, () => {
        const out = path.join(dir, `bad-${what.replace(/\W+/g, '-')}`);
        const argv = ['bundle', '-r', recipe, ...args];
        if (!args.includes('-o')) argv.push('-o', out);
        const r = aicr(argv, { cwd: dir });
        assert.equal(r.code, 2, `${what}: ${r.stderr}`);
        for (const p of patterns) assert.match(r.stderr, p);
        assert.ok(!existsSync(out));
      });
    }

    it('fails on a recipe that references a missing manifest, writing nothing', () => {
      const doc = parse(readFileSync(recipe, 'utf8'));
      doc.componentRefs
        .find((c: { name: string }) => c.name === 'gpu-operator')
        .manifestFiles.push('components/gpu-operator/manifests/missing.yaml');
      const broken = path.join(dir, 'broken.yaml');
      writeFileSync(broken, JSON.stringify(doc));
      const out = path.join(dir, 'broken-out');
      const r = aicr(['bundle', '-r', broken, '-o', out]);
      assert.notEqual(r.code, 0);
      assert.match(r.stderr, /component "gpu-operator".*components\/gpu-operator\/manifests\/missing\.yaml/);
      assert.ok(!existsSync(out));
      assert.ok(!readdirSync(dir).some((n) => n.includes('aicr-staging')));
    });

    it('fails with "not found" for a missing recipe file', () => {
      const r = aicr(['bundle', '-r', path.join(dir, 'nope.yaml'), '-o', path.join(dir, 'x')]);
      assert.notEqual(r.code, 0);
      assert.match(r.stderr, /nope\.yaml/);
    });

    it('documents the flags and examples in --help', () => {
      const r = aicr(['bundle', '--help']);
      assert.equal(r.code, 0);
      for (const f of [
        '--recipe',
        '--output',
        '--force',
        '--set',
        '--deployer',
        '--repo',
        '--system-node-selector',
        '--system-node-toleration',
        '--accelerated-node-selector',
        '--accelerated-node-toleration',
        '--workload-gate',
        '--workload-selector',
        '--nodes',
        '--fail-fast',
        '--data',
        '--kubeconfig',
      ])
        assert.ok(r.stdout.includes(f), f);
      assert.match(r.stdout, /aicr bundle -r recipe\.yaml -o \.\/bundle/);
    });

    it(
      'bundles a reference-format catalog given with --data (Skyhook names), copying it into data/',
      { skip: hasShared ? false : 'shared reference catalog not available' },
      () => {
        const rr = path.join(dir, 'ref-recipe.yaml');
        const a = aicr([
          'recipe',
          '--service',
          'eks',
          '--accelerator',
          'h100',
          '--intent',
          'training',
          '--data',
          referenceCatalogDir,
          '-o',
          rr,
        ]);
        assert.equal(a.code, 0, a.stderr);
        const out = path.join(dir, 'ref');
        const r = aicr([
          'bundle',
          '-r',
          rr,
          '-o',
          out,
          '--data',
          referenceCatalogDir,
          '--set',
          'skyhook:estimatedNodeCount=3',
        ]);
        assert.equal(r.code, 0, r.stderr);
        const tree = readTree(out);
        assert.ok(tree.has('data/registry.yaml'));
        assert.match(tree.get('checksums.txt')!.toString(), / {2}data\/registry\.yaml\n/);
        assert.match(tree.get('nodewright-operator/values.yaml')!.toString(), /estimatedNodeCount: 3/);
        const tuning = [...tree.keys()].find((f) => f.startsWith('nodewright-customizations/manifests/'));
        assert.ok(tuning, 'the legacy template rendered');
        if (has('sha256sum'))
          assert.equal(run('sha256sum', ['-c', '--quiet', 'checksums.txt'], { cwd: out }).code, 0);
      },
    );
  },
);
