/**
 * Where the configuration comes from when no --config is given: AICR_CONFIG, else the per-user file
 * `$XDG_CONFIG_HOME/aicr/config.yaml` (default `~/.config/aicr/config.yaml`; `%APPDATA%\aicr\config.yaml`
 * on Windows). Cheap: no file is read here (this runs on the start-up path of every command).
 */
import path from 'node:path';
import { configFileFromEnv } from '../util/env.js';

export type ConfigOrigin = '--config' | 'AICR_CONFIG' | 'default';

export interface ConfigLocation {
  location: string;
  origin: ConfigOrigin;
}

/** The per-user default file, or undefined when no home folder is known. */
export function defaultConfigPath(
  env: NodeJS.ProcessEnv = process.env,
  platform: NodeJS.Platform = process.platform,
): string | undefined {
  if (platform === 'win32') {
    return env.APPDATA ? path.win32.join(env.APPDATA, 'aicr', 'config.yaml') : undefined;
  }
  // XDG Base Directory: a relative XDG_CONFIG_HOME is invalid and ignored.
  const xdg = env.XDG_CONFIG_HOME;
  if (xdg && path.isAbsolute(xdg)) return path.join(xdg, 'aicr', 'config.yaml');
  return env.HOME ? path.join(env.HOME, '.config', 'aicr', 'config.yaml') : undefined;
}

/** The configuration to read: --config, else AICR_CONFIG, else the default file (which may not exist). */
export function configLocation(flag: string | undefined): ConfigLocation | undefined {
  if (flag) return { location: flag, origin: '--config' };
  const env = configFileFromEnv();
  if (env) return { location: env, origin: 'AICR_CONFIG' };
  const def = defaultConfigPath();
  return def ? { location: def, origin: 'default' } : undefined;
}
