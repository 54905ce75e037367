// The Kubernetes client as the build bundles it (dist/lib-k8s.cjs, loaded by the launcher): class names
// are kept, so that src/k8s/client.ts finds and replaces the library's exec authenticator.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import path from 'node:path';
import { describe, it } from 'node:test';

const dist = path.join(path.dirname(new URL(import.meta.url).pathname), '../../dist');

describe('the bundled Kubernetes client (dist/lib-k8s.cjs)', () => {
  it('keeps its class names: the exec authenticator is ExecAuth', () => {
    const k8s = createRequire(import.meta.url)(path.join(dist, 'lib-k8s.cjs')) as {
      KubeConfig: new () => { authenticators: object[] };
    };
    const names = new k8s.KubeConfig().authenticators.map((a) => a.constructor.name);
    assert.ok(names.includes('ExecAuth'), `authenticators: ${names.join(', ')}`);
  });
});
