/** Snapshot agent logs: streamed to stderr while the Job runs, printed in full on failure. */
import http from 'node:http';
import https from 'node:https';
import { AGENT_CONTAINER } from '../agent-manifests.js';
import { Kube } from '../call.js';
import { type ApiCallContext, apiError, callSignal } from '../errors.js';
import { Progress } from '../progress.js';
import { log } from '../../logging/logger.js';
import { sleep } from '../../util/async.js';

/** Follows the agent container's log, passing whole lines to `sink`. */
export class LogFollower {
  /** Everything printed so far. */
  streamed = '';
  private started = false;
  private failures = 0;
  private controller?: AbortController;
  private ended?: Promise<void>;
  private partial = '';

  constructor(
    private readonly kube: Kube,
    private readonly namespace: string,
    private readonly sink: (line: string) => void,
  ) {}

  /** Starts following `pod` in the background (never blocks the caller; `stop()` ends it). */
  start(pod: string): void {
    if (this.started || this.failures >= 3) return;
    this.started = true;
    const controller = new AbortController();
    this.controller = controller;
    this.ended = this.follow(pod, controller.signal).then(
      () => undefined,
      (err: unknown) => {
        if (controller.signal.aborted) return;
        this.started = false;
        this.failures++;
        log().debug('cannot follow agent logs yet', {
          pod,
          error: err instanceof Error ? err.message : String(err),
        });
      },
    );
  }

  /** `GET …/pods/<pod>/log?follow=true` with the kubeconfig's credentials, until the stream ends. */
  private async follow(pod: string, signal: AbortSignal): Promise<void> {
    const { kc, server } = this.kube.conn;
    const opts: https.RequestOptions = {};
    await kc.applyToHTTPSOptions(opts);
    const url = new URL(
      `${server.replace(/\/+$/, '')}/api/v1/namespaces/${encodeURIComponent(this.namespace)}/pods/${encodeURIComponent(pod)}/log`,
    );
    url.searchParams.set('container', AGENT_CONTAINER);
    url.searchParams.set('follow', 'true');
    const mod = url.protocol === 'https:' ? https : http;
    await new Promise<void>((resolve, reject) => {
      const req = mod.request(url, { ...opts, method: 'GET', signal }, (res) => {
        if (res.statusCode !== 200) {
          res.resume();
          reject(new Error(`HTTP ${res.statusCode} reading the logs of pod ${pod}`));
          return;
        }
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => this.push(chunk));
        res.on('end', () => resolve());
        res.on('error', reject);
        res.on('close', () => resolve());
      });
      req.on('error', reject);
      req.end();
    });
  }

  private push(chunk: string): void {
    this.streamed += chunk;
    const text = this.partial + chunk;
    const lines = text.split('\n');
    this.partial = lines.pop() ?? '';
    for (const line of lines) this.sink(line);
  }

  /** Waits up to `ms` for the stream to end (the pod has terminated), then stops it. */
  async drain(ms: number): Promise<void> {
    if (this.ended && this.controller) {
      const t = new AbortController();
      await Promise.race([this.ended, sleep(ms, t.signal)]);
      t.abort();
    }
    this.stop();
  }

  stop(): void {
    this.controller?.abort();
    this.controller = undefined;
    if (this.partial) {
      this.sink(this.partial);
      this.partial = '';
    }
  }
}

/** On failure: the agent's full log, unless streaming already showed all of it. */
export async function printAgentLogs(
  kube: Kube,
  ns: string,
  pod: string | undefined,
  follower: LogFollower,
  progress: Progress,
) {
  if (!pod) return;
  let text: string;
  try {
    text = await readPodLog(kube, ns, pod);
  } catch (err) {
    log().warn('cannot read the agent logs', {
      pod: `${ns}/${pod}`,
      error: err instanceof Error ? err.message : String(err),
    });
    return;
  }
  if (typeof text !== 'string' || text.trim() === '' || text.trim() === follower.streamed.trim()) return;
  progress.line('--- agent logs ---');
  for (const line of text.replace(/\n$/, '').split('\n')) progress.line(line);
  progress.line('--- end logs ---');
}

/**
 * `GET …/pods/<pod>/log` as text. The API answers HTTP 204 with no body and no Content-Type for a pod
 * whose container never started (e.g. one that never got a node); that is "no logs", not an error.
 * (The client library's readNamespacedPodLog throws "Cannot parse content" on it.)
 */
export async function readPodLog(kube: Kube, ns: string, pod: string): Promise<string> {
  const { kc, server } = kube.conn;
  const opts: https.RequestOptions = {};
  await kc.applyToHTTPSOptions(opts);
  const url = new URL(
    `${server.replace(/\/+$/, '')}/api/v1/namespaces/${encodeURIComponent(ns)}/pods/${encodeURIComponent(pod)}/log`,
  );
  url.searchParams.set('container', AGENT_CONTAINER);
  const { signal, deadline } = callSignal(kube.timeoutMs);
  const mod = url.protocol === 'https:' ? https : http;
  const ctx: ApiCallContext = {
    verb: 'get',
    resource: 'pods/log',
    namespace: ns,
    name: pod,
    what: `the logs of pod ${ns}/${pod}`,
    server,
    deadline,
    timeoutMs: kube.timeoutMs,
  };
  const limit = 4 * 1024 * 1024;
  const res = await new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = mod.request(url, { ...opts, method: 'GET', signal }, (r) => {
      let body = '';
      r.setEncoding('utf8');
      r.on('data', (c: string) => {
        if (body.length < limit) body += c;
      });
      r.on('end', () => resolve({ status: r.statusCode ?? 0, body }));
      r.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  }).catch((err: unknown) => {
    throw apiError(err, ctx);
  });
  if (res.status === 204) return '';
  if (res.status >= 200 && res.status < 300) return res.body;
  throw apiError({ code: res.status, body: res.body }, ctx);
}
