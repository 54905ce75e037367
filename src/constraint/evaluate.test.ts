import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { AicrError } from '../errors/index.js';
import type { Snapshot } from '../model/snapshot.js';
import { embeddedOverlaysDir, fixturesDir } from '../../test/helpers/paths.js';
import { parseConstraintPath, resolveReading } from './path.js';
import { checkOverlayConstraint, evaluateConstraint, evaluateDeploymentConstraint } from './evaluate.js';
import { recipeConstraints, validateRecipe } from './recipe.js';

const mock = parse(readFileSync(path.join(fixturesDir, 'mock-snapshot.yaml'), 'utf8')) as Snapshot;

/** The mock snapshot with OS.release.VERSION_ID replaced. */
function withVersionId(v: string): Snapshot {
  const copy = structuredClone(mock);
  const release = copy.measurements
    .find((m) => m.type === 'OS')!
    .subtypes!.find((s) => s.subtype === 'release')!;
  release.data.VERSION_ID = v;
  return copy;
}

/** A snapshot like a real EKS node's. */
const eksNode: Snapshot = {
  measurements: [
    { type: 'K8s', subtypes: [{ subtype: 'server', data: { version: 'v1.33.5-eks-3025e55' } }] },
    { type: 'GPU', subtypes: [{ subtype: 'smi', data: { 'gpu.model': 'NVIDIA H100 80GB HBM3' } }] },
    {
      type: 'OS',
      subtypes: [
        { subtype: 'release', data: { ID: 'ubuntu', VERSION_ID: '22.04' } },
        {
          subtype: 'sysctl',
          data: { '/proc/sys/kernel/osrelease': '6.8.0-1028-aws', 'kernel.pid_max': 4194304 },
        },
      ],
    },
    { type: 'SystemD', subtypes: [{ subtype: 'containerd', data: { 'service.ActiveState': 'active' } }] },
  ],
};

describe('parseConstraintPath', () => {
  it('splits the type at the first dot; subtype and key are resolved against the snapshot', () => {
    assert.deepEqual(parseConstraintPath('OS.sysctl./proc/sys/kernel/osrelease'), {
      type: 'OS',
      rest: 'sysctl./proc/sys/kernel/osrelease',
    });
    assert.deepEqual(parseConstraintPath('SystemD.containerd.service.ActiveState'), {
      type: 'SystemD',
      rest: 'containerd.service.ActiveState',
    });
    assert.deepEqual(parseConstraintPath('K8s.server.version'), { type: 'K8s', rest: 'server.version' });
  });

  it('rejects fewer than three parts and unknown types (case-sensitive)', () => {
    for (const name of ['', 'K8s', 'K8s.server']) {
      assert.throws(() => parseConstraintPath(name), /expected \{Type\}\.\{Subtype\}\.\{Key\}/);
    }
    for (const name of [
      'k8s.server.version',
      'os.release.ID',
      'InvalidType.a.b',
      'Deployment.gpu-operator.version',
    ]) {
      assert.throws(
        () => parseConstraintPath(name),
        (err: unknown) =>
          err instanceof AicrError &&
          err.code === 'INVALID_REQUEST' &&
          err.message.includes('must be one of K8s, SystemD, OS, GPU, NodeTopology'),
      );
    }
  });

  it('resolves readings as text and names what is missing', () => {
    assert.equal(
      resolveReading(eksNode, parseConstraintPath('OS.sysctl./proc/sys/kernel/osrelease')),
      '6.8.0-1028-aws',
    );
    assert.equal(resolveReading(eksNode, parseConstraintPath('OS.sysctl.kernel.pid_max')), '4194304');
    assert.throws(
      () => resolveReading(mock, parseConstraintPath('GPU.smi.gpu.model')),
      /measurement type GPU not found/,
    );
    assert.throws(
      () => resolveReading(mock, parseConstraintPath('OS.sysctl./proc/sys/kernel/osrelease')),
      /value not found in snapshot/,
    );
    assert.throws(
      () => resolveReading(mock, parseConstraintPath('OS.release.NAME')),
      (err: unknown) => err instanceof AicrError && err.code === 'NOT_FOUND',
    );
  });
});

