/**
 * Criteria from a snapshot (recipe snapshot mode): service from the Kubernetes server version
 * (`-eks-`, `-gke`, `-aks` markers), an explicit K8s.server.service key or, failing those, the node's
 * provider (K8s.node.provider), accelerator from the GPU
 * model (whole names from GPU_MODEL_TABLE; unknown models leave `any` with a warning), OS from /etc/os-release ID. Intent, platform and nodes come from flags only.
 */
import type { Criteria } from '../model/recipe.js';
import type { Snapshot } from '../model/snapshot.js';
import { anyCriteria, parseCriteriaValue } from '../model/criteria.js';
import { log } from '../logging/logger.js';

/**
 * Known GPU model names (as nvidia-smi and device plugins report them) → accelerator criterion.
 * Matched against the whole normalised name (lowercase, a leading "NVIDIA" dropped, `-`/`_` as
 * spaces), never a substring: `NVIDIA RTX A1000 6GB Laptop GPU` is not an A100, `NVIDIA H200` is not
 * an H100. Each entry lists the form factors and memory sizes that may follow the model.
 */
export const GPU_MODEL_TABLE: readonly { accelerator: string; pattern: RegExp; examples: string[] }[] = [
  {
    accelerator: 'gb200',
    pattern: /^gb200(?: nvl(?:4|36|72)?)?(?: \d+gb)?(?: hbm3e)?$/,
    examples: ['NVIDIA GB200', 'NVIDIA GB200 NVL72'],
  },
  {
    accelerator: 'b200',
    pattern: /^b200(?: (?:sxm6?|\d+gb|hbm3e))*$/,
    examples: ['NVIDIA B200', 'NVIDIA-B200', 'NVIDIA B200 180GB HBM3e'],
  },
  {
    accelerator: 'h100',
    pattern: /^h100(?: (?:sxm5?|pcie|nvl|\d+gb|hbm3|hbm2e))*$/,
    examples: ['NVIDIA H100 80GB HBM3', 'NVIDIA H100 PCIe', 'NVIDIA H100 NVL', 'NVIDIA H100-SXM5-80GB'],
  },
  {
    accelerator: 'a100',
    pattern: /^a100(?: (?:sxm4?|pcie|\d+gb))*$/,
    examples: ['NVIDIA A100-SXM4-80GB', 'NVIDIA A100-PCIE-40GB', 'NVIDIA A100 80GB PCIe', 'A100-SXM4-40GB'],
  },
  // The L40S shares the l40 recipes (as in the reference).
  { accelerator: 'l40', pattern: /^l40s?(?: \d+gb)?$/, examples: ['NVIDIA L40', 'NVIDIA L40S'] },
];

function normaliseModel(model: string): string {
  return model
    .toLowerCase()
    .replace(/[-_]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/^nvidia /, '');
}

/** The accelerator of a whole, known GPU model name; undefined for any other name. */
export function acceleratorFromModel(model: string): string | undefined {
  const m = normaliseModel(model);
  return GPU_MODEL_TABLE.find((e) => e.pattern.test(m))?.accelerator;
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
  const unknownModels = new Set<string>();
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
        for (const key of ['gpu.model', 'model']) {
          const model = Object.prototype.hasOwnProperty.call(d, key) ? d[key] : undefined;
          if (typeof model !== 'string' || model.trim() === '') continue;
          const found = acceleratorFromModel(model);
          if (found) {
            if (c.accelerator === 'any') c.accelerator = found;
          } else unknownModels.add(model);
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
  if (c.accelerator === 'any' && unknownModels.size > 0) {
    log().warn('GPU model not in the table of known models: accelerator left as any (use --accelerator)', {
      model: [...unknownModels].join(', '),
      known: GPU_MODEL_TABLE.map((e) => e.accelerator).join(', '),
    });
  }
  return c;
}
