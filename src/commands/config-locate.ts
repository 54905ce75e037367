/**
 * Where the configuration file is (cheap: on every command's start-up path). Loading it lives in
 * ./config.ts, imported only when there is a file to read.
 */
import { statSync } from 'node:fs';
export type { ConfigCommand } from '../config/keys.js';
export { configLocation, defaultConfigPath, type ConfigLocation } from '../config/paths.js';

/**
 * Whether the default file is there to read (one stat). A folder on the way that this user may not search
 * (EACCES, e.g. another user's HOME kept by sudo) or that is not a folder (ENOTDIR) means no file for this
 * user; other errors count as there, so reading it reports them. An explicit --config / AICR_CONFIG is
 * always read.
 */
export function exists(file: string): boolean {
  try {
    return statSync(file, { throwIfNoEntry: false }) !== undefined;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return code !== 'EACCES' && code !== 'ENOTDIR';
  }
}
