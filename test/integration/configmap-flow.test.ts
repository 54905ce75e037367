/**
 * `cm://namespace/name` end to end: the built CLI against the fake Kubernetes API server (HTTPS, bearer
 * token, real @kubernetes/client-node), reading and writing ConfigMaps across commands, and the exit
 * codes of every failure class.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import { parse } from 'yaml';
import { runCli } from '../helpers/cli.js';
import { fixturesDir } from '../helpers/paths.js';
import { ClusterSim } from '../k8s/cluster-sim.js';
import { FakeKubeApiServer } from '../k8s/fake-api-server.js';

type Any = Record<string, any>;

const mockSnapshot = readFileSync(path.join(fixturesDir, 'mock-snapshot.yaml'), 'utf8');

describe('cm:// across commands (built CLI, fake API server)', () => {
  let server: FakeKubeApiServer;
  let sim: ClusterSim;
  let dir: string;
  let kc: string;
  const cli = (args: string[], env: Record<string, string> = {}) =>
    runCli([...args, '--kubeconfig', kc], { env: { AICR_K8S_REQUEST_TIMEOUT: '5s', ...env }, cwd: dir });
  const cm = (name: string, ns = 'gpu') => server.get('v1', 'ConfigMap', name, ns) as Any | undefined;

  before(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'aicr-cmflow-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));
  beforeEach(async () => {
    server = await FakeKubeApiServer.start();
    sim = new ClusterSim(server);
    kc = server.writeKubeconfig(path.join(dir, 'kubeconfig'));
    server.put({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'snap', namespace: 'gpu' },
      // upstream's key names: what an upstream agent leaves behind
      data: { 'snapshot.yaml': mockSnapshot, format: 'yaml' },
    });
  });
  afterEach(() => server.close());

  it('recipe -s cm:// -o cm:// → validate -r cm:// -s cm:// -o cm://', async () => {
    const r = await cli(['recipe', '-s', 'cm://gpu/snap', '--intent', 'training', '-o', 'cm://gpu/recipe']);
    assert.equal(r.code, 0, r.stderr);
    const recipe = cm('recipe')!;
    assert.equal(recipe.data.format, 'yaml');
    assert.match(recipe.data.timestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.equal(parse(recipe.data['recipe.yaml']).kind, 'RecipeResult');
    assert.deepEqual(recipe.metadata.labels, {
      'app.kubernetes.io/component': 'recipe',
      'app.kubernetes.io/name': 'aicr',
      'app.kubernetes.io/version': '0.1.0',
    });

    const v = await cli([
      'validate',
      '-r',
      'cm://gpu/recipe',
      '-s',
      'cm://gpu/snap',
      '-o',
      'cm://gpu/validation',
      '-t',
      'json',
      '--fail-on-error=false',
    ]);
    assert.equal(v.code, 0, v.stderr);
    const val = cm('validation')!;
    assert.equal(val.data.format, 'json');
    assert.equal(JSON.parse(val.data['validation.json']).kind, 'ValidationResult');
    assert.equal(val.metadata.labels['app.kubernetes.io/component'], 'validation');
  });

  it('writing to an existing ConfigMap keeps its other keys', async () => {
    server.put({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'recipe', namespace: 'gpu', labels: { owner: 'ci' } },
      data: { 'README.txt': 'managed by CI' },
    });
    const r = await cli([
      'recipe',
      '--service',
      'eks',
      '--accelerator',
      'h100',
      '-o',
      'cm://gpu/recipe',
      '-t',
      'json',
    ]);
    assert.equal(r.code, 0, r.stderr);
    const c = cm('recipe')!;
    assert.deepEqual(Object.keys(c.data).sort(), ['README.txt', 'format', 'recipe.json', 'timestamp']);
    assert.equal(c.metadata.labels.owner, 'ci');
  });

  it('a missing ConfigMap → exit 3', async () => {
    const r = await cli(['recipe', '-s', 'cm://gpu/nope']);
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stderr, /ConfigMap gpu\/nope not found on https:\/\/127\.0\.0\.1:\d+/);
  });

  it('forbidden → exit 4 naming verb and resource', async () => {
    sim.deny({ verb: 'get', resource: 'configmaps', namespace: 'gpu' });
    const r = await cli(['recipe', '-s', 'cm://gpu/snap']);
    assert.equal(r.code, 4, r.stderr);
    assert.match(r.stderr, /permission "get" on "configmaps" in namespace "gpu" is missing/);
    sim.deny({ verb: 'create', resource: 'configmaps', namespace: 'ci' });
    const w = await cli(['recipe', '--service', 'eks', '-o', 'cm://ci/recipe']);
    assert.equal(w.code, 4, w.stderr);
    assert.match(w.stderr, /permission "create" on "configmaps" in namespace "ci"/);
  });

  it('API server unreachable → exit 6 naming the server', async () => {
    const port = server.port;
    await server.close();
    const r = await cli(['recipe', '-s', 'cm://gpu/snap']);
    assert.equal(r.code, 6, r.stderr);
    assert.match(r.stderr, new RegExp(`cannot reach Kubernetes API server https://127\\.0\\.0\\.1:${port}`));
    server = await FakeKubeApiServer.start(); // for afterEach
  });

  it('an API server that does not answer → exit 5 (AICR_K8S_REQUEST_TIMEOUT)', async () => {
    server.failOn({ path: '/api/v1/namespaces/gpu/configmaps/snap', hang: true });
    const r = await cli(['recipe', '-s', 'cm://gpu/snap'], { AICR_K8S_REQUEST_TIMEOUT: '500ms' });
    assert.equal(r.code, 5, r.stderr);
    assert.match(r.stderr, /timed out after 0\.5s/);
  });

  it('an invalid cm:// location → exit 2 before any request', async () => {
    for (const bad of ['cm://Gpu/snap', 'cm://gpu', 'cm://gpu/Snap_1']) {
      const r = await cli(['recipe', '-s', bad]);
      assert.equal(r.code, 2, `${bad}: ${r.stderr}`);
      assert.match(r.stderr, /invalid ConfigMap URI/);
    }
    assert.equal(server.requests.length, 0);
  });
});
