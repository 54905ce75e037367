/** Entry point of the bundled CLI (dist/aicr.mjs). */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { run } from './root.js';

globalThis.__AICR_DIST_DIR = path.dirname(fileURLToPath(import.meta.url));

const code = await run(process.argv.slice(2));
process.exitCode = code;