describe('evaluateConstraint', () => {
  it('passes, fails and shows the actual value', () => {
    assert.deepEqual(evaluateConstraint({ name: 'K8s.server.version', value: '>= 1.32.4' }, mock), {
      name: 'K8s.server.version',
      expected: '>= 1.32.4',
      actual: 'v1.33.0',
      status: 'pass',
      message: 'v1.33.0 satisfies >= 1.32.4',
    });
    assert.deepEqual(evaluateConstraint({ name: 'OS.release.VERSION_ID', value: '24.04' }, eksNode), {
      name: 'OS.release.VERSION_ID',
      expected: '24.04',
      actual: '22.04',
      status: 'fail',
      message: 'expected 24.04, got 22.04',
    });
    const kernel = evaluateConstraint(
      { name: 'OS.sysctl./proc/sys/kernel/osrelease', value: '>= 6.8' },
      eksNode,
    );
    assert.equal(kernel.status, 'pass');
    assert.equal(kernel.actual, '6.8.0-1028-aws');
  });

  it('skips with the reason when the type, subtype or key is missing', () => {
    const cases: [string, RegExp][] = [
      ['GPU.smi.gpu.model', /measurement type GPU not found/],
      ['OS.sysctl./proc/sys/kernel/osrelease', /subtype "sysctl" not found in measurement type OS/],
      ['OS.release.PRETTY_NAME', /key "PRETTY_NAME" not found in subtype OS.release/],
    ];
    for (const [name, re] of cases) {
      const r = evaluateConstraint({ name, value: '>= 6.8' }, mock);
      assert.equal(r.status, 'skipped', name);
      assert.equal(r.actual, undefined);
      assert.match(r.message, /^value not found in snapshot: /);
      assert.match(r.message, re);
    }
  });

  it('turns unparsable versions in ordering comparisons into error entries', () => {
    const r = evaluateConstraint({ name: 'OS.release.ID', value: '>= 20.04' }, mock);
    assert.equal(r.status, 'error');
    assert.equal(r.actual, 'ubuntu');
    assert.match(r.message, /cannot parse actual version "ubuntu"/);
    const bad = evaluateConstraint({ name: 'K8s.server.version', value: '> latest' }, mock);
    assert.equal(bad.status, 'error');
    assert.match(bad.message, /cannot parse expected version "latest"/);
  });

  it('reports a bad path or expression as an error entry instead of throwing', () => {
    assert.equal(evaluateConstraint({ name: 'k8s.server.version', value: '>= 1.0' }, mock).status, 'error');
    assert.equal(evaluateConstraint({ name: 'K8s.server.version', value: '>=' }, mock).status, 'error');
  });
});

describe('checkOverlayConstraint (recipe snapshot mode)', () => {
  it('reports the constraint warning fields', () => {
    assert.deepEqual(checkOverlayConstraint({ name: 'OS.release.VERSION_ID', value: '24.04' }, eksNode), {
      passed: false,
      status: 'fail',
      expected: '24.04',
      actual: '22.04',
      reason: 'expected 24.04, got 22.04',
    });
    assert.deepEqual(checkOverlayConstraint({ name: 'K8s.server.version', value: '>= 1.32.4' }, eksNode), {
      passed: true,
      status: 'pass',
      expected: '>= 1.32.4',
      actual: 'v1.33.5-eks-3025e55',
      reason: '',
    });
  });

  it('treats a missing value as an exclusion with a coded reason', () => {
    const r = checkOverlayConstraint({ name: 'OS.sysctl./proc/sys/kernel/osrelease', value: '>= 6.8' }, mock);
    assert.equal(r.passed, false);
    assert.equal(r.status, 'skipped');
    assert.equal(r.actual, undefined);
    assert.match(r.reason!, /^\[NOT_FOUND\] value not found in snapshot: subtype "sysctl" not found/);
    const bad = checkOverlayConstraint({ name: 'Bogus.a.b', value: '1' }, mock);
    assert.equal(bad.passed, false);
    assert.match(bad.reason!, /^\[INVALID_REQUEST\] invalid constraint path "Bogus.a.b"/);
    const ver = checkOverlayConstraint({ name: 'OS.release.ID', value: '>= 1.0' }, mock);
    assert.equal(ver.status, 'error');
    assert.match(ver.reason!, /^\[INVALID_REQUEST\] cannot parse actual version "ubuntu"/);
  });
});

describe('evaluateDeploymentConstraint (K8s.helm data)', () => {
  it('compares Deployment.<component>.version with the Helm release version', () => {
    const r = evaluateDeploymentConstraint(
      { name: 'Deployment.gpu-operator.version', value: '>= v24.6.0' },
      mock,
    );
    assert.deepEqual(r, {
      name: 'Deployment.gpu-operator.version',
      expected: '>= v24.6.0',
      actual: 'v25.10.1',
      status: 'pass',
      message: 'v25.10.1 satisfies >= v24.6.0',
    });
    const old = evaluateDeploymentConstraint(
      { name: 'Deployment.cert-manager.version', value: '>= 1.18' },
      mock,
    );
    assert.equal(old.status, 'fail');
    assert.equal(old.message, 'expected >= 1.18, got v1.17.2');
  });

  it('skips when the snapshot lacks the release or any Helm data, and for other names', () => {
    const noVersion = evaluateDeploymentConstraint(
      { name: 'Deployment.skyhook-customizations.version', value: '>= 1.0' },
      mock,
    );
    assert.equal(noVersion.status, 'skipped');
    assert.match(noVersion.message, /no Helm release version for component "skyhook-customizations"/);
    const noHelm = evaluateDeploymentConstraint(
      { name: 'Deployment.gpu-operator.version', value: '>= 1.0' },
      eksNode,
    );
    assert.equal(noHelm.status, 'skipped');
    assert.match(noHelm.message, /snapshot has no Helm release data \(K8s\.helm\)/);
    const other = evaluateDeploymentConstraint({ name: 'Deployment.gpu-operator.health', value: 'ok' }, mock);
    assert.equal(other.status, 'skipped');
    assert.match(other.message, /only Deployment\.<component>\.version constraints/);
  });
});

