/**
 * `aicr exporter --print-manifests`: the Prometheus exporter as a DaemonSet on GPU nodes, with its
 * ServiceAccount, a read-only ClusterRole (what the K8s collector reads: the agent's rules) and binding,
 * a headless Service for scraping, and optionally a prometheus-operator ServiceMonitor. Deterministic for
 * the same flags (keys in a fixed order, selectors sorted).
 */
import { toYaml } from '../io/yaml-emit.js';
import { clusterRoleRules, RBAC_GROUP, type KubeObject } from './agent-manifests.js';
import { TOLERATE_ALL, type Toleration } from './scheduling.js';

export const EXPORTER_NAME = 'aicr-exporter';
export const EXPORTER_PORT = 9477;
/** Default placement: nodes the GPU Operator's feature discovery labels as having a GPU. */
export const EXPORTER_NODE_SELECTOR: Readonly<Record<string, string>> = { 'nvidia.com/gpu.present': 'true' };

export interface ExporterManifestConfig {
  namespace: string;
  image: string;
  imagePullSecrets: string[];
  nodeSelector: Record<string, string>;
  /** Undefined: tolerate every taint. */
  tolerations?: Toleration[];
  /** Arguments after `aicr exporter` (interval, recipe, filter). */
  args: string[];
  serviceMonitor: boolean;
}

const sorted = (m: Record<string, string>) =>
  Object.fromEntries(Object.entries(m).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));

export function exporterLabels(): Record<string, string> {
  return {
    'app.kubernetes.io/component': 'exporter',
    'app.kubernetes.io/managed-by': 'aicr',
    'app.kubernetes.io/name': EXPORTER_NAME,
  };
}

export function buildExporterObjects(cfg: ExporterManifestConfig): KubeObject[] {
  const labels = exporterLabels();
  const ns = cfg.namespace;
  const selector = { 'app.kubernetes.io/name': EXPORTER_NAME };
  const crName = `${EXPORTER_NAME}-${ns}`;
  const meta = (name: string, namespaced = true) => ({
    name,
    ...(namespaced ? { namespace: ns } : {}),
    labels: { ...labels },
  });
  const objects: KubeObject[] = [
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: meta(EXPORTER_NAME) },
    {
      apiVersion: `${RBAC_GROUP}/v1`,
      kind: 'ClusterRole',
      metadata: meta(crName, false),
      rules: clusterRoleRules(),
    },
    {
      apiVersion: `${RBAC_GROUP}/v1`,
      kind: 'ClusterRoleBinding',
      metadata: meta(crName, false),
      roleRef: { apiGroup: RBAC_GROUP, kind: 'ClusterRole', name: crName },
      subjects: [{ kind: 'ServiceAccount', name: EXPORTER_NAME, namespace: ns }],
    },
    {
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      metadata: meta(EXPORTER_NAME),
      spec: {
        selector: { matchLabels: { ...selector } },
        updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '10%' } },
        template: {
          metadata: { labels: { ...labels } },
          spec: {
            serviceAccountName: EXPORTER_NAME,
            // Host facts: nvidia-smi through the NVIDIA runtime, os-release and systemd from the host.
            hostPID: true,
            ...(Object.keys(cfg.nodeSelector).length ? { nodeSelector: sorted(cfg.nodeSelector) } : {}),
            tolerations: (cfg.tolerations ?? TOLERATE_ALL).map((t) => ({ ...t })),
            ...(cfg.imagePullSecrets.length
              ? { imagePullSecrets: cfg.imagePullSecrets.map((name) => ({ name })) }
              : {}),
            containers: [
              {
                name: 'exporter',
                image: cfg.image,
                imagePullPolicy: 'IfNotPresent',
                command: ['aicr'],
                args: ['exporter', '--listen', `:${EXPORTER_PORT}`, ...cfg.args],
                env: [
                  { name: 'NODE_NAME', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
                  { name: 'NVIDIA_VISIBLE_DEVICES', value: 'all' },
                ],
                ports: [{ name: 'metrics', containerPort: EXPORTER_PORT, protocol: 'TCP' }],
                livenessProbe: {
                  httpGet: { path: '/healthz', port: 'metrics' },
                  initialDelaySeconds: 10,
                  periodSeconds: 30,
                },
                resources: {
                  requests: { cpu: '50m', memory: '128Mi' },
                  limits: { cpu: '500m', memory: '512Mi' },
                },
                securityContext: {
                  privileged: true,
                  runAsUser: 0,
                  readOnlyRootFilesystem: true,
                },
                volumeMounts: [
                  { name: 'tmp', mountPath: '/tmp' },
                  { name: 'run-systemd', mountPath: '/run/systemd', readOnly: true },
                  { name: 'host-os-release', mountPath: '/etc/os-release', readOnly: true },
                ],
              },
            ],
            volumes: [
              { name: 'tmp', emptyDir: {} },
              { name: 'run-systemd', hostPath: { path: '/run/systemd', type: 'Directory' } },
              { name: 'host-os-release', hostPath: { path: '/etc/os-release', type: 'File' } },
            ],
          },
        },
      },
    },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: meta(EXPORTER_NAME),
      spec: {
        clusterIP: 'None',
        selector: { ...selector },
        ports: [{ name: 'metrics', port: EXPORTER_PORT, targetPort: 'metrics', protocol: 'TCP' }],
      },
    },
  ];
  if (cfg.serviceMonitor) {
    objects.push({
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'ServiceMonitor',
      metadata: meta(EXPORTER_NAME),
      spec: {
        selector: { matchLabels: { ...selector } },
        namespaceSelector: { matchNames: [ns] },
        endpoints: [{ port: 'metrics', path: '/metrics', interval: '60s', scrapeTimeout: '10s' }],
      },
    });
  }
  return objects;
}

/** The objects as one multi-document YAML stream with a header comment. */
export function renderExporterManifests(cfg: ExporterManifestConfig): string {
  const header = [
    '# aicr Prometheus exporter: ServiceAccount, read-only ClusterRole and binding, DaemonSet on GPU nodes,',
    `# headless Service (port ${EXPORTER_PORT}, /metrics and /healthz)${cfg.serviceMonitor ? ', ServiceMonitor (prometheus-operator)' : ''}.`,
    `# Apply with: kubectl apply -n ${cfg.namespace} -f <this file>`,
  ];
  return (
    header.join('\n') +
    '\n' +
    buildExporterObjects(cfg)
      .map((o) => '---\n' + toYaml(o))
      .join('')
  );
}
