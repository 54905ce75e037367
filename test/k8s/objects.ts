/**
 * Builders for Kubernetes objects as the real API server returns them (shapes and typical field sets),
 * plus a deterministic cluster generator for large-cluster tests and benchmarks.
 */
import type { FakeKubeApiServer, KObject } from './fake-api-server.js';

export interface Taint {
  key: string;
  value?: string;
  effect: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';
}

export interface NodeOptions {
  labels?: Record<string, string>;
  taints?: Taint[];
  providerID?: string;
  kubeletVersion?: string;
  kernelVersion?: string;
  osImage?: string;
  containerRuntimeVersion?: string;
  operatingSystem?: string;
  architecture?: string;
  /** Number of cached images listed in status.images (real nodes list dozens). */
  images?: number;
}

export function makeNode(name: string, o: NodeOptions = {}): KObject {
  const images = Array.from({ length: o.images ?? 3 }, (_, i) => ({
    names: [
      `registry.k8s.io/image-${i}@sha256:${String(i).padStart(64, '0')}`,
      `registry.k8s.io/image-${i}:v1.${i}`,
    ],
    sizeBytes: 10_000_000 + i,
  }));
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name,
      labels: {
        'kubernetes.io/hostname': name,
        'kubernetes.io/os': 'linux',
        'kubernetes.io/arch': o.architecture ?? 'amd64',
        ...o.labels,
      },
      annotations: {
        'node.alpha.kubernetes.io/ttl': '0',
        'volumes.kubernetes.io/controller-managed-attach-detach': 'true',
      },
    },
    spec: {
      ...(o.providerID ? { providerID: o.providerID } : {}),
      ...(o.taints && o.taints.length ? { taints: o.taints } : {}),
    },
    status: {
      capacity: { cpu: '96', memory: '2113389692Ki', pods: '110', 'ephemeral-storage': '1844244736Ki' },
      allocatable: { cpu: '95', memory: '2100000000Ki', pods: '110', 'ephemeral-storage': '1699651857612' },
      conditions: ['MemoryPressure', 'DiskPressure', 'PIDPressure', 'Ready'].map((type) => ({
        type,
        status: type === 'Ready' ? 'True' : 'False',
        lastHeartbeatTime: '2025-09-01T00:00:00Z',
        lastTransitionTime: '2025-08-01T00:00:00Z',
        reason: type === 'Ready' ? 'KubeletReady' : `KubeletHasNo${type}`,
        message: type === 'Ready' ? 'kubelet is posting ready status' : `kubelet has no ${type}`,
      })),
      addresses: [
        { type: 'InternalIP', address: '10.0.0.1' },
        { type: 'Hostname', address: name },
      ],
      daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
      nodeInfo: {
        machineID: 'ec2a0b1c2d3e4f5a6b7c8d9e0f1a2b3c',
        systemUUID: 'ec2a0b1c-2d3e-4f5a-6b7c-8d9e0f1a2b3c',
        bootID: '5e0f3c2a-1b2c-4d3e-8f9a-0b1c2d3e4f5a',
        kernelVersion: o.kernelVersion ?? '6.8.0-1024-aws',
        osImage: o.osImage ?? 'Ubuntu 24.04.2 LTS',
        containerRuntimeVersion: o.containerRuntimeVersion ?? 'containerd://2.0.5',
        kubeletVersion: o.kubeletVersion ?? 'v1.33.5-eks-1234567',
        kubeProxyVersion: '',
        operatingSystem: o.operatingSystem ?? 'linux',
        architecture: o.architecture ?? 'amd64',
      },
      images,
    },
  };
}

export interface PodOptions {
  images?: string[];
  initImages?: string[];
  ephemeralImages?: string[];
  nodeName?: string;
  labels?: Record<string, string>;
}

