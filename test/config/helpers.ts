/** What the configuration-file tests share: a temp folder with a per-user config home, and config documents. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const HEADER = 'kind: AICRConfig\napiVersion: aicr.run/v1beta1\n';

export const criteriaOf = (stdout: string) =>
  (JSON.parse(stdout) as { criteria: Record<string, unknown> }).criteria;

/** A temp folder `tmp` holding `xdg/aicr/` (the per-user config home); `remove()` deletes it. */
export class ConfigSandbox {
  readonly tmp = mkdtempSync(path.join(os.tmpdir(), 'aicr-config-test-'));
  readonly xdg = path.join(this.tmp, 'xdg');

  constructor() {
    mkdirSync(path.join(this.xdg, 'aicr'), { recursive: true });
  }

  /** Writes a config file in the temp folder and returns its path. */
  cfg = (name: string, body: string): string => {
    const file = path.join(this.tmp, name);
    writeFileSync(file, body);
    return file;
  };

  /** The environment of a run: the per-user file under `xdg` (empty unless a test writes it). */
  env = (extra: Record<string, string | undefined> = {}) => ({
    XDG_CONFIG_HOME: this.xdg,
    AICR_CONFIG: undefined,
    ...extra,
  });

  remove(): void {
    rmSync(this.tmp, { recursive: true, force: true });
  }
}
