import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseAllDocuments } from 'yaml';
import {
  agentArgs,
  buildAgentObjects,
  clusterRoleName,
  renderManifests,
  type AgentConfig,
} from '../../src/k8s/agent-manifests.js';
import { agentOutputUri } from '../../src/k8s/agent/index.js';
import { describePermission, requiredPermissions } from '../../src/k8s/agent/preflight.js';

function cfg(over: Partial<AgentConfig> = {}): AgentConfig {
  return {
    namespace: 'gpu-operator',
    jobName: 'aicr',
    serviceAccountName: 'aicr',
    image: 'ghcr.io/nvidia/aicr:v0.1.0',
    imagePullSecrets: [],
    nodeSelector: {},
    privileged: true,
    requireGpu: false,
    output: 'cm://gpu-operator/aicr-snapshot',
    debug: false,
    maxNodesPerEntry: 0,
    timeoutMs: 5 * 60_000,
    ...over,
  };
}

type Any = Record<string, any>;

const podSpec = (c: AgentConfig): Any => (buildAgentObjects(c).job as Any).spec.template.spec;

describe('agent RBAC objects', () => {
  it('Role lets the agent write ConfigMaps and read pods in its namespace', () => {
    const { role, roleBinding, serviceAccount } = buildAgentObjects(cfg());
    assert.equal(serviceAccount.metadata.name, 'aicr');
    assert.equal(serviceAccount.metadata.namespace, 'gpu-operator');
    assert.deepEqual((role as Any).rules, [
      { apiGroups: [''], resources: ['configmaps'], verbs: ['create', 'get', 'update', 'patch'] },
      { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list'] },
    ]);
    assert.deepEqual((roleBinding as Any).roleRef, {
      apiGroup: 'rbac.authorization.k8s.io',
      kind: 'Role',
      name: 'aicr',
    });
    assert.deepEqual((roleBinding as Any).subjects, [
      { kind: 'ServiceAccount', name: 'aicr', namespace: 'gpu-operator' },
    ]);
  });

  it('ClusterRole reads nodes, pods and ClusterPolicies; its binding names the service account', () => {
    const { clusterRole, clusterRoleBinding } = buildAgentObjects(cfg({ serviceAccountName: 'snap' }));
    assert.deepEqual((clusterRole as Any).rules, [
      { apiGroups: [''], resources: ['nodes'], verbs: ['get', 'list'] },
      { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list'] },
      { apiGroups: ['nvidia.com'], resources: ['clusterpolicies'], verbs: ['get', 'list'] },
    ]);
    assert.equal(clusterRole.metadata.namespace, undefined);
    assert.deepEqual((clusterRoleBinding as Any).roleRef, {
      apiGroup: 'rbac.authorization.k8s.io',
      kind: 'ClusterRole',
      name: clusterRole.metadata.name,
    });
    assert.deepEqual((clusterRoleBinding as Any).subjects, [
      { kind: 'ServiceAccount', name: 'snap', namespace: 'gpu-operator' },
    ]);
  });

  it('cluster-scoped names differ per namespace, so parallel runs never overwrite each other', () => {
    const a = buildAgentObjects(cfg({ namespace: 'team-a' }));
    const b = buildAgentObjects(cfg({ namespace: 'team-b' }));
    assert.equal(a.clusterRole.metadata.name, 'aicr-node-reader-team-a-aicr');
    assert.notEqual(a.clusterRole.metadata.name, b.clusterRole.metadata.name);
    assert.notEqual(a.clusterRoleBinding.metadata.name, b.clusterRoleBinding.metadata.name);
  });

  it('very long names are shortened with a hash and stay within 253 characters', () => {
    const sa = 'a'.repeat(250);
    const n1 = clusterRoleName({ namespace: 'x', serviceAccountName: sa });
    const n2 = clusterRoleName({ namespace: 'y', serviceAccountName: sa });
    assert.ok(n1.length <= 253);
    assert.match(n1, /^aicr-node-reader-[0-9a-f]{10}$/);
    assert.notEqual(n1, n2);
  });

  it('every object carries the aicr labels', () => {
    const objs = buildAgentObjects(cfg({ jobName: 'snap-1' }));
    // The Namespace may be shared by many runs: it carries only managed-by.
    assert.deepEqual(objs.namespace.metadata.labels, { 'app.kubernetes.io/managed-by': 'aicr' });
    for (const o of Object.values(objs).filter((x) => x.kind !== 'Namespace')) {
      assert.equal(o.metadata.labels?.['app.kubernetes.io/name'], 'aicr', o.kind);
      assert.equal(o.metadata.labels?.['app.kubernetes.io/managed-by'], 'aicr', o.kind);
      assert.equal(o.metadata.labels?.['app.kubernetes.io/instance'], 'snap-1', o.kind);
    }
  });
});

describe('agent Job', () => {
  it('runs aicr snapshot into the ConfigMap once, without retries', () => {
    const job = buildAgentObjects(cfg()).job as Any;
    assert.equal(job.metadata.name, 'aicr');
    assert.equal(job.metadata.namespace, 'gpu-operator');
    assert.equal(job.spec.backoffLimit, 0);
    assert.equal(job.spec.completions, 1);
    assert.equal(job.spec.parallelism, 1);
    assert.equal(job.spec.ttlSecondsAfterFinished, 3600);
    assert.equal(job.spec.activeDeadlineSeconds, 360);
    assert.equal(job.spec.template.metadata.labels['app.kubernetes.io/name'], 'aicr');
    const spec = job.spec.template.spec;
    assert.equal(spec.serviceAccountName, 'aicr');
    assert.equal(spec.restartPolicy, 'Never');
    const c = spec.containers[0];
    assert.equal(c.name, 'aicr');
    assert.equal(c.image, 'ghcr.io/nvidia/aicr:v0.1.0');
    assert.deepEqual(c.command, ['aicr']);
    assert.deepEqual(c.args, ['snapshot', '--output', 'cm://gpu-operator/aicr-snapshot']);
    const env = Object.fromEntries(c.env.map((e: Any) => [e.name, e.value ?? e.valueFrom]));
    assert.equal(env.AICR_AGENT_MODE, 'true');
    assert.equal(env.AICR_LOG_PREFIX, 'agent');
    assert.deepEqual(env.NODE_NAME, { fieldRef: { fieldPath: 'spec.nodeName' } });
    assert.equal(env.NVIDIA_VISIBLE_DEVICES, undefined);
    assert.equal(env.AICR_MAX_NODES_PER_ENTRY, undefined);
  });

  it('debug, require-gpu and max-nodes-per-entry reach the agent', () => {
    assert.deepEqual(agentArgs({ debug: true, output: 'cm://a/b', requireGpu: true }), [
      '--debug',
      '--log-json',
      'snapshot',
      '--output',
      'cm://a/b',
      '--require-gpu',
    ]);
    const c = podSpec(cfg({ maxNodesPerEntry: 5 })).containers[0];
    assert.ok(c.env.some((e: Any) => e.name === 'AICR_MAX_NODES_PER_ENTRY' && e.value === '5'));
  });

  it('privileged by default: host namespaces, root, host mounts, 3 volumes', () => {
    const spec = podSpec(cfg());
    assert.equal(spec.hostPID, true);
    assert.equal(spec.hostNetwork, true);
    assert.equal(spec.hostIPC, true);
    assert.equal(spec.securityContext.runAsUser, 0);
    const c = spec.containers[0];
    assert.equal(c.securityContext.privileged, true);
    assert.deepEqual(c.securityContext.capabilities, { add: ['SYS_ADMIN', 'SYS_CHROOT'] });
    assert.deepEqual(
      spec.volumes.map((v: Any) => v.name),
      ['tmp', 'run-systemd', 'host-os-release'],
    );
    assert.deepEqual(spec.volumes[1].hostPath, { path: '/run/systemd', type: 'Directory' });
    assert.deepEqual(spec.volumes[2].hostPath, { path: '/etc/os-release', type: 'File' });
    assert.ok(c.volumeMounts.slice(1).every((m: Any) => m.readOnly === true));
    assert.deepEqual(c.resources.requests, { cpu: '1', memory: '4Gi', 'ephemeral-storage': '2Gi' });
    assert.equal(c.resources.limits['nvidia.com/gpu'], undefined);
    assert.equal(podSpec(cfg({ requireGpu: true })).containers[0].resources.limits['nvidia.com/gpu'], '1');
  });

  it('--privileged=false meets the restricted Pod Security Standard', () => {
    const spec = podSpec(cfg({ privileged: false, requireGpu: true }));
    assert.equal(spec.hostPID, undefined);
    assert.equal(spec.hostNetwork, undefined);
    assert.equal(spec.hostIPC, undefined);
    assert.deepEqual(spec.securityContext, {
      runAsNonRoot: true,
      runAsUser: 65534,
      runAsGroup: 65534,
      fsGroup: 65534,
      seccompProfile: { type: 'RuntimeDefault' },
    });
    const c = spec.containers[0];
    assert.equal(c.securityContext.privileged, false);
    assert.equal(c.securityContext.allowPrivilegeEscalation, false);
    assert.equal(c.securityContext.readOnlyRootFilesystem, true);
    assert.deepEqual(c.securityContext.capabilities, { drop: ['ALL'] });
    assert.deepEqual(spec.volumes, [{ name: 'tmp', emptyDir: {} }]);
    assert.ok(!JSON.stringify(spec).includes('hostPath'));
    assert.equal(c.resources.limits['nvidia.com/gpu'], undefined, 'no GPU limit in restricted mode');
  });

  it('scheduling: node selectors sorted, tolerations, pull secrets, runtime class', () => {
    const spec = podSpec(
      cfg({
        nodeSelector: { 'nvidia.com/gpu.present': 'true', 'a/b': 'c' },
        tolerations: [{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }],
        imagePullSecrets: ['regcred', 'other'],
        runtimeClass: 'nvidia',
      }),
    );
    assert.deepEqual(Object.keys(spec.nodeSelector), ['a/b', 'nvidia.com/gpu.present']);
    assert.deepEqual(spec.tolerations, [{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }]);
    assert.deepEqual(spec.imagePullSecrets, [{ name: 'regcred' }, { name: 'other' }]);
    assert.equal(spec.runtimeClassName, 'nvidia');
    assert.ok(
      spec.containers[0].env.some((e: Any) => e.name === 'NVIDIA_VISIBLE_DEVICES' && e.value === 'all'),
    );
  });

  it('without --toleration the agent tolerates every taint; without selectors none is set', () => {
    const spec = podSpec(cfg());
    assert.deepEqual(spec.tolerations, [{ operator: 'Exists' }]);
    assert.equal(spec.nodeSelector, undefined);
    assert.equal(spec.imagePullSecrets, undefined);
    assert.equal(spec.runtimeClassName, undefined);
  });
});

describe('--print-manifests', () => {
  it('renders the Namespace first, then the six objects, as a YAML stream that parses back to the same objects', () => {
    const c = cfg({ nodeSelector: { 'nvidia.com/gpu.present': 'true' }, imagePullSecrets: ['regcred'] });
    const text = renderManifests(c);
    const docs = parseAllDocuments(text).map((d) => d.toJS());
    assert.deepEqual(
      docs.map((d) => d.kind),
      ['Namespace', 'ServiceAccount', 'Role', 'RoleBinding', 'ClusterRole', 'ClusterRoleBinding', 'Job'],
    );
    const objs = buildAgentObjects(c);
    assert.deepEqual(docs[0], {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: c.namespace, labels: { 'app.kubernetes.io/managed-by': 'aicr' } },
    });
    assert.deepEqual(docs[6], JSON.parse(JSON.stringify(objs.job)));
    assert.deepEqual(docs[4], JSON.parse(JSON.stringify(objs.clusterRole)));
    assert.match(text, /^# aicr snapshot agent/);
    assert.equal(renderManifests(c), text, 'deterministic');
    // values that YAML would otherwise read as other types stay strings
    assert.match(text, /AICR_AGENT_MODE\n\s+value: "true"/);
  });
});

describe('agent output location', () => {
  it('a ConfigMap in the agent namespace is used as is; anything else gets <job>-snapshot', () => {
    assert.equal(agentOutputUri('cm://gpu/snap', 'gpu', 'aicr'), 'cm://gpu/snap');
    assert.equal(agentOutputUri('cm://other/snap', 'gpu', 'aicr'), 'cm://gpu/aicr-snapshot');
    assert.equal(agentOutputUri('snapshot.yaml', 'gpu', 'aicr'), 'cm://gpu/aicr-snapshot');
    assert.equal(agentOutputUri(undefined, 'default', 'nightly'), 'cm://default/nightly-snapshot');
  });
});

describe('pre-flight permission list', () => {
  it('names every verb and resource the deployment uses, scoped like kubectl auth can-i', () => {
    const { direct, grantedCluster } = requiredPermissions({ namespace: 'gpu' }, true);
    const names = direct.map(describePermission);
    for (const want of [
      'create serviceaccounts (namespace "gpu")',
      'create roles.rbac.authorization.k8s.io (namespace "gpu")',
      'create jobs.batch (namespace "gpu")',
      'get pods/log (namespace "gpu")',
      'create clusterroles.rbac.authorization.k8s.io (cluster-scoped)',
      'delete clusterrolebindings.rbac.authorization.k8s.io (cluster-scoped)',
    ]) {
      assert.ok(names.includes(want), want);
    }
    assert.ok(
      grantedCluster.map(describePermission).includes('list clusterpolicies.nvidia.com (cluster-scoped)'),
    );
    const noCleanup = requiredPermissions({ namespace: 'gpu' }, false).direct.map(describePermission);
    assert.ok(!noCleanup.includes('delete serviceaccounts (namespace "gpu")'));
  });
});