describe('validateRecipe', () => {
  const overlay = parse(
    readFileSync(path.join(embeddedOverlaysDir, 'h100-eks-ubuntu-training.yaml'), 'utf8'),
  );
  const recipe = overlay.spec as { constraints: unknown; validation: unknown };

  it('training constraints vs the mock snapshot: three passes, the kernel skipped, deployment version passing', () => {
    const doc = validateRecipe(recipe, mock, { metadata: { recipe: 'r.yaml' } });
    assert.equal(doc.kind, 'ValidationResult');
    assert.equal(doc.apiVersion, 'aicr.nvidia.com/v1alpha1');
    assert.deepEqual(doc.metadata, { recipe: 'r.yaml', phases: ['readiness', 'deployment'] });
    assert.equal(doc.status, 'partial');
    const readiness = doc.results.filter((r) => r.phase === 'readiness');
    assert.deepEqual(
      readiness.map((r) => [r.name, r.status]),
      [
        ['K8s.server.version', 'pass'],
        ['OS.release.ID', 'pass'],
        ['OS.release.VERSION_ID', 'pass'],
        ['OS.sysctl./proc/sys/kernel/osrelease', 'skipped'],
      ],
    );
    assert.deepEqual(
      doc.results.filter((r) => r.phase === 'deployment').map((r) => [r.name, r.status, r.actual]),
      [['Deployment.gpu-operator.version', 'pass', 'v25.10.1']],
    );
    assert.deepEqual(doc.summary, { passed: 4, failed: 0, skipped: 1, errors: 0, total: 5 });
    assert.deepEqual(Object.keys(doc.results[0]!), [
      'name',
      'phase',
      'expected',
      'actual',
      'status',
      'message',
    ]);
  });

  it('readiness only, and failing on VERSION_ID 22.04', () => {
    const only = validateRecipe(recipe, mock, { phases: ['readiness'] });
    assert.deepEqual(only.summary, { passed: 3, failed: 0, skipped: 1, errors: 0, total: 4 });
    const failing = validateRecipe(recipe, withVersionId('22.04'), { phases: ['readiness'] });
    assert.equal(failing.status, 'fail');
    const entry = failing.results.find((r) => r.name === 'OS.release.VERSION_ID')!;
    assert.equal(entry.actual, '22.04');
    assert.equal(entry.message, 'expected 24.04, got 22.04');
  });

  it('errors count as failures; all passing is pass; no constraints is pass', () => {
    const err = validateRecipe({ constraints: [{ name: 'OS.release.ID', value: '>= 1.0' }] }, mock);
    assert.equal(err.status, 'fail');
    assert.equal(err.summary.errors, 1);
    const ok = validateRecipe({ constraints: [{ name: 'OS.release.ID', value: 'ubuntu' }] }, mock);
    assert.equal(ok.status, 'pass');
    assert.equal(validateRecipe({}, mock).status, 'pass');
  });

  it('rejects malformed constraints before evaluating, naming the constraint', () => {
    const cases: [unknown, RegExp][] = [
      [{ constraints: 'x' }, /constraints: must be a list/],
      [{ constraints: ['x'] }, /constraints\[0\]: must be a mapping/],
      [{ constraints: [{ value: '1' }] }, /constraints\[0\]: name is missing/],
      [
        { constraints: [{ name: 'OS.release.ID' }] },
        /"OS.release.ID" \(constraints\[0\]\): value is missing/,
      ],
      [
        {
          constraints: [
            { name: 'OS.release.ID', value: 'ubuntu' },
            { name: 'K8s.server.version', value: '>= ' },
          ],
        },
        /"K8s.server.version" \(constraints\[1\]\): constraint value cannot be empty after operator/,
      ],
      [
        { constraints: [{ name: 'k8s.server.version', value: '1' }] },
        /"k8s.server.version".*unknown measurement type/,
      ],
      [{ constraints: [{ name: 'K8s.version', value: '1' }] }, /"K8s.version".*expected \{Type\}/],
      [
        {
          validation: {
            deployment: { constraints: [{ name: 'Deployment.gpu-operator.version', value: '' }] },
          },
        },
        /"Deployment.gpu-operator.version" \(validation.deployment.constraints\[0\]\): constraint expression cannot be empty/,
      ],
      [
        { validation: { performance: { constraints: [{ name: 'nccl-all-reduce-bw' }] } } },
        /validation.performance/,
      ],
    ];
    for (const [r, re] of cases) {
      assert.throws(
        () => recipeConstraints(r as never),
        (err: unknown) => err instanceof AicrError && err.code === 'INVALID_REQUEST' && re.test(err.message),
        String(re),
      );
    }
  });

  it('keeps scalar values as text', () => {
    const lists = recipeConstraints({ constraints: [{ name: 'OS.release.VERSION_ID', value: 24.04 }] });
    assert.deepEqual(lists.readiness, [{ name: 'OS.release.VERSION_ID', value: '24.04' }]);
  });
});
