/**
 * The cluster connection shared by the K8s and NodeTopology collectors.
 *
 * It is established once per snapshot: load the kubeconfig (client library imported only if a kubeconfig
 * exists), then GET /version as a reachability probe. When that fails, both collectors produce empty
 * measurements and exactly one warning names the cause.
 */
import {
  apiStatus,
  describeApiError,
  describeSource,
  loadKubeConfig,
  makeApiClient,
  type KubeconfigOptions,
  type LoadedKubeConfig,
} from '../k8s/client.js';
import { AicrError, formatError } from '../errors/index.js';
import { log } from '../logging/logger.js';
import { abortError } from './types.js';

export interface ServerVersion {
  gitVersion?: string;
  platform?: string;
  goVersion?: string;
}

export interface KubeConnection extends LoadedKubeConfig {
  version: ServerVersion;
}

export interface KubeSessionOptions extends KubeconfigOptions {
  /** Limit for loading the kubeconfig and the /version probe (default 15 s). */
  probeTimeoutMs?: number;
  /** Measurement types that depend on this session, named in the warning. */
  consumers?: string[];
}

export class KubeSession {
  private readonly opts: KubeSessionOptions;
  private pending?: Promise<KubeConnection | undefined>;

  constructor(opts: KubeSessionOptions = {}) {
    this.opts = opts;
  }

  /**
   * The connection, or undefined when there is no usable cluster (already warned about). The probe runs
   * once whoever asks first; `signal` only stops this caller from waiting.
   */
  async connect(signal: AbortSignal): Promise<KubeConnection | undefined> {
    this.pending ??= this.establish();
    if (signal.aborted) throw abortError(signal);
    return await new Promise<KubeConnection | undefined>((resolve, reject) => {
      const onAbort = () => reject(abortError(signal));
      signal.addEventListener('abort', onAbort, { once: true });
      this.pending!.then(
        (v) => {
          signal.removeEventListener('abort', onAbort);
          resolve(v);
        },
        (e: unknown) => {
          signal.removeEventListener('abort', onAbort);
          reject(e instanceof Error ? e : new Error(String(e)));
        },
      );
    });
  }

  private warn(cause: string): undefined {
    const what = (this.opts.consumers ?? ['K8s', 'NodeTopology']).join(' and ');
    log().warn(`Kubernetes: ${cause} - ${what} measurement${what.includes(' and ') ? 's are' : ' is'} empty`);
    return undefined;
  }

  private async establish(): Promise<KubeConnection | undefined> {
    let loaded: LoadedKubeConfig;
    try {
      loaded = await loadKubeConfig(this.opts);
    } catch (err) {
      return this.warn(err instanceof AicrError ? plain(err) : formatError(err));
    }
    const ctl = new AbortController();
    const timeoutMs = this.opts.probeTimeoutMs ?? 15_000;
    const timer = setTimeout(
      () => ctl.abort(new Error(`no answer within ${Math.round(timeoutMs / 100) / 10}s`)),
      timeoutMs,
    );
    try {
      const api = makeApiClient(loaded, loaded.k8s.VersionApi, ctl.signal);
      const info = await api.getCode();
      log().debug('Kubernetes API reachable', {
        server: loaded.server,
        source: describeSource(loaded.source),
        version: info.gitVersion,
      });
      return {
        ...loaded,
        version: { gitVersion: info.gitVersion, platform: info.platform, goVersion: info.goVersion },
      };
    } catch (err) {
      const cause = ctl.signal.aborted ? formatError(ctl.signal.reason) : describeApiError(err);
      const status = apiStatus(err);
      const what =
        status === 401 || status === 403
          ? `the API server at ${loaded.server} refused the credentials from ${describeSource(loaded.source)}`
          : `cannot reach the API server at ${loaded.server} (from ${describeSource(loaded.source)})`;
      return this.warn(`${what}: ${cause}`);
    } finally {
      clearTimeout(timer);
    }
  }
}

/** Pages through a list call (`limit` + `continue`), handing each page's items to `onItems`. */
export async function forEachPage<T>(
  fetchPage: (cont: string | undefined) => Promise<{ items: T[]; metadata?: { _continue?: string } }>,
  onItems: (items: T[]) => void,
  signal: AbortSignal,
): Promise<void> {
  let cont: string | undefined;
  do {
    if (signal.aborted) throw abortError(signal);
    const page = await fetchPage(cont);
    onItems(page.items ?? []);
    cont = page.metadata?._continue || undefined;
  } while (cont);
}

/** An error's text without the `[CODE]` prefix, for warnings. */
function plain(err: AicrError): string {
  return err.cause === undefined ? err.message : `${err.message}: ${formatError(err.cause)}`;
}
