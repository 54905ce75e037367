/**
 * Shared pieces of the real-cluster suite (test/integration/real-cluster*.test.ts, `npm run test:cluster`).
 *
 *  - AICR_E2E_KUBECONFIG: kubeconfig of a cluster-admin (required; without it every case is skipped with
 *    the reason printed);
 *  - AICR_E2E_KUBECONFIG_RESTRICTED: a user allowed everything in namespace AICR_E2E_RESTRICTED_NAMESPACE
 *    (default `aicr-test`) and nothing else (the RBAC cases are skipped without it);
 *  - AICR_E2E_IMAGE: an agent image the cluster can pull (only the cases where a real node runs the agent).
 *
 * The suite never needs a node: where the snapshot agent would run, the test plays the node (see
 * `playNode`), so it runs the same against a bare control plane (scripts/realkube/up.sh) and a real cluster.
 * The agent pods are pinned to a node label no node has, so a real kubelet never picks them up.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import type * as K8s from '@kubernetes/client-node';
import { noConfigHome, runCli, type CliResult } from '../helpers/cli.js';
import { cliPath } from '../helpers/paths.js';

export const adminKubeconfig = process.env.AICR_E2E_KUBECONFIG || undefined;
export const restrictedKubeconfig = process.env.AICR_E2E_KUBECONFIG_RESTRICTED || undefined;
export const restrictedNamespace = process.env.AICR_E2E_RESTRICTED_NAMESPACE || 'aicr-test';
export const agentImage = process.env.AICR_E2E_IMAGE || undefined;

/** Why the suite is skipped (false: it runs). */
export const skipReason: string | false = adminKubeconfig
  ? false
  : 'AICR_E2E_KUBECONFIG is not set (npm run test:cluster needs a kubeconfig; see docs/kubernetes.md, section Tests)';

/** A node label no node carries: agent pods stay Pending and the test plays the node. */
export const NO_NODE_SELECTOR = 'aicr.nvidia.com/e2e-no-such-node=true';

export const rnd = () => randomBytes(3).toString('hex');

export interface ApiAnswer {
  status: number;
  text: string;

  json: any;
  contentType?: string;
}

/** Raw API access with a kubeconfig's credentials (what kubectl would send). */
export class Api {
  private constructor(
    readonly kc: K8s.KubeConfig,
    readonly server: string,
  ) {}

  static async load(file: string): Promise<Api> {
    const k8s = await import('@kubernetes/client-node');
    const kc = new k8s.KubeConfig();
    kc.loadFromFile(file);
    return new Api(kc, kc.getCurrentCluster()!.server.replace(/\/+$/, ''));
  }

  async req(
    method: string,
    path: string,
    body?: unknown,
    contentType = 'application/json',
  ): Promise<ApiAnswer> {
    const opts: https.RequestOptions = {};
    await this.kc.applyToHTTPSOptions(opts);
    const url = new URL(this.server + path);
    const data = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
    const headers = { ...(opts.headers ?? {}), ...(data ? { 'Content-Type': contentType } : {}) };
    const mod = url.protocol === 'https:' ? https : http;
    return new Promise((resolve, reject) => {
      const r = mod.request(url, { ...opts, method, headers, timeout: 60_000 }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => {
          let json: unknown;
          try {
            json = text ? JSON.parse(text) : undefined;
          } catch {
            json = undefined;
          }
          resolve({
            status: res.statusCode ?? 0,
            text,
            json,
            contentType: res.headers['content-type'],
          });
        });
      });
      r.on('error', reject);
      r.on('timeout', () => r.destroy(new Error(`timeout: ${method} ${path}`)));
      r.end(data);
    });
  }

  /** Like req, but a non-2xx answer is an error naming the call. */
  async ok(method: string, path: string, body?: unknown, contentType?: string): Promise<ApiAnswer> {
    const a = await this.req(method, path, body, contentType);
    if (a.status < 200 || a.status > 299)
      throw new Error(`${method} ${path}: HTTP ${a.status} ${a.text.slice(0, 300)}`);
    return a;
  }

  async createNamespace(name: string, labels: Record<string, string> = {}): Promise<void> {
    await this.ok('POST', '/api/v1/namespaces', {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name, labels },
    });
  }

  async deleteNamespace(name: string): Promise<void> {
    await this.req('DELETE', `/api/v1/namespaces/${name}`);
  }

  async configMap(ns: string, name: string): Promise<ApiAnswer> {
    return this.req('GET', `/api/v1/namespaces/${ns}/configmaps/${name}`);
  }

  async putConfigMap(
    ns: string,
    name: string,
    data: Record<string, string>,
    labels: Record<string, string> = {},
  ) {
    const body = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: ns, labels }, data };
    const a = await this.req('POST', `/api/v1/namespaces/${ns}/configmaps`, body);
    if (a.status === 409) await this.ok('PUT', `/api/v1/namespaces/${ns}/configmaps/${name}`, body);
    else if (a.status > 299) throw new Error(`create ConfigMap ${ns}/${name}: HTTP ${a.status} ${a.text}`);
  }

  /** Every agent object a run with this job name, namespace and service account may have left. */
  async agentLeftovers(ns: string, jobName = 'aicr', sa = 'aicr'): Promise<string[]> {
    const out: string[] = [];
    const jobs = await this.ok('GET', `/apis/batch/v1/namespaces/${ns}/jobs`);
    for (const j of jobs.json.items) if (j.metadata.name === jobName) out.push(`Job/${jobName}`);
    const paths: [string, string][] = [
      ['ServiceAccount', `/api/v1/namespaces/${ns}/serviceaccounts/${sa}`],
      ['Role', `/apis/rbac.authorization.k8s.io/v1/namespaces/${ns}/roles/${sa}`],
      ['RoleBinding', `/apis/rbac.authorization.k8s.io/v1/namespaces/${ns}/rolebindings/${sa}`],
      ['ClusterRole', `/apis/rbac.authorization.k8s.io/v1/clusterroles/aicr-node-reader-${ns}-${sa}`],
      [
        'ClusterRoleBinding',
        `/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/aicr-node-reader-${ns}-${sa}`,
      ],
    ];
    for (const [kind, p] of paths) if ((await this.req('GET', p)).status === 200) out.push(kind);
    return out;
  }
}

