/**
 * Where the configuration file is (cheap: on every command's start-up path). Loading it lives in
 * ./config.ts, imported only when there is a file to read.
 */
import { statSync } from 'node:fs';
export type { ConfigCommand } from '../config/keys.js';
export { configLocation, defaultConfigPath, type ConfigLocation } from '../config/paths.js';

/** Whether something exists at `file` (one stat; errors other than "not there" count as there). */
export function exists(file: string): boolean {
  try {
    return statSync(file, { throwIfNoEntry: false }) !== undefined;
  } catch {
    return true;
  }
}
