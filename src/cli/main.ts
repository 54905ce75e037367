/** Entry point of the bundled CLI (dist/aicr-main.cjs, started by dist/aicr.cjs). */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { EXIT_CODES } from '../errors/index.js';
import { run } from './root.js';
import { setConfigMapStoreFactory } from '../io/configmap.js';
import { safeText } from '../util/escape.js';
import { writeStderr } from '../util/stdio.js';
import { disposeAllChildren } from '../util/child-groups.js';
import { codeCacheWarmupFromEnv } from '../util/env.js';

globalThis.__AICR_DIST_DIR = path.dirname(fileURLToPath(import.meta.url));

// Composition root: `cm://` inputs and outputs (src/io) go through the Kubernetes ConfigMap store
// (src/k8s), loaded only when a command first touches a ConfigMap.
setConfigMapStoreFactory(async () => (await import('../k8s/configmap.js')).kubernetesConfigMapStore());

declare global {
  var __aicrSaveMainCodeCache: (() => void) | undefined;
}

async function main(): Promise<number> {
  // Build-time code-cache warm-up (scripts/build.mjs): run several command lines in this process.
  const warmup = codeCacheWarmupFromEnv();
  if (warmup) {
    let code = 0;
    for (const argv of JSON.parse(warmup) as string[][]) {
      if (argv[0] === '--save-main-code-cache') globalThis.__aicrSaveMainCodeCache?.();
      else code = Math.max(code, await run(argv));
    }
    return code;
  }
  return run(process.argv.slice(2));
}

main().then(
  (code) => {
    // Child process groups still alive (none, normally) must not keep aicr running.
    disposeAllChildren();
    process.exitCode = code;
  },
  (err: unknown) => {
    disposeAllChildren();
    writeStderr(`[cli] internal error: ${safeText(err instanceof Error ? err.message : String(err))}\n`);
    process.exitCode = EXIT_CODES.INTERNAL;
  },
);
