/**
 * SystemD collector (type `SystemD`): one subtype per configured unit (in configured order), named after
 * the unit, holding the unit's properties.
 *
 * Properties are read with `systemctl show <unit>…` (one process for all units). Why not D-Bus directly:
 * systemctl picks whatever transport systemd offers (system bus, or the private socket as root), needs no
 * D-Bus wire-protocol implementation of ours, and is what an operator would run to check the same facts.
 * The price is that values come in systemctl's text form; they are typed back as follows:
 *  - decimal integers become numbers (bigint beyond 2^53, so uint64 limits stay exact);
 *  - `yes`/`no` become booleans, except for properties whose D-Bus type is a string that happens to take
 *    those values (`Restart`, `ProtectSystem`, `ProtectHome` and the `…Ex` variants);
 *  - everything else stays a string (`infinity`, `[not set]`, time spans such as `1min 30s`, …).
 * Keys upstream removes are removed too (`AllowedCPUs`, `AllowedMemoryNodes`, `Asserts`, `BPFProgram`,
 * `BusName`, `Id`, anything containing `Credential`).
 *
 * When systemctl is missing or systemd is not running, the measurement has no subtypes and one warning
 * is logged.
 */
import { log } from '../logging/logger.js';
import type { Measurement, Reading, Subtype } from '../model/snapshot.js';
import { DEFAULT_TIMEOUTS_MS, throwIfAborted, type Collector } from './types.js';
import { firstLine } from './util.js';
import { findExecutable, runCommand, RunError } from '../util/child.js';

export const DEFAULT_SYSTEMD_UNITS = ['containerd.service', 'docker.service', 'kubelet.service'];

const REMOVED_KEYS = new Set(['AllowedCPUs', 'AllowedMemoryNodes', 'Asserts', 'BPFProgram', 'BusName', 'Id']);
const STRING_YES_NO = new Set(['Restart', 'ProtectSystem', 'ProtectHome']);

export interface SystemdCollectorOptions {
  units?: string[];
  /** The systemctl executable (name looked up on PATH, or a path). */
  systemctl?: string;
  timeoutMs?: number;
  env?: NodeJS.ProcessEnv;
}

export class SystemdCollector implements Collector {
  readonly type = 'SystemD' as const;
  readonly timeoutMs: number;
  private readonly units: string[];
  private readonly systemctl: string;
  private readonly env?: NodeJS.ProcessEnv;

  constructor(opts: SystemdCollectorOptions = {}) {
    this.units = opts.units ?? DEFAULT_SYSTEMD_UNITS;
    this.systemctl = opts.systemctl ?? 'systemctl';
    this.timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUTS_MS.SystemD;
    this.env = opts.env;
  }

  async collect(signal: AbortSignal): Promise<Measurement> {
    throwIfAborted(signal);
    const empty: Measurement = { type: 'SystemD' };
    if (this.units.length === 0) return empty;
    const exe = findExecutable(this.systemctl, (this.env ?? process.env).PATH);
    if (!exe) {
      log().warn(`SystemD: ${this.systemctl} not found on PATH - SystemD measurement is empty`);
      return empty;
    }
    let res;
    try {
      res = await runCommand(exe, ['show', '--no-pager', '--', ...this.units], {
        signal,
        timeoutMs: Math.max(1, this.timeoutMs - 500),
        maxBytes: 4 << 20,
        env: { ...(this.env ?? process.env), SYSTEMD_PAGER: '', SYSTEMD_COLORS: '0', LC_ALL: 'C' },
      });
    } catch (err) {
      if (signal.aborted) throw err;
      const msg = err instanceof RunError ? err.message : String(err);
      log().warn(`SystemD: ${msg} - SystemD measurement is empty`);
      return empty;
    }
    if (res.code !== 0) {
      const why = firstLine(res.stderr) || `exit status ${res.code ?? res.signal}`;
      log().warn(`SystemD: systemd is not reachable (systemctl show: ${why}) - SystemD measurement is empty`);
      return empty;
    }
    const blocks = splitBlocks(res.stdout);
    if (blocks.length !== this.units.length) {
      log().warn(
        `SystemD: systemctl show printed ${blocks.length} unit(s) for ${this.units.length} requested - SystemD measurement is empty`,
      );
      return empty;
    }
    const subtypes: Subtype[] = this.units.map((unit, i) => ({
      subtype: unit,
      data: parseProperties(blocks[i]!),
    }));
    return { type: 'SystemD', subtypes };
  }
}

/** `systemctl show` output for several units: blocks separated by an empty line. */
function splitBlocks(text: string): string[][] {
  const blocks: string[][] = [];
  let cur: string[] = [];
  for (const line of text.split('\n')) {
    if (line === '') {
      if (cur.length) blocks.push(cur);
      cur = [];
    } else {
      cur.push(line);
    }
  }
  if (cur.length) blocks.push(cur);
  return blocks;
}

/** `Key=value` lines into typed readings (see the module comment). */
export function parseProperties(lines: string[]): Record<string, Reading> {
  const data: Record<string, Reading> = {};
  for (const line of lines) {
    const eq = line.indexOf('=');
    if (eq <= 0) continue;
    const key = line.slice(0, eq);
    if (REMOVED_KEYS.has(key) || key.includes('Credential')) continue;
    data[key] = typeValue(key, line.slice(eq + 1));
  }
  return data;
}

export function typeValue(key: string, value: string): Reading {
  if (/^-?(0|[1-9]\d*)$/.test(value)) {
    const n = Number(value);
    return Number.isSafeInteger(n) ? n : BigInt(value);
  }
  if ((value === 'yes' || value === 'no') && !STRING_YES_NO.has(key) && !key.endsWith('Ex')) {
    return value === 'yes';
  }
  return value;
}
