/** Options, result and fixed deadlines of a snapshot-agent run (src/k8s/agent/index.ts). */
import type { Progress } from '../progress.js';

export const CLEANUP_TIMEOUT_MS = 30_000;
export const JOB_DELETE_WAIT_MS = 30_000;

export interface AgentRunOptions {
  kubeconfig?: string;
  /** Delete the Job and RBAC objects afterwards (default true). */
  cleanup?: boolean;
  /** Aborting it (Ctrl-C) stops waiting; cleanup still runs. */
  signal?: AbortSignal;
  /** Job status poll interval (default 1 s). */
  pollMs?: number;
  /** Deadline of each API call (default 30 s or AICR_K8S_REQUEST_TIMEOUT). */
  requestTimeoutMs?: number;
  progress?: Progress;
}

export interface AgentResult {
  /** The snapshot document as the agent wrote it. */
  text: string;
  format: 'yaml' | 'json';
  /** The ConfigMap it was read from. */
  uri: string;
  /** The agent pod's node, when known. */
  node?: string;
}
