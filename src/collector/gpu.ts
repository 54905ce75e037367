/**
 * GPU collector (type `GPU`, one subtype `smi`): runs `nvidia-smi -q -x` and parses its XML.
 *
 * Keys (all strings except `gpu-count`):
 *  - upstream: `driver`, `cuda-version`, `gpu-count` (number of `<gpu>` elements) and, from the first GPU,
 *    `gpu.model`, `gpu.product-architecture`, `gpu.display-mode`, `gpu.display-active`,
 *    `gpu.persistence-mode`, `gpu.addressing-mode`, `gpu.vbios-version`, `gpu.gsp-firmware-version`;
 *  - ours: `gpu.memory` and `gpu.mig-mode` of the first GPU, and per GPU `i` (document order)
 *    `gpu.<i>.model`, `gpu.<i>.uuid`, `gpu.<i>.memory` (framebuffer total, e.g. `81559 MiB`) and
 *    `gpu.<i>.mig-mode` (current MIG mode, `Enabled`/`Disabled`/`N/A`).
 * Elements absent from the XML produce no key.
 *
 * No nvidia-smi on PATH, a failing or hanging one, or output that is not well-formed XML ⇒ only
 * `gpu-count: 0` and one warning naming the cause. The collector never throws for these.
 */
import { log } from '../logging/logger.js';
import { importExternal } from '../util/dynamic-import.js';
import type { Measurement, Reading } from '../model/snapshot.js';
import { DEFAULT_TIMEOUTS_MS, throwIfAborted, type Collector } from './types.js';
import { firstLine } from './util.js';
import { findExecutable, runCommand, RunError } from '../util/child.js';

/**
 * Largest nvidia-smi output parsed (4 MiB; an 8-GPU node prints about 200 KiB). Parsing is synchronous,
 * so the cap also bounds how long it can hold off `--timeout` (well under a second).
 */
export const NVIDIA_SMI_MAX_BYTES = 4 << 20;

export interface GpuCollectorOptions {
  /** nvidia-smi executable (name looked up on PATH, or a path). */
  command?: string;
  /** Limit for the nvidia-smi run (default 10 s). */
  commandTimeoutMs?: number;
  timeoutMs?: number;
  env?: NodeJS.ProcessEnv;
}

export class GpuCollector implements Collector {
  readonly type = 'GPU' as const;
  readonly timeoutMs: number;
  private readonly command: string;
  private readonly commandTimeoutMs: number;
  private readonly env?: NodeJS.ProcessEnv;

  constructor(opts: GpuCollectorOptions = {}) {
    this.command = opts.command ?? 'nvidia-smi';
    this.commandTimeoutMs = opts.commandTimeoutMs ?? 10_000;
    this.timeoutMs = opts.timeoutMs ?? Math.max(DEFAULT_TIMEOUTS_MS.GPU, this.commandTimeoutMs + 1000);
    this.env = opts.env;
  }

  async collect(signal: AbortSignal): Promise<Measurement> {
    throwIfAborted(signal);
    const noGpu = (cause: string): Measurement => {
      log().warn(`GPU: ${cause} - reporting gpu-count 0`);
      return { type: 'GPU', subtypes: [{ subtype: 'smi', data: { 'gpu-count': 0 } }] };
    };
    const exe = findExecutable(this.command, (this.env ?? process.env).PATH);
    if (!exe) return noGpu(`${this.command} not found on PATH`);
    let res;
    try {
      res = await runCommand(exe, ['-q', '-x'], {
        signal,
        timeoutMs: this.commandTimeoutMs,
        maxBytes: NVIDIA_SMI_MAX_BYTES,
        env: this.env,
      });
    } catch (err) {
      if (signal.aborted) throw err;
      return noGpu(err instanceof RunError ? err.message : `cannot run ${exe}: ${String(err)}`);
    }
    if (res.code !== 0) {
      const why = firstLine(res.stderr) || firstLine(res.stdout);
      return noGpu(
        `nvidia-smi failed (${res.code === null ? `signal ${res.signal}` : `exit status ${res.code}`})${why ? `: ${why}` : ''}`,
      );
    }
    try {
      return { type: 'GPU', subtypes: [{ subtype: 'smi', data: await parseNvidiaSmiXml(res.stdout) }] };
    } catch (err) {
      return noGpu(`cannot parse nvidia-smi output: ${(err as Error).message}`);
    }
  }
}

type XmlNode = Record<string, unknown>;

type Fxp = typeof import('fast-xml-parser');
let fxp: Promise<Fxp> | undefined;

function text(node: unknown, ...pathParts: string[]): string | undefined {
  let cur: unknown = node;
  for (const p of pathParts) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as XmlNode)[p];
  }
  if (typeof cur === 'string') return cur;
  if (typeof cur === 'number' || typeof cur === 'boolean') return String(cur);
  return undefined;
}

/** The `smi` subtype data of an `nvidia-smi -q -x` document. Rejects when it is not a well-formed log. */
export async function parseNvidiaSmiXml(xml: string): Promise<Record<string, Reading>> {
  fxp ??= importExternal<Fxp>('fast-xml-parser'); // loaded only when there is something to parse
  const { XMLParser, XMLValidator } = await fxp;
  const parser = new XMLParser({
    ignoreAttributes: true,
    parseTagValue: false,
    trimValues: true,
    processEntities: true,
    isArray: (_name, jpath) => jpath === 'nvidia_smi_log.gpu',
  });
  const valid = XMLValidator.validate(xml);
  if (valid !== true) {
    const e = valid.err;
    throw new Error(`${e.msg} (line ${e.line}, column ${e.col})`);
  }
  const doc = parser.parse(xml) as XmlNode;
  const root = doc.nvidia_smi_log;
  if (root === undefined || root === null || typeof root !== 'object') {
    throw new Error('no <nvidia_smi_log> element');
  }
  const gpus = ((root as XmlNode).gpu as unknown[] | undefined) ?? [];
  const data: Record<string, Reading> = { 'gpu-count': gpus.length };
  const put = (key: string, v: string | undefined) => {
    if (v !== undefined) data[key] = v;
  };
  put('driver', text(root, 'driver_version'));
  put('cuda-version', text(root, 'cuda_version'));
  const first = gpus[0];
  if (first !== undefined) {
    put('gpu.model', text(first, 'product_name'));
    put('gpu.product-architecture', text(first, 'product_architecture'));
    put('gpu.display-mode', text(first, 'display_mode'));
    put('gpu.display-active', text(first, 'display_active'));
    put('gpu.persistence-mode', text(first, 'persistence_mode'));
    put('gpu.addressing-mode', text(first, 'addressing_mode'));
    put('gpu.vbios-version', text(first, 'vbios_version'));
    put('gpu.gsp-firmware-version', text(first, 'gsp_firmware_version'));
    put('gpu.memory', text(first, 'fb_memory_usage', 'total'));
    put('gpu.mig-mode', text(first, 'mig_mode', 'current_mig'));
  }
  gpus.forEach((g, i) => {
    put(`gpu.${i}.model`, text(g, 'product_name'));
    put(`gpu.${i}.uuid`, text(g, 'uuid'));
    put(`gpu.${i}.memory`, text(g, 'fb_memory_usage', 'total'));
    put(`gpu.${i}.mig-mode`, text(g, 'mig_mode', 'current_mig'));
  });
  return data;
}
