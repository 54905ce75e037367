/**
 * K8s collector (type `K8s`): subtypes `server`, `image`, `policy`, `node`, always in that order.
 *
 *  - `server`: `version`, `platform`, `goVersion` from /version (null when unknown).
 *  - `image`: every container image of every pod (containers, init and ephemeral containers), paged:
 *    key = image name after the last `/` without digest, value = tag (`latest` when none).
 *  - `policy`: the `spec` of every `ClusterPolicy` object of any API group, flattened to dotted keys,
 *    values as strings.
 *  - `node`: facts of this node's Node object (name from NODE_NAME / KUBERNETES_NODE_NAME / HOSTNAME /
 *    the host name): provider, runtime, kubelet, kernel, OS.
 * No usable cluster ⇒ all four subtypes with empty data (one warning, from the session). A failing
 * sub-collection ⇒ a warning and empty data for that subtype.
 */
import type * as K8sModule from '@kubernetes/client-node';
import { apiStatus, describeApiError, makeApiClient } from '../k8s/client.js';
import { log } from '../logging/logger.js';
import type { Measurement, Reading, Subtype } from '../model/snapshot.js';
import { ClusterCollector, forEachPage, KubeLister, type KubeConnection, type KubeSession } from './kube.js';
import { scanPodImages } from './list-scan.js';
import { mapPool } from '../util/pool.js';

export const DEFAULT_PAGE_SIZE = 500;

export interface K8sCollectorOptions {
  session: KubeSession;
  /** Node whose facts the `node` subtype reports (empty: no node subtype data). */
  nodeName?: string;
  pageSize?: number;
  timeoutMs?: number;
}

export class K8sCollector extends ClusterCollector<K8sCollectorOptions> {
  constructor(opts: K8sCollectorOptions) {
    super('K8s', opts);
  }

  protected async collectFrom(conn: KubeConnection | undefined, signal: AbortSignal): Promise<Measurement> {
    if (!conn) {
      return {
        type: 'K8s',
        subtypes: ['server', 'image', 'policy', 'node'].map((subtype) => ({ subtype, data: {} })),
      };
    }
    const guard = async (
      name: string,
      fn: () => Promise<Record<string, Reading>>,
      fallback: Record<string, Reading>,
    ) => {
      try {
        return await fn();
      } catch (err) {
        if (signal.aborted) throw err;
        log().warn(`K8s ${name}: ${describeApiError(err)} - subtype data is empty`);
        return fallback;
      }
    };
    const pageSize = this.opts.pageSize ?? DEFAULT_PAGE_SIZE;
    const [image, policy, node] = await Promise.all([
      guard('image', () => collectImages(conn, signal, pageSize), {}),
      guard('policy', () => collectPolicies(conn, signal, pageSize), {}),
      guard('node', () => collectNode(conn, signal, this.opts.nodeName ?? ''), {}),
    ]);
    const subtypes: Subtype[] = [
      {
        subtype: 'server',
        data: {
          version: conn.version.gitVersion ?? null,
          platform: conn.version.platform ?? null,
          goVersion: conn.version.goVersion ?? null,
        },
      },
      { subtype: 'image', data: image },
      { subtype: 'policy', data: policy },
      { subtype: 'node', data: node },
    ];
    return { type: 'K8s', subtypes };
  }
}

/** `registry/path/name:tag@sha256:…` ⇒ [`name`, `tag`]; no tag ⇒ `latest`. */
export function parseImage(image: string): [string, string] | undefined {
  if (!image) return undefined;
  let rest = image.slice(image.lastIndexOf('/') + 1);
  const at = rest.indexOf('@');
  if (at >= 0) rest = rest.slice(0, at);
  const colon = rest.lastIndexOf(':');
  if (colon < 0) return rest ? [rest, 'latest'] : undefined;
  const name = rest.slice(0, colon);
  const tag = rest.slice(colon + 1);
  return name ? [name, tag || 'latest'] : undefined;
}

async function collectImages(conn: KubeConnection, signal: AbortSignal, limit: number) {
  const data: Record<string, Reading> = {};
  const lister = await KubeLister.create(conn);
  try {
    await lister.list(
      '/api/v1/pods',
      limit,
      scanPodImages,
      (pods) => {
        for (const images of pods) {
          for (const image of images) {
            const parsed = parseImage(image);
            if (parsed) data[parsed[0]] = parsed[1];
          }
        }
      },
      signal,
    );
  } finally {
    lister.close();
  }
  return data;
}

