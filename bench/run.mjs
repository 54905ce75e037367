#!/usr/bin/env node
// Runs every benchmark in bench/ (each a standalone script printing its own figures).
import { readdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const dir = path.dirname(fileURLToPath(import.meta.url));
const only = process.argv.slice(2);
let failed = 0;
for (const f of readdirSync(dir).sort()) {
  if (!f.endsWith('.mjs') || f === 'run.mjs' || f.startsWith('_')) continue;
  if (only.length && !only.some((o) => f.includes(o))) continue;
  console.log(`\n## ${f}`);
  const r = spawnSync(process.execPath, [path.join(dir, f)], { stdio: 'inherit' });
  if (r.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
