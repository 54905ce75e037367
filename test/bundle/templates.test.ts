/**
 * The bundle's generated files come from src/bundle/templates/*.tmpl: the built CLI (which embeds
 * the templates) reproduces the golden bundles, and component facts of the scripts (async install,
 * kubelet-plugin restart, orphaned CRD groups, extra namespaces) come from the registry's `deploy:`,
 * which the registry schema validates.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { check, registrySchema } from '../../src/model/schema.js';
import { planComponents } from '../../src/bundle/components.js';
import { deployScript, undeployScript } from '../../src/bundle/helm/scripts.js';
import type { ComponentRegistry, RecipeResult } from '../../src/model/recipe.js';
import { cliPath } from '../helpers/paths.js';
import { cleanup, FIXTURES, readTree, run, tempDir } from './helpers.js';

const GOLDEN_FLAGS = [
  '--set',
  'demo:operator.logLevel=debug',
  '--set',
  'certmanager:webhook.replicaCount=2',
  '--system-node-selector',
  'nodeGroup=system-pool',
  '--system-node-toleration',
  'dedicated=system:NoSchedule',
  '--accelerated-node-selector',
  'nodeGroup=gpu-worker',
  '--accelerated-node-toleration',
  'nvidia.com/gpu=present:NoSchedule',
  '--workload-gate',
  'demo.example.com/not-ready=true:NoSchedule',
  '--nodes',
  '4',
];

describe('bundle templates', () => {
  for (const deployer of ['helm', 'argocd'] as const) {
    it(`the built CLI renders the ${deployer} golden bundle (templates embedded at build time)`, () => {
      const dir = tempDir('aicr-templates-');
      try {
        const version = /version (\S+)/.exec(run(process.execPath, [cliPath, '--version']).stdout)![1]!;
        const out = path.join(dir, 'b');
        const r = run(process.execPath, [
          cliPath,
          'bundle',
          '-r',
          path.join(FIXTURES, 'recipe.yaml'),
          '--data',
          path.join(FIXTURES, 'catalog'),
          '--deployer',
          deployer,
          '--repo',
          'https://git.example.com/platform/gpu-stack.git',
          '-o',
          out,
          ...GOLDEN_FLAGS,
        ]);
        assert.equal(r.code, 0, r.stderr);
        const got = readTree(out);
        const want = readTree(path.join(FIXTURES, 'golden', deployer));
        // The CLI also copies the --data catalog into the bundle (data/); the rest is the golden tree.
        const generated = [...got.keys()].filter((f) => !f.startsWith('data/'));
        assert.deepEqual(generated.sort(), [...want.keys()].sort());
        const versionRe = new RegExp(`(aicr|AICR Bundler) ${version.replace(/\./g, '\\.')}\\b`, 'g');
        for (const file of generated) {
          if (file === 'checksums.txt') continue;
          const content = got.get(file)!;
          const text = content.toString('utf8').replace(versionRe, '$1 v0.0.0-golden');
          assert.equal(text, want.get(file)!.toString('utf8'), file);
        }
      } finally {
        cleanup(dir);
      }
    });
  }

  it('takes script facts from the registry: a component named like a catalog one gets none', () => {
    const recipe: RecipeResult = {
      componentRefs: [
        { name: 'kai-scheduler', type: 'Helm', namespace: 'kai', source: 'https://charts.example.com' },
        { name: 'custom', type: 'Helm', namespace: 'custom', source: 'https://charts.example.com' },
      ],
    } as RecipeResult;
    const registry: ComponentRegistry = {
      components: [
        { name: 'kai-scheduler' },
        {
          name: 'custom',
          deploy: {
            async: true,
            restartKubeletPlugins: true,
            orphanCrdGroups: ['custom.example.com'],
            extraNamespaces: ['custom-extra'],
          },
        },
      ],
    };
    const comps = planComponents(recipe, registry).components.map((c) => ({ c, hasManifests: false }));
    const deploy = deployScript(comps, 't');
    const undeploy = undeployScript(comps, 't');
    assert.match(deploy, /^ASYNC_COMPONENTS=custom$/m);
    assert.match(deploy, /helm upgrade --install kai-scheduler .*HELM_WAIT/);
    assert.doesNotMatch(deploy, /helm upgrade --install custom .*HELM_WAIT/);
    assert.match(deploy, /^restart_kubelet_plugins custom$/m);
    assert.match(deploy, /grep -E '\\\.custom\\\.example\\\.com\$'/);
    assert.match(undeploy, /^CRD_PATTERNS=\('\\\.custom\\\.example\\\.com\$'\)$/m);
    assert.match(undeploy, /kubectl delete namespace custom-extra /);
    assert.doesNotMatch(undeploy, /kai-resource-reservation/);
  });

  it('the registry schema validates deploy facts', () => {
    const reg = (deploy: unknown) => ({ components: [{ name: 'x', deploy }] });
    assert.doesNotThrow(() => check(registrySchema, reg({ async: true, orphanCrdGroups: ['a.b'] }), 'r'));
    for (const bad of [
      { async: 'yes' },
      { orphanCrdGroups: ['a b'] },
      { orphanCrdGroups: ["x'$(id)"] },
      { extraNamespaces: ['Not_A_Namespace'] },
      { wait: false },
    ]) {
      assert.throws(() => check(registrySchema, reg(bad), 'registry.yaml'), JSON.stringify(bad));
    }
  });

  it('a --data registry with an invalid deploy fact is an input error (exit 2)', () => {
    const dir = tempDir('aicr-templates-');
    try {
      const data = path.join(dir, 'data');
      mkdirSync(data);
      const reg = readFileSync(path.join(FIXTURES, 'catalog', 'registry.yaml'), 'utf8').replace(
        'orphanCrdGroups: [demo.example.com]',
        'orphanCrdGroups: ["demo example"]',
      );
      writeFileSync(path.join(data, 'registry.yaml'), reg);
      const r = run(process.execPath, [
        cliPath,
        'bundle',
        '-r',
        path.join(FIXTURES, 'recipe.yaml'),
        '--data',
        data,
        '-o',
        path.join(dir, 'b'),
      ]);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /orphanCrdGroups/);
    } finally {
      cleanup(dir);
    }
  });
});
