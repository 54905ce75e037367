/**
 * The cm:// and agent end-to-end cases against a real cluster. Skipped unless AICR_E2E_KUBECONFIG names a
 * kubeconfig (cluster-admin or the permissions in docs/kubernetes.md). Optional:
 *  - AICR_E2E_NAMESPACE: namespace to use (default `aicr-e2e-<random>`, created and deleted by the test);
 *  - AICR_E2E_IMAGE: agent image the cluster can pull (the agent cases are skipped without it);
 *  - AICR_E2E_NODE_SELECTOR: `key=value` to place the agent (e.g. nvidia.com/gpu.present=true).
 *
 *   AICR_E2E_KUBECONFIG=~/.kube/kind AICR_E2E_IMAGE=aicr:dev node scripts/run-tests.mjs real-cluster
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type * as K8s from '@kubernetes/client-node';
import { parse } from 'yaml';
import { runCli } from '../helpers/cli.js';

const kubeconfig = process.env.AICR_E2E_KUBECONFIG;
const image = process.env.AICR_E2E_IMAGE;
const ns = process.env.AICR_E2E_NAMESPACE || `aicr-e2e-${randomBytes(3).toString('hex')}`;
const ownNamespace = !process.env.AICR_E2E_NAMESPACE;

describe(
  'real cluster (AICR_E2E_KUBECONFIG)',
  { skip: !kubeconfig && 'AICR_E2E_KUBECONFIG is not set' },
  () => {
    let dir: string;
    let k8s: typeof K8s;
    let core: K8s.CoreV1Api;
    let batch: K8s.BatchV1Api;
    let rbac: K8s.RbacAuthorizationV1Api;
    const cli = (args: string[], timeoutMs = 10 * 60_000) =>
      runCli([...args, '--kubeconfig', kubeconfig!], { cwd: dir, timeoutMs });
    const readCm = async (name: string) =>
      (await core.readNamespacedConfigMap({ name, namespace: ns })).data ?? {};
    const agentArgs = () => [
      '--deploy-agent',
      '-n',
      ns,
      '--image',
      image!,
      ...(process.env.AICR_E2E_NODE_SELECTOR ? ['--node-selector', process.env.AICR_E2E_NODE_SELECTOR] : []),
    ];
    const leftovers = async () => {
      const out: string[] = [];
      const jobs = await batch.listNamespacedJob({
        namespace: ns,
        labelSelector: 'app.kubernetes.io/name=aicr',
      });
      out.push(...jobs.items.map((j) => `Job/${j.metadata?.name}`));
      const crs = await rbac.listClusterRole({ labelSelector: 'app.kubernetes.io/managed-by=aicr' });
      out.push(
        ...crs.items
          .filter((c) => c.metadata?.name?.includes(`-${ns}-`))
          .map((c) => `ClusterRole/${c.metadata?.name}`),
      );
      return out;
    };

    before(async () => {
      dir = mkdtempSync(path.join(os.tmpdir(), 'aicr-real-'));
      k8s = await import('@kubernetes/client-node');
      const kc = new k8s.KubeConfig();
      kc.loadFromFile(kubeconfig!);
      core = kc.makeApiClient(k8s.CoreV1Api);
      batch = kc.makeApiClient(k8s.BatchV1Api);
      rbac = kc.makeApiClient(k8s.RbacAuthorizationV1Api);
      if (ownNamespace) await core.createNamespace({ body: { metadata: { name: ns } } });
    });
    after(async () => {
      if (ownNamespace && core) await core.deleteNamespace({ name: ns }).catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    });

    it('snapshot -o cm:// → recipe -s cm:// -o cm:// → validate → bundle -r cm://', async () => {
      const s = await cli(['snapshot', '--filter', 'k8s,topology', '-o', `cm://${ns}/snap`]);
      assert.equal(s.code, 0, s.stderr);
      assert.equal(parse((await readCm('snap'))['snapshot.yaml']!).kind, 'Snapshot');
      const r = await cli([
        'recipe',
        '-s',
        `cm://${ns}/snap`,
        '--intent',
        'training',
        '-o',
        `cm://${ns}/recipe`,
      ]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(parse((await readCm('recipe'))['recipe.yaml']!).kind, 'RecipeResult');
      const v = await cli([
        'validate',
        '-r',
        `cm://${ns}/recipe`,
        '-s',
        `cm://${ns}/snap`,
        '--fail-on-error=false',
      ]);
      assert.equal(v.code, 0, v.stderr);
      const b = await cli(['bundle', '-r', `cm://${ns}/recipe`, '-o', 'bundles']);
      assert.equal(b.code, 0, b.stderr);
      assert.ok(readdirSync(path.join(dir, 'bundles')).includes('README.md'));
    });

    it('a missing ConfigMap → exit 3', async () => {
      const r = await cli(['recipe', '-s', `cm://${ns}/does-not-exist`]);
      assert.equal(r.code, 3, r.stderr);
    });

    it(
      'agent happy path: snapshot collected on a node, written as JSON, cleaned up',
      { skip: !image && 'AICR_E2E_IMAGE is not set' },
      async () => {
        const out = path.join(dir, 'agent.json');
        const r = await cli(['snapshot', ...agentArgs(), '-o', out, '-t', 'json', '--timeout', '8m']);
        assert.equal(r.code, 0, r.stderr);
        const snap = JSON.parse(readFileSync(out, 'utf8'));
        assert.equal(snap.kind, 'Snapshot');
        assert.ok(snap.metadata['source-node']);
        assert.match(r.stderr, /\[agent\]/);
        assert.deepEqual(await leftovers(), []);
      },
    );

    it('agent timeout: exit 5 and cleaned up', { skip: !image && 'AICR_E2E_IMAGE is not set' }, async () => {
      const r = await cli([
        'snapshot',
        '--deploy-agent',
        '-n',
        ns,
        '--image',
        'registry.invalid/aicr:none',
        '--timeout',
        '20s',
      ]);
      assert.equal(r.code, 5, r.stderr);
      assert.deepEqual(await leftovers(), []);
    });
  },
);
