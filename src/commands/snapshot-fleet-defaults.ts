/**
 * Defaults of the fleet snapshot that its flags (src/cli/snapshot-fleet.ts) show in help; apart from the
 * use-case so that registering the flags does not load it (decision 15).
 */
export const DEFAULT_WORKERS = 10;
