/** Entry point of the bundled CLI (dist/aicr.cjs). */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { run } from './root.js';

globalThis.__AICR_DIST_DIR = path.dirname(fileURLToPath(import.meta.url));

run(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`[cli] internal error: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 8;
  },
);
