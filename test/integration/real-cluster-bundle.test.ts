/**
 * Every built-in object (Namespaces, ConfigMaps, RBAC, DaemonSets, CustomResourceDefinitions, …) of
 * every catalog bundle's manifests passes server-side dry-run against a REAL API server
 * (`npm run test:cluster`; skipped with the reason printed unless AICR_E2E_KUBECONFIG is set). Custom
 * resources are checked against the kinds the installed charts serve by test/catalog/served-kinds.test.ts.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { stringify } from 'yaml';
import { BUILTIN_GROUPS, groupOf, renderAllBundles, type KubeDoc } from '../catalog/bundle-manifests.js';
import { adminKubeconfig, Api, hasCommand, run, skipReason } from './real-cluster-helpers.js';

describe('real cluster: catalog bundle manifests pass server-side dry-run', { skip: skipReason }, () => {
  let dir: string;
  let admin: Api;
  const created: string[] = [];
  before(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'aicr-real-bundle-'));
    admin = await Api.load(adminKubeconfig!);
  });
  after(async () => {
    for (const ns of created) await admin?.deleteNamespace(ns);
    rmSync(dir, { recursive: true, force: true });
  });

  it('every built-in kind of every overlay bundle', async (t) => {
    if (!(await hasCommand('kubectl'))) return t.skip('kubectl is not installed');
    const bundles = await renderAllBundles(path.join(dir, 'bundles'));
    // Unique objects per target namespace ('' = cluster-scoped or as written).
    const byNs = new Map<string, Map<string, { doc: KubeDoc; from: string }>>();
    for (const b of bundles) {
      for (const m of b.manifests) {
        for (const doc of m.docs) {
          if (!BUILTIN_GROUPS.has(groupOf(doc.apiVersion))) continue;
          const ns = doc.metadata?.namespace ?? m.namespace;
          const key = JSON.stringify(doc);
          if (!byNs.has(ns)) byNs.set(ns, new Map());
          byNs.get(ns)!.set(key, { doc, from: `${b.overlay}: ${m.file}` });
        }
      }
    }
    const total = [...byNs.values()].reduce((n, m) => n + m.size, 0);
    assert.ok(total >= 10, `${total} distinct built-in objects`);
    const kinds = new Set<string>();
    for (const [ns, docs] of [...byNs].sort(([a], [b]) => (a < b ? -1 : 1))) {
      // The component namespace exists on a real install (deploy.sh / Argo CD create it).
      if (ns && (await admin.req('GET', `/api/v1/namespaces/${ns}`)).status === 404) {
        await admin.createNamespace(ns);
        created.push(ns);
      }
      const file = path.join(dir, `${ns || 'cluster'}.yaml`);
      writeFileSync(file, [...docs.values()].map(({ doc }) => `---\n${stringify(doc)}`).join(''));
      for (const { doc } of docs.values()) kinds.add(doc.kind);
      const args = ['apply', '--dry-run=server', '-f', file, '--kubeconfig', adminKubeconfig!];
      const k = await run('kubectl', ns ? [...args, '-n', ns] : args);
      const sources = [...new Set([...docs.values()].map((d) => d.from))].join(', ');
      assert.equal(k.code, 0, `namespace ${ns || '(none)'} (${sources}):\n${k.stdout}\n${k.stderr}`);
    }
    t.diagnostic(`${total} objects, kinds: ${[...kinds].sort().join(', ')}`);
  });
});
