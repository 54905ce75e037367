/**
 * Criteria from a snapshot (recipe snapshot mode): service from the Kubernetes server version
 * (`-eks-`, `-gke`, `-aks` markers), an explicit K8s.server.service key or, failing those, the node's
 * provider (K8s.node.provider), accelerator from the GPU
 * model, OS from /etc/os-release ID. Intent, platform and nodes come from flags only.
 */
import type { Criteria } from '../model/recipe.js';
import type { Snapshot } from '../model/snapshot.js';
import { anyCriteria, parseCriteriaValue } from './criteria.js';

export function acceleratorFromModel(model: string): string | undefined {
  const m = model.toLowerCase();
  for (const a of ['gb200', 'b200', 'h100', 'a100', 'l40']) if (m.includes(a)) return a;
  return undefined;
}

function tryParse(field: 'service' | 'os', v: unknown): string | undefined {
  if (typeof v !== 'string') return undefined;
  try {
    return parseCriteriaValue(field, v);
  } catch {
    return undefined;
  }
}

export function criteriaFromSnapshot(snap: Snapshot | undefined): Criteria {
  const c = anyCriteria();
  if (!snap) return c;
  let provider: string | undefined;
  for (const m of snap.measurements ?? []) {
    for (const st of m.subtypes ?? []) {
      const d = st.data ?? {};
      if (m.type === 'K8s' && st.subtype === 'server') {
        const svc = tryParse('service', d.service);
        if (svc) c.service = svc;
        const version = typeof d.version === 'string' ? d.version : '';
        if (version.includes('-eks-')) c.service = 'eks';
        else if (version.includes('-gke')) c.service = 'gke';
        else if (version.includes('-aks')) c.service = 'aks';
      } else if (m.type === 'K8s' && st.subtype === 'node') {
        provider = tryParse('service', d.provider);
      } else if (m.type === 'GPU' && (st.subtype === 'smi' || st.subtype === 'device')) {
        const fromGpuModel =
          typeof d['gpu.model'] === 'string' ? acceleratorFromModel(d['gpu.model']) : undefined;
        if (fromGpuModel) c.accelerator = fromGpuModel;
        if (c.accelerator === 'any' && typeof d.model === 'string') {
          const fromModel = acceleratorFromModel(d.model);
          if (fromModel) c.accelerator = fromModel;
        }
      } else if (m.type === 'OS' && st.subtype === 'release') {
        const os = tryParse('os', d.ID);
        if (os && os !== 'any') c.os = os;
      }
    }
  }
  // AKS and OKE server versions carry no marker: fall back to the node's provider (from its
  // providerID). Only for those two: an AWS or GCE node without an -eks-/-gke marker in the server
  // version is a self-managed cluster, not EKS or GKE.
  if (c.service === 'any' && (provider === 'aks' || provider === 'oke')) c.service = provider;
  return c;
}
