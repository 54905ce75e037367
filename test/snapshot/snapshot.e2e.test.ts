// `aicr snapshot` end to end through the built CLI: this machine's real /proc and os-release, a fake
// nvidia-smi printing the real 8×H100 capture, a fake systemctl, the fake Kubernetes API server, and the
// snapshot feeding `aicr recipe --snapshot`.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { runCli } from '../helpers/cli.js';
import { fixturesDir } from '../helpers/paths.js';
import { CLUSTER_POLICY_RESOURCE, FakeKubeApiServer } from '../k8s/fake-api-server.js';
import { makeClusterPolicy, makeNode, makePod } from '../k8s/objects.js';
import { fakeExecutable, tempDir } from '../collector/helpers.js';

interface Doc {
  kind?: string;
  apiVersion?: string;
  metadata?: Record<string, string>;
  measurements: { type: string; subtypes?: { subtype: string; data: Record<string, unknown> }[] }[];
}

function data(doc: Doc, type: string, sub: string): Record<string, unknown> {
  const m = doc.measurements.find((x) => x.type === type);
  const s = m?.subtypes?.find((x) => x.subtype === sub);
  assert.ok(s, `${type}.${sub} present`);
  return s.data;
}

describe('aicr snapshot (built CLI)', () => {
  const t = tempDir('aicr-snap-e2e-');
  const home = path.join(t.dir, 'home');
  const noTools = path.join(t.dir, 'no-tools'); // PATH without nvidia-smi/systemctl
  const gpuTools = path.join(t.dir, 'gpu-tools');
  // No kubeconfig, no nvidia-smi, no systemctl: what a bare workstation looks like.
  const bareEnv = { HOME: home, PATH: noTools, NODE_NAME: 'e2e-node' };

  before(() => {
    fakeExecutable(noTools, 'placeholder', 'true');
    fakeExecutable(
      gpuTools,
      'nvidia-smi',
      `/bin/cat '${path.join(fixturesDir, 'nvidia-smi', 'h100x8-q-x.xml')}'`,
    );
  });
  after(() => t.cleanup());

  it('exits 0 and reports this machine’s real OS facts, with one warning per missing facility', async () => {
    const r = await runCli(['snapshot'], { env: bareEnv });
    assert.equal(r.code, 0, r.stderr);
    const doc = parseYaml(r.stdout) as Doc;
    assert.equal(doc.kind, 'Snapshot');
    assert.equal(doc.apiVersion, 'aicr.nvidia.com/v1alpha1');
    assert.equal(doc.metadata?.['source-node'], 'e2e-node');
    assert.match(doc.metadata?.timestamp ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.ok(doc.metadata?.version);
    assert.deepEqual(
      doc.measurements.map((m) => m.type),
      ['K8s', 'SystemD', 'OS', 'GPU', 'NodeTopology'],
    );
    // OS facts, read here independently
    const osRelease = readFileSync(
      existsSync('/etc/os-release') ? '/etc/os-release' : '/usr/lib/os-release',
      'utf8',
    );
    assert.equal(data(doc, 'OS', 'release').ID, /^ID=("?)([^"\n]*)\1$/m.exec(osRelease)?.[2]);
    const osrelease = readFileSync('/proc/sys/kernel/osrelease', 'utf8').trim();
    assert.equal(data(doc, 'OS', 'sysctl')['/proc/sys/kernel/osrelease'], osrelease);
    const firstToken = readFileSync('/proc/cmdline', 'utf8').trim().split(' ')[0]!;
    const key = firstToken.split('=')[0]!;
    if (key !== 'root') assert.ok(key in data(doc, 'OS', 'grub'), `grub has ${key}`);
    assert.equal(
      doc.measurements.find((m) => m.type === 'OS')!.subtypes!.some((s) => s.subtype === 'kmod'),
      existsSync('/proc/modules'),
    );
    // degraded collectors
    assert.deepEqual(data(doc, 'GPU', 'smi'), { 'gpu-count': 0 });
    assert.equal(doc.measurements.find((m) => m.type === 'SystemD')!.subtypes, undefined);
    assert.deepEqual(data(doc, 'K8s', 'server'), {});
    assert.deepEqual(data(doc, 'NodeTopology', 'summary'), {
      'label-count': 0,
      'node-count': 0,
      'taint-count': 0,
    });
    const warnings = r.stderr
      .split('\n')
      .filter((l) => l.startsWith('[cli]') && !l.includes('snapshot completed'));
    assert.equal(warnings.length, 3, r.stderr);
    assert.match(r.stderr, /GPU: nvidia-smi not found on PATH - reporting gpu-count 0/);
    assert.match(r.stderr, /SystemD: systemctl not found on PATH/);
    assert.match(
      r.stderr,
      /Kubernetes: no Kubernetes configuration found.*K8s and NodeTopology measurements are empty/,
    );
  });

  it('reports the 8×H100 node with a fake nvidia-smi, and `aicr recipe --snapshot` picks h100', async () => {
    const out = path.join(t.dir, 'gpu-snapshot.yaml');
    const r = await runCli(['snapshot', '-o', out, '--filter', 'gpu,os'], {
      env: { ...bareEnv, PATH: `${gpuTools}:${noTools}` },
    });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, '', 'the document goes to the file');
    const doc = parseYaml(readFileSync(out, 'utf8')) as Doc;
    assert.deepEqual(
      doc.measurements.map((m) => m.type),
      ['OS', 'GPU'],
    );
    const smi = data(doc, 'GPU', 'smi');
    assert.equal(smi['gpu-count'], 8);
    assert.equal(smi.driver, '570.86.15');
    assert.equal(smi['cuda-version'], '12.8');
    assert.equal(smi['gpu.model'], 'NVIDIA H100 80GB HBM3');
    assert.match(readFileSync(out, 'utf8'), /cuda-version: "12.8"/, 'version-like strings stay strings');

    const rec = await runCli(['recipe', '--snapshot', out, '--intent', 'training', '-t', 'json'], {
      env: bareEnv,
    });
    assert.equal(rec.code, 0, rec.stderr);
    assert.equal(JSON.parse(rec.stdout).criteria.accelerator, 'h100');
  });

  it('writes JSON and table formats', async () => {
    const j = await runCli(['snapshot', '--filter', 'gpu', '--format', 'json'], {
      env: { ...bareEnv, PATH: `${gpuTools}:${noTools}` },
    });
    assert.equal(j.code, 0, j.stderr);
    const doc = JSON.parse(j.stdout) as Doc;
    assert.equal(data(doc, 'GPU', 'smi')['gpu-count'], 8);
    const tbl = await runCli(['snapshot', '--filter', 'gpu', '-t', 'table'], {
      env: { ...bareEnv, PATH: `${gpuTools}:${noTools}` },
    });
    assert.equal(tbl.code, 0, tbl.stderr);
    assert.match(tbl.stdout, /^FIELD\s+VALUE\n-----\s+-----\n/);
    assert.match(tbl.stdout, /measurements\.\[0\]\.subtypes\.\[0\]\.data\.gpu-count\s+8\n/);
  });

  it('keeps uint64 values exact in YAML and JSON', async () => {
    const tools = path.join(t.dir, 'systemd-tools');
    const block = (u: string) =>
      `Id=${u}\nActiveState=active\nTasksMax=18446744073709551615\nMemoryMax=infinity`;
    fakeExecutable(
      tools,
      'systemctl',
      `printf '%s\\n\\n%s\\n\\n%s\\n' '${block('containerd.service')}' '${block('docker.service')}' '${block('kubelet.service')}'`,
    );
    for (const format of ['yaml', 'json']) {
      const r = await runCli(['snapshot', '--filter', 'systemd', '-t', format], {
        env: { ...bareEnv, PATH: `${tools}:/usr/bin:/bin` },
      });
      assert.equal(r.code, 0, r.stderr);
      assert.match(
        r.stdout,
        /"?TasksMax"?: 18446744073709551615\n|"TasksMax": 18446744073709551615,?\n/,
        format,
      );
      assert.match(r.stdout, /containerd\.service[\s\S]*docker\.service[\s\S]*kubelet\.service/);
    }
  });

  it('rejects bad input with exit 2 before collecting', async () => {
    const cases: [string[], RegExp][] = [
      [
        ['--filter', 'gpu,disk'],
        /--filter: unknown collector type "disk"; allowed: k8s, systemd, os, gpu, topology/,
      ],
      [['--exclude', 'helm'], /--exclude: unknown collector type "helm"/],
      [['--format', 'xml'], /unknown output format: "xml"/],
      [['--timeout', '5 minutes'], /invalid duration "5 minutes" for --timeout/],
      [['--max-nodes-per-entry', '-1'], /--max-nodes-per-entry/],
      [['-o', 'a.yaml', '--output', 'b.yaml'], /flag --output can only be specified once/],
      [
        ['--kubeconfig', path.join(t.dir, 'missing-kubeconfig')],
        /--kubeconfig .*missing-kubeconfig: .*missing-kubeconfig does not exist/,
      ],
    ];
    for (const [args, msg] of cases) {
      const r = await runCli(['snapshot', ...args], { env: bareEnv });
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, msg);
      assert.equal(r.stdout, '');
    }
  });

  it('--help describes the flags with examples', async () => {
    const r = await runCli(['snapshot', '--help']);
    assert.equal(r.code, 0);
    for (const f of [
      '--output',
      '--format',
      '--kubeconfig',
      '--filter',
      '--exclude',
      '--max-nodes-per-entry',
      '--timeout',
    ]) {
      assert.ok(r.stdout.includes(f), f);
    }
    assert.match(r.stdout, /Examples:\n {2}\$ aicr snapshot/);
    for (const f of [
      '--deploy-agent',
      '--print-manifests',
      '--namespace',
      '--node-selector',
      '--toleration',
    ]) {
      assert.ok(r.stdout.includes(f), f);
    }
  });

  describe('with a cluster (fake API server)', () => {
    let server: FakeKubeApiServer;
    let kubeconfig: string;
    before(async () => {
      server = await FakeKubeApiServer.start({ version: { gitVersion: 'v1.32.9-eks-113cf36' } });
      server.defineResource(CLUSTER_POLICY_RESOURCE);
      server.put(
        makeNode('e2e-node', {
          providerID: 'aws:///us-east-1a/i-0abc',
          labels: { 'nvidia.com/gpu.present': 'true' },
          taints: [{ key: 'nvidia.com/gpu', value: 'present', effect: 'NoSchedule' }],
        }),
        makeNode('other-node'),
        makePod('gpu-operator', 'op', { images: ['nvcr.io/nvidia/gpu-operator:v25.3.0'] }),
        makeClusterPolicy('cluster-policy', { driver: { version: '570.86.15' } }),
      );
      kubeconfig = server.writeKubeconfig(path.join(t.dir, 'kubeconfig'));
    });
    after(() => server.close());

    it('reports the K8s and NodeTopology measurements through --kubeconfig', async () => {
      const r = await runCli(
        [
          'snapshot',
          '-k',
          kubeconfig,
          '--filter',
          'k8s,topology',
          '--max-nodes-per-entry',
          '1',
          '-t',
          'json',
        ],
        { env: bareEnv },
      );
      assert.equal(r.code, 0, r.stderr);
      const doc = JSON.parse(r.stdout) as Doc;
      assert.equal(data(doc, 'K8s', 'server').version, 'v1.32.9-eks-113cf36');
      assert.deepEqual(data(doc, 'K8s', 'image'), { 'gpu-operator': 'v25.3.0' });
      assert.deepEqual(data(doc, 'K8s', 'policy'), { 'driver.version': '570.86.15' });
      assert.equal(data(doc, 'K8s', 'node').provider, 'eks');
      assert.equal(data(doc, 'NodeTopology', 'summary')['node-count'], 2);
      assert.equal(data(doc, 'NodeTopology', 'label')['kubernetes.io/os'], 'linux|e2e-node (+1 more)');
      assert.doesNotMatch(r.stderr, /warn|Kubernetes:/i);
    });

    it('finds the cluster through KUBECONFIG, and recipe --snapshot detects the service', async () => {
      const out = path.join(t.dir, 'cluster-snapshot.json');
      const r = await runCli(['snapshot', '-o', out, '-t', 'json'], {
        env: { ...bareEnv, PATH: `${gpuTools}:${noTools}`, KUBECONFIG: kubeconfig },
      });
      assert.equal(r.code, 0, r.stderr);
      const rec = await runCli(['recipe', '--snapshot', out, '--intent', 'training', '-t', 'json'], {
        env: bareEnv,
      });
      assert.equal(rec.code, 0, rec.stderr);
      const criteria = JSON.parse(rec.stdout).criteria;
      assert.equal(criteria.service, 'eks');
      assert.equal(criteria.accelerator, 'h100');
    });

    it('a 403 on pods is one warning; the snapshot still succeeds', async () => {
      const clear = server.failOn({ path: '/api/v1/pods', status: 403 });
      try {
        const r = await runCli(['snapshot', '-k', kubeconfig, '--filter', 'k8s', '-t', 'json'], {
          env: bareEnv,
        });
        assert.equal(r.code, 0, r.stderr);
        assert.deepEqual(data(JSON.parse(r.stdout) as Doc, 'K8s', 'image'), {});
        assert.match(r.stderr, /K8s image: HTTP 403 Forbidden/);
      } finally {
        clear();
      }
    });
  });
});