export function makePod(namespace: string, name: string, o: PodOptions = {}): KObject {
  const images = o.images ?? ['nginx:1.27'];
  const container = (image: string, i: number, prefix: string) => ({
    name: `${prefix}${i}`,
    image,
    imagePullPolicy: 'IfNotPresent',
    resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '256Mi' } },
    ports: [{ containerPort: 8080 + i, protocol: 'TCP' }],
    env: [{ name: 'POD_NAME', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.name' } } }],
    terminationMessagePath: '/dev/termination-log',
    terminationMessagePolicy: 'File',
  });
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace,
      labels: {
        app: name.replace(/-[a-z0-9]+-[a-z0-9]+$/, ''),
        'pod-template-hash': '5d7f8c9b6',
        ...o.labels,
      },
      ownerReferences: [
        {
          apiVersion: 'apps/v1',
          kind: 'ReplicaSet',
          name: `${name}-rs`,
          uid: '7f0c1d2e-3f4a-4b5c-8d6e-7f8a9b0c1d2e',
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
    },
    spec: {
      ...(o.initImages ? { initContainers: o.initImages.map((im, i) => container(im, i, 'init-')) } : {}),
      containers: images.map((im, i) => container(im, i, 'c')),
      ...(o.ephemeralImages
        ? {
            ephemeralContainers: o.ephemeralImages.map((im, i) => ({ name: `debug-${i}`, image: im })),
          }
        : {}),
      restartPolicy: 'Always',
      serviceAccountName: 'default',
      nodeName: o.nodeName ?? 'node-0',
      schedulerName: 'default-scheduler',
      terminationGracePeriodSeconds: 30,
      dnsPolicy: 'ClusterFirst',
    },
    status: {
      phase: 'Running',
      hostIP: '10.0.0.1',
      podIP: '10.244.0.10',
      startTime: '2025-09-01T00:00:00Z',
      conditions: ['Initialized', 'Ready', 'ContainersReady', 'PodScheduled'].map((type) => ({
        type,
        status: 'True',
        lastTransitionTime: '2025-09-01T00:00:00Z',
      })),
      containerStatuses: images.map((im, i) => ({
        name: `c${i}`,
        image: im,
        imageID: `docker.io/library/x@sha256:${String(i).padStart(64, 'a')}`,
        ready: true,
        restartCount: 0,
        started: true,
        state: { running: { startedAt: '2025-09-01T00:00:05Z' } },
      })),
    },
  };
}

export function makeClusterPolicy(name: string, spec: Record<string, unknown> | undefined): KObject {
  return {
    apiVersion: 'nvidia.com/v1',
    kind: 'ClusterPolicy',
    metadata: { name },
    ...(spec === undefined ? {} : { spec }),
  };
}

export function makeNamespace(name: string): KObject {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name }, spec: { finalizers: ['kubernetes'] } };
}

export interface ClusterShape {
  nodes: number;
  pods: number;
  namespaces?: number;
  /** Every n-th node is a GPU node with GPU labels and a `nvidia.com/gpu` taint (default 4). */
  gpuEvery?: number;
}

/** The images a generated cluster runs (image key → tag), so tests can assert the K8s image subtype. */
export const GENERATED_IMAGES = [
  'nvcr.io/nvidia/gpu-operator:v25.3.0',
  'nvcr.io/nvidia/k8s-device-plugin:v0.17.1',
  'nvcr.io/nvidia/cloud-native/dcgm:4.1.1-1-ubuntu22.04',
  'registry.k8s.io/kube-proxy:v1.33.5',
  'docker.io/library/nginx:1.27',
  'quay.io/prometheus/node-exporter:v1.9.0',
  'ghcr.io/example/trainer@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef',
  'public.ecr.aws/eks/aws-load-balancer-controller:v2.11.0',
];

/** Fills `server` with a deterministic cluster of the given size. */
export function populateCluster(server: FakeKubeApiServer, shape: ClusterShape): void {
  const gpuEvery = shape.gpuEvery ?? 4;
  const nsCount = shape.namespaces ?? 50;
  for (let i = 0; i < nsCount; i++) server.put(makeNamespace(`ns-${String(i).padStart(3, '0')}`));
  for (let i = 0; i < shape.nodes; i++) {
    const name = `node-${String(i).padStart(5, '0')}`;
    const gpu = i % gpuEvery === 0;
    server.put(
      makeNode(name, {
        providerID: `aws:///us-west-2a/i-${i.toString(16).padStart(17, '0')}`,
        labels: {
          'node.kubernetes.io/instance-type': gpu ? 'p5.48xlarge' : 'm7i.8xlarge',
          'topology.kubernetes.io/region': 'us-west-2',
          'topology.kubernetes.io/zone': `us-west-2${'abc'[i % 3]}`,
          'eks.amazonaws.com/nodegroup': gpu ? 'gpu' : 'system',
          ...(gpu
            ? {
                'nvidia.com/gpu.present': 'true',
                'nvidia.com/gpu.product': 'NVIDIA-H100-80GB-HBM3',
                'nvidia.com/gpu.count': '8',
              }
            : {}),
        },
        taints: gpu ? [{ key: 'nvidia.com/gpu', value: 'present', effect: 'NoSchedule' }] : [],
        images: 10,
      }),
    );
  }
  for (let i = 0; i < shape.pods; i++) {
    const ns = `ns-${String(i % nsCount).padStart(3, '0')}`;
    const image = GENERATED_IMAGES[i % GENERATED_IMAGES.length]!;
    server.put(
      makePod(ns, `app-${i % 97}-${i.toString(36)}-x${i % 7}`, {
        images: [image],
        nodeName: `node-${String(i % Math.max(shape.nodes, 1)).padStart(5, '0')}`,
      }),
    );
  }
}