/** ClusterPolicy `spec` flattened into `out` with dotted keys; values as upstream renders them. */
export function flattenSpec(value: unknown, prefix: string, out: Record<string, Reading>): void {
  if (value === null || value === undefined) {
    if (prefix) out[prefix] = '<nil>';
    return;
  }
  if (Array.isArray(value)) {
    if (value.length > 0 && prefix) out[prefix] = JSON.stringify(value);
    return;
  }
  if (typeof value === 'object') {
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      flattenSpec(v, prefix ? `${prefix}.${k}` : k, out);
    }
    return;
  }
  if (prefix) out[prefix] = String(value);
}

async function collectPolicies(conn: KubeConnection, signal: AbortSignal, limit: number) {
  const apis = makeApiClient(conn, conn.k8s.ApisApi, signal);
  const custom = makeApiClient(conn, conn.k8s.CustomObjectsApi, signal);
  const groups = await apis.getAPIVersions();
  const gvs = (groups.groups ?? [])
    .map((g) => g.preferredVersion ?? g.versions?.[0])
    .filter((v): v is K8sModule.V1GroupVersionForDiscovery => !!v?.groupVersion);
  // Discovery of every group: partial failures are tolerated (as upstream), concurrency bounded.
  const targets: { group: string; version: string; plural: string; namespaced: boolean }[] = [];
  await mapPool(gvs, 8, async (gv) => {
    const [group, version] = gv.groupVersion.split('/') as [string, string];
    try {
      const list = await custom.getAPIResources({ group, version });
      for (const r of list.resources ?? []) {
        if (r.kind === 'ClusterPolicy' && !r.name.includes('/')) {
          targets.push({ group, version, plural: r.name, namespaced: r.namespaced });
        }
      }
    } catch (err) {
      if (signal.aborted) throw err;
      log().debug(`K8s policy: discovery of ${gv.groupVersion} failed: ${describeApiError(err)}`);
    }
  });
  targets.sort((a, b) => `${a.group}/${a.version}`.localeCompare(`${b.group}/${b.version}`));
  const data: Record<string, Reading> = {};
  for (const t of targets) {
    try {
      await forEachPage<Record<string, unknown>>(
        async (cont) => {
          const page = (await custom.listClusterCustomObject({
            group: t.group,
            version: t.version,
            plural: t.plural,
            limit,
            _continue: cont,
          })) as { items?: Record<string, unknown>[]; metadata?: { continue?: string } };
          return { items: page.items ?? [], metadata: { _continue: page.metadata?.continue } };
        },
        (items) => {
          for (const obj of items) {
            const spec = obj.spec;
            if (spec === undefined || spec === null) continue;
            flattenSpec(spec, '', data);
          }
        },
        signal,
      );
    } catch (err) {
      if (signal.aborted) throw err;
      log().warn(`K8s policy: cannot list ${t.plural}.${t.group}: ${describeApiError(err)}`);
    }
  }
  return data;
}

const PROVIDERS: Record<string, string> = { aws: 'eks', gce: 'gke', azure: 'aks', oci: 'oke' };

/** `aws:///us-west-2a/i-0abc` ⇒ `eks`; unknown prefixes are returned as they are (lowercased). */
export function providerFromId(providerID: string): string {
  const sep = providerID.indexOf('://');
  const prefix = (sep < 0 ? providerID : providerID.slice(0, sep)).trim().toLowerCase();
  return PROVIDERS[prefix] ?? prefix;
}

async function collectNode(conn: KubeConnection, signal: AbortSignal, nodeName: string) {
  const data: Record<string, Reading> = {};
  if (!nodeName) return data;
  const core = makeApiClient(conn, conn.k8s.CoreV1Api, signal);
  let node: K8sModule.V1Node;
  try {
    node = await core.readNode({ name: nodeName });
  } catch (err) {
    if (apiStatus(err) === 404) {
      log().debug(`K8s node: this host (${nodeName}) is not a node of the cluster - node subtype is empty`);
      return data;
    }
    throw err;
  }
  data['source-node'] = nodeName;
  const providerID = node.spec?.providerID;
  if (providerID) {
    data.provider = providerFromId(providerID);
    data['provider-id'] = providerID;
  }
  const info = node.status?.nodeInfo;
  const runtime = info?.containerRuntimeVersion;
  if (runtime) {
    data['container-runtime-id'] = runtime;
    const sep = runtime.indexOf('://');
    if (sep >= 0) {
      data['container-runtime-name'] = runtime.slice(0, sep);
      data['container-runtime-version'] = runtime.slice(sep + 3);
    }
  }
  const opt = (key: string, v: string | undefined) => {
    if (v) data[key] = v;
  };
  opt('kubelet-version', info?.kubeletVersion);
  opt('kernel-version', info?.kernelVersion);
  opt('operating-system', info?.operatingSystem);
  opt('os-image', info?.osImage);
  return data;
}
