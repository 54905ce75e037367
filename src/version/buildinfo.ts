/** Build metadata injected by scripts/build.mjs (esbuild `define`); "dev"/"unknown" when run from source. */
declare const __AICR_VERSION__: string | undefined;
declare const __AICR_COMMIT__: string | undefined;
declare const __AICR_DATE__: string | undefined;

export const buildInfo = {
  version: typeof __AICR_VERSION__ === 'string' ? __AICR_VERSION__ : 'dev',
  commit: typeof __AICR_COMMIT__ === 'string' ? __AICR_COMMIT__ : 'unknown',
  date: typeof __AICR_DATE__ === 'string' ? __AICR_DATE__ : 'unknown',
};

export function versionLine(): string {
  return `aicr version ${buildInfo.version} (commit: ${buildInfo.commit}, date: ${buildInfo.date})`;
}

/** Default snapshot-agent image for this build (`latest` for dev and -next builds). */
export function defaultAgentImage(): string {
  const v = buildInfo.version;
  if (v === 'dev' || v.includes('-next')) return 'ghcr.io/nvidia/aicr:latest';
  return `ghcr.io/nvidia/aicr:${v.startsWith('v') ? v : 'v' + v}`;
}
