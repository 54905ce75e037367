/**
 * The pluggable ConfigMap store behind `cm://namespace/name` inputs and outputs.
 * The Kubernetes implementation lives in src/k8s/configmap.ts; the composition root (src/cli/main.ts)
 * registers it as a lazy factory, so `io` does not depend on `k8s` and commands that never touch a
 * ConfigMap never load the Kubernetes client.
 */
import { AicrError } from '../errors/index.js';
import type { ConfigMapRef } from './uri.js';

export interface ConfigMapReadOptions {
  kubeconfig?: string;
  signal?: AbortSignal;
}

export interface ConfigMapWriteRequest {
  /** Document data keys (e.g. `snapshot.yaml`) plus `format` and `timestamp`. */
  data: Record<string, string>;
  labels: Record<string, string>;
}

export interface ConfigMapStore {
  read(ref: ConfigMapRef, opts: ConfigMapReadOptions): Promise<Record<string, string>>;
  write(ref: ConfigMapRef, req: ConfigMapWriteRequest, opts: ConfigMapReadOptions): Promise<void>;
  /**
   * Checks, before expensive work, what a later `write` needs and can be known now (namespace exists,
   * permission to create or update the ConfigMap). Throws the error the write would end with.
   */
  precheckWrite?(ref: ConfigMapRef, opts: ConfigMapReadOptions): Promise<void>;
}

type Factory = () => Promise<ConfigMapStore>;

let factory: Factory = async () => {
  throw new AicrError('INTERNAL', 'no ConfigMap store is registered (setConfigMapStoreFactory)');
};

/** Sets the store: the CLI registers the Kubernetes one at start-up; tests and embedders their own. */
export function setConfigMapStoreFactory(f: Factory): void {
  factory = f;
}

export function configMapStore(): Promise<ConfigMapStore> {
  return factory();
}

/** ConfigMap data key for a document: `<kind>.<ext>` with kind snapshot|recipe|validation. */
export function dataKeyFor(kind: string, format: 'yaml' | 'json' | 'table'): string {
  return `${kind}.${format === 'table' ? 'txt' : format}`;
}

/**
 * Picks the document key to read: the one named by `format` for a preferred kind, then any
 * `<kind>.yaml|json` key (our keys and upstream's `snapshot.yaml`/`snapshot.json`).
 */
export function pickDocumentKey(
  data: Record<string, string>,
  kinds: string[],
): { key: string; format: 'yaml' | 'json' } | undefined {
  const fmt = data.format === 'json' ? 'json' : 'yaml';
  const order: [string, 'yaml' | 'json'][] = [];
  for (const k of [...kinds, 'snapshot', 'recipe', 'validation']) {
    order.push([`${k}.${fmt}`, fmt]);
    order.push([`${k}.yaml`, 'yaml']);
    order.push([`${k}.json`, 'json']);
  }
  for (const [key, format] of order) if (typeof data[key] === 'string') return { key, format };
  return undefined;
}
