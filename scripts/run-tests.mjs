#!/usr/bin/env node
// Runs every *.test.ts under src/ and test/ with Node's built-in test runner (TypeScript through tsx).
// Usage: node scripts/run-tests.mjs [filter-substring...]
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import { spawnSync } from 'node:child_process';
import path from 'node:path';

function find(dir) {
  const out = [];
  let entries = [];
  try {
    entries = readdirSync(dir);
  } catch {
    return out;
  }
  for (const name of entries.sort()) {
    if (name === 'node_modules' || name === 'fixtures') continue;
    const abs = path.join(dir, name);
    if (statSync(abs).isDirectory()) out.push(...find(abs));
    else if (name.endsWith('.test.ts')) out.push(abs);
  }
  return out;
}

const filters = process.argv.slice(2);
let files = [...find('src'), ...find('test')];
if (filters.length) files = files.filter((f) => filters.some((s) => f.includes(s)));
if (files.length === 0) {
  console.error('no test files found');
  process.exit(1);
}
// A developer's own configuration (~/.config/aicr/config.yaml, AICR_CONFIG) must not change results:
// every test runs with an empty XDG_CONFIG_HOME (tests of the configuration set their own).
const configHome = mkdtempSync(path.join(os.tmpdir(), 'aicr-test-config-'));
const env = { ...process.env, XDG_CONFIG_HOME: configHome };
delete env.AICR_CONFIG;
const res = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-concurrency=2', '--test-timeout=120000', ...files],
  { stdio: 'inherit', env },
);
rmSync(configHome, { recursive: true, force: true });
process.exit(res.status ?? 1);