export async function waitFor<T>(what: string, fn: () => Promise<T | undefined>, ms = 60_000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

export interface PlayNodeOptions {
  /** Exit code the "container" ends with (0: the Job completes). */
  exitCode: number;
  /** Snapshot YAML written to the ConfigMap named by the agent's --output (none: nothing written). */
  snapshot?: string;
  /** Only the pod of this Job uid. */
  jobUid?: string;
}

/**
 * Plays kubelet and agent for one agent pod of `jobName` in `ns`: waits for the pending pod, writes the
 * result ConfigMap its `--output` names, then sets the pod's status (Succeeded/Failed with a terminated
 * container) through the status subresource, so the real Job controller completes or fails the Job.
 */
export async function playNode(api: Api, ns: string, jobName: string, o: PlayNodeOptions): Promise<string> {
  const sel = encodeURIComponent(`app.kubernetes.io/name=aicr,app.kubernetes.io/instance=${jobName}`);

  const pod: any = await waitFor(`the agent pod of Job ${ns}/${jobName}`, async () => {
    const a = await api.ok('GET', `/api/v1/namespaces/${ns}/pods?labelSelector=${sel}`);

    return a.json.items.find(
      (p: any) =>
        !p.metadata.deletionTimestamp &&
        p.status?.phase === 'Pending' &&
        (!o.jobUid || p.metadata.ownerReferences?.some((r: { uid: string }) => r.uid === o.jobUid)),
    );
  });
  await finishAgentPod(api, ns, pod, o);
  return pod.metadata.name as string;
}

/**
 * Finishes one agent pod as its kubelet and container would: writes the result ConfigMap its `--output`
 * names (when `snapshot` is given), then sets the pod Succeeded/Failed with a terminated container
 * through the status subresource, so the real Job controller completes or fails the Job.
 */
export async function finishAgentPod(
  api: Api,
  ns: string,
  pod: any,
  o: { exitCode: number; snapshot?: string },
): Promise<void> {
  const args: string[] = pod.spec.containers[0].args;
  const out = args[args.indexOf('--output') + 1]!;
  const [cmNs, cmName] = out.replace(/^cm:\/\//, '').split('/') as [string, string];
  if (o.snapshot !== undefined) {
    await api.putConfigMap(cmNs, cmName, { 'snapshot.yaml': o.snapshot, format: 'yaml' });
  }
  const now = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
  const phase = o.exitCode === 0 ? 'Succeeded' : 'Failed';
  await api.ok(
    'PATCH',
    `/api/v1/namespaces/${ns}/pods/${pod.metadata.name}/status`,
    {
      status: {
        phase,
        startTime: now,
        containerStatuses: [
          {
            name: 'aicr',
            image: pod.spec.containers[0].image,
            imageID: '',
            ready: false,
            restartCount: 0,
            started: false,
            state: {
              terminated: {
                exitCode: o.exitCode,
                reason: o.exitCode === 0 ? 'Completed' : 'Error',
                startedAt: now,
                finishedAt: now,
              },
            },
          },
        ],
      },
    },
    'application/merge-patch+json',
  );
}

/** The built CLI with `--kubeconfig`. */
export function cli(
  kubeconfig: string,
  args: string[],
  cwd: string,
  timeoutMs = 5 * 60_000,
): Promise<CliResult> {
  return runCli([...args, '--kubeconfig', kubeconfig], { cwd, timeoutMs });
}

/** The built CLI as a child process the test can signal. */
export function spawnCli(args: string[], cwd: string): { child: ChildProcess; done: Promise<CliResult> } {
  // Same environment rules as runCli.
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined) env[k] = v;
  for (const k of ['AICR_DEBUG', 'AICR_LOG_JSON', 'KUBECONFIG', 'AICR_CONFIG']) delete env[k];
  env.XDG_CONFIG_HOME = noConfigHome();
  const child = spawn(process.execPath, [cliPath, ...args], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (d) => (stdout += d));
  child.stderr!.setEncoding('utf8').on('data', (d) => (stderr += d));
  const done = new Promise<CliResult>((resolve, reject) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 5 * 60_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? (signal ? 128 : 1), stdout, stderr });
    });
  });
  return { child, done };
}

/** Does `cmd` exist on PATH? */
export async function hasCommand(cmd: string): Promise<boolean> {
  return new Promise((resolve) => {
    const c = spawn(cmd, ['version', '--client'], { stdio: 'ignore' });
    c.on('error', () => resolve(false));
    c.on('close', () => resolve(true));
  });
}

/** Runs a command, capturing output. */
export function run(
  cmd: string,
  args: string[],
  opts: { env?: Record<string, string>; input?: string; timeoutMs?: number } = {},
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const c = spawn(cmd, args, { env: { ...process.env, ...opts.env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    c.stdout.setEncoding('utf8').on('data', (d) => (stdout += d));
    c.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));
    const t = setTimeout(() => c.kill('SIGKILL'), opts.timeoutMs ?? 120_000);
    c.on('error', reject);
    c.on('close', (code) => {
      clearTimeout(t);
      resolve({ code: code ?? 1, stdout, stderr });
    });
    c.stdin.end(opts.input ?? '');
  });
}
