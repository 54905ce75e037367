/**
 * deploy.sh / undeploy.sh run by real bash against recording stand-ins for helm, kubectl and sleep
 * (executables on PATH that log their arguments), so ordering, retries with backoff, --no-wait,
 * --best-effort and the CRD-race tolerant apply are checked by executing the scripts.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { planComponents, type PlannedComponent } from '../../src/bundle/components.js';
import { deployScript, undeployScript, type ScriptComponent } from '../../src/bundle/helm/scripts.js';
import { catalogRecipe, cleanup, EKS_TRAINING_KUBEFLOW, has, run, tempDir } from './helpers.js';

const FAKE = `#!/usr/bin/env bash
# Records "<tool> <args>" and plays a scripted outcome.
tool="$(basename "$0")"
echo "\${tool} $*" >>"\${CALL_LOG}"
if [[ "\${tool}" == "sleep" ]]; then exit 0; fi
key="\${tool} $*"
# FAIL_MATCH: substring of the call that fails FAIL_TIMES times (counted in a file), printing FAIL_OUTPUT.
if [[ -n "\${FAIL_MATCH:-}" && "\${key}" == *"\${FAIL_MATCH}"* ]]; then
  count_file="\${CALL_LOG}.count"
  n=$(cat "\${count_file}" 2>/dev/null || echo 0)
  if (( n < \${FAIL_TIMES:-1000} )); then
    echo $((n + 1)) >"\${count_file}"
    printf '%s\\n' "\${FAIL_OUTPUT:-Error: failed}" >&2
    exit 1
  fi
fi
if [[ "\${tool}" == "kubectl" ]]; then
  case "$*" in
    create*) echo "apiVersion: v1" ;;
    *"-f -"*) cat >/dev/null ;;
    "delete namespace "*) touch "\${CALL_LOG}.ns-$3" ;;
    "get namespace "*) if [[ -e "\${CALL_LOG}.ns-$3" ]]; then exit 1; fi ;;
  esac
fi
exit 0
`;

describe('generated scripts, executed', { skip: has('bash') ? false : 'bash is not installed' }, async () => {
  let dir: string;
  let comps: ScriptComponent[];
  const { recipe, store } = await catalogRecipe(EKS_TRAINING_KUBEFLOW);
  const planned: PlannedComponent[] = planComponents(recipe, store.registry()).components;

  before(() => {
    dir = tempDir('aicr-scripts-');
    const bin = path.join(dir, 'bin');
    mkdirSync(bin);
    for (const t of ['helm', 'kubectl', 'sleep']) {
      writeFileSync(path.join(bin, t), FAKE);
      chmodSync(path.join(bin, t), 0o755);
    }
    comps = planned.map((c) => ({
      c,
      hasManifests: ['gpu-operator', 'nodewright-customizations'].includes(c.name),
    }));
    writeFileSync(path.join(dir, 'deploy.sh'), deployScript(comps, 'test'), { mode: 0o755 });
    writeFileSync(path.join(dir, 'undeploy.sh'), undeployScript(comps, 'test'), { mode: 0o755 });
  });
  after(() => cleanup(dir));

  let runNo = 0;
  function exec(script: string, args: string[] = [], env: Record<string, string> = {}) {
    const log = path.join(dir, `calls-${++runNo}.log`);
    writeFileSync(log, '');
    const r = run('bash', [path.join(dir, script), ...args], {
      cwd: dir,
      env: { ...process.env, PATH: `${path.join(dir, 'bin')}:${process.env.PATH}`, CALL_LOG: log, ...env },
    });
    const calls = readFileSync(log, 'utf8').split('\n').filter(Boolean);
    return { ...r, calls };
  }
  const installs = (calls: string[]) =>
    calls.filter((c) => c.startsWith('helm upgrade --install')).map((c) => c.split(' ')[3]);

  it('installs charts in deployment order with values from the bundle and waits', () => {
    const r = exec('deploy.sh');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Pre-flight checks passed\.[\s\S]*Deployment complete\./);
    const helmNames = planned.filter((c) => c.kind === 'helm').map((c) => c.name);
    assert.deepEqual(installs(r.calls), helmNames);
    const gpu = r.calls.find((c) => c.startsWith('helm upgrade --install gpu-operator '))!;
    assert.ok(gpu.includes(`-f ${dir}/gpu-operator/values.yaml`), gpu);
    assert.ok(gpu.includes('--repo https://helm.ngc.nvidia.com/nvidia'), gpu);
    assert.ok(gpu.includes('--wait --timeout 10m'));
    const kai = r.calls.find((c) => c.startsWith('helm upgrade --install kai-scheduler '))!;
    assert.ok(kai.includes('oci://'), kai);
    assert.ok(!kai.includes('--wait'), 'kai-scheduler is installed asynchronously');
    // Manifests of a chart: applied before and after the chart; manifest-only: applied once.
    const i = r.calls.indexOf(gpu);
    const applies = r.calls
      .map((c, n) => [c, n] as const)
      .filter(
        ([c]) => c.startsWith('kubectl apply -n gpu-operator -f') && c.includes('gpu-operator/manifests/'),
      );
    assert.equal(applies.length, 2);
    assert.ok(applies[0][1] < i && applies[1][1] > i);
    assert.ok(
      r.calls.some((c) =>
        c.includes(
          `kubectl apply -n ${planned.find((c) => c.name === 'nodewright-customizations')!.namespace} -f ${dir}/nodewright-customizations/manifests/`,
        ),
      ),
    );
    assert.ok(
      r.calls.some((c) => c.startsWith('kubectl get daemonsets -n nvidia-dra-driver')),
      'DRA kubelet plugins restarted',
    );
  });

  it('--no-wait drops --wait', () => {
    const r = exec('deploy.sh', ['--no-wait']);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(!r.calls.some((c) => c.includes('--wait')));
  });

  it('retries failing steps with backoff 5s, 20s, ...', () => {
    const r = exec('deploy.sh', [], { FAIL_MATCH: 'upgrade --install cert-manager', FAIL_TIMES: '3' });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(
      r.calls.filter((c) => c.startsWith('sleep ')),
      ['sleep 5', 'sleep 20', 'sleep 45'],
    );
    assert.equal(r.calls.filter((c) => c.startsWith('helm upgrade --install cert-manager')).length, 4);
  });

  it('stops at the first failing component after its retries', () => {
    const r = exec('deploy.sh', ['--retries', '1'], { FAIL_MATCH: 'upgrade --install cert-manager' });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /ERROR: cert-manager failed to deploy/);
    assert.equal(r.calls.filter((c) => c.startsWith('helm upgrade --install cert-manager')).length, 2);
    assert.ok(!installs(r.calls).includes('gpu-operator'), 'later components are not installed');
  });

  it('--best-effort continues and lists the failures', () => {
    const r = exec('deploy.sh', ['--best-effort', '--retries=0'], {
      FAIL_MATCH: 'upgrade --install cert-manager',
    });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /WARNING: the following components failed: cert-manager/);
    assert.ok(installs(r.calls).includes('prometheus-adapter'));
  });

  it('tolerates missing CRDs on the pre-install apply only', () => {
    const crdRace =
      'error: resource mapping not found for name: "x" namespace: "gpu-operator" from "m.yaml": no matches for kind "X" in version "v1"\nensure CRDs are installed first';
    const ok = exec('deploy.sh', ['--retries', '0'], {
      FAIL_MATCH: 'apply -n gpu-operator -f',
      FAIL_TIMES: '1',
      FAIL_OUTPUT: crdRace,
    });
    assert.equal(ok.code, 0, ok.stderr);
    const bad = exec('deploy.sh', ['--retries', '0'], {
      FAIL_MATCH: 'apply -n gpu-operator -f',
      FAIL_TIMES: '1',
      FAIL_OUTPUT: 'Error from server (Forbidden): configmaps is forbidden',
    });
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /gpu-operator failed to deploy/);
  });

  it('rejects unknown options and bad --retries with usage, exit 1', () => {
    for (const args of [['--frobnicate'], ['--retries', 'x'], ['--retries']]) {
      const r = exec('deploy.sh', args);
      assert.equal(r.code, 1, args.join(' '));
      assert.match(r.stderr, /Usage: \.\/deploy\.sh/);
      assert.equal(r.calls.length, 0);
    }
    const h = exec('deploy.sh', ['--help']);
    assert.equal(h.code, 0);
    assert.match(h.stdout, /--best-effort/);
  });

  it('undeploys in reverse order, keeps PVCs and protected namespaces by default', () => {
    const r = exec('undeploy.sh');
    assert.equal(r.code, 0, r.stderr);
    const helmNames = planned.filter((c) => c.kind === 'helm').map((c) => c.name);
    const uninstalls = r.calls.filter((c) => c.startsWith('helm status ')).map((c) => c.split(' ')[2]);
    assert.deepEqual(uninstalls, [...helmNames].reverse());
    assert.ok(r.calls.filter((c) => c.startsWith('helm uninstall ')).length >= helmNames.length);
    assert.ok(!r.calls.some((c) => c.startsWith('kubectl delete pvc')));
    assert.ok(
      !r.calls.some((c) => c === 'kubectl delete namespace kube-system --ignore-not-found --wait=false'),
    );
    assert.ok(r.calls.some((c) => c.startsWith('kubectl delete namespace gpu-operator')));
    assert.ok(r.calls.some((c) => c.startsWith('kubectl delete namespace kai-resource-reservation')));
    assert.match(
      r.stdout,
      /Uninstalling prometheus-adapter[\s\S]*Uninstalling aws-ebs-csi-driver[\s\S]*Undeployment complete\./,
    );
  });

  it('undeploy --delete-pvcs and --keep-namespaces', () => {
    const pv = exec('undeploy.sh', ['--delete-pvcs']);
    assert.equal(pv.code, 0, pv.stderr);
    assert.ok(pv.calls.some((c) => c.startsWith('kubectl delete pvc --all -n monitoring')));
    const keep = exec('undeploy.sh', ['--keep-namespaces', '--timeout', '30']);
    assert.equal(keep.code, 0, keep.stderr);
    assert.ok(!keep.calls.some((c) => c.startsWith('kubectl delete namespace')));
    assert.ok(keep.calls.some((c) => c.includes('--timeout 30s')));
  });

  it(
    'passes bash -n and shellcheck',
    { skip: has('shellcheck') ? false : 'shellcheck not installed (apt-get install shellcheck)' },
    () => {
      for (const s of ['deploy.sh', 'undeploy.sh']) {
        assert.equal(run('bash', ['-n', path.join(dir, s)]).code, 0);
        const sc = run('shellcheck', [path.join(dir, s)]);
        assert.equal(sc.code, 0, sc.stdout + sc.stderr);
      }
      assert.ok(existsSync(path.join(dir, 'deploy.sh')));
    },
  );
});
