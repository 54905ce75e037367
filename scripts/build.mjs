#!/usr/bin/env node
// Build: precompile the embedded catalog (recipes/ -> dist/catalog-*.json) and bundle the CLI with esbuild (dist/aicr.cjs).
// Version, commit and date are injected here; the date is the commit date so builds are reproducible.
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, rmSync, mkdirSync, chmodSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { build } from 'esbuild';
import { compileCatalog } from './compile-catalog.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = path.join(root, 'dist');
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));

function git(args) {
  try {
    return execFileSync('git', args, { cwd: root, stdio: ['ignore', 'pipe', 'ignore'] })
      .toString()
      .trim();
  } catch {
    return '';
  }
}

const LAUNCHER = `#!/usr/bin/env node
// aicr launcher: runs aicr-main.cjs through a V8 code cache for a fast start.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const vm = require('node:vm');
const Module = require('node:module');
const file = path.join(__dirname, 'aicr-main.cjs');
const cacheFile = file + '.cache';
let cachedData;
try {
  cachedData = fs.readFileSync(cacheFile);
} catch {}
const script = new vm.Script(Module.wrap(fs.readFileSync(file, 'utf8')), { filename: file, cachedData });
// import() inside a vm.Script has no loader; the bundle imports external ES modules through this one.
globalThis.__aicrImport = (specifier) => import(specifier);
const mod = { exports: {}, filename: file, id: file };
script.runInThisContext().call(mod.exports, mod.exports, require, mod, file, __dirname);
if (process.env.AICR_CODE_CACHE_WRITE === '1') {
  process.on('exit', () => fs.writeFileSync(cacheFile, script.createCachedData()));
}
`;

const version = process.env.AICR_BUILD_VERSION || pkg.version;
const commit = process.env.AICR_BUILD_COMMIT || git(['rev-parse', '--short=7', 'HEAD']) || 'unknown';
let date = process.env.AICR_BUILD_DATE || 'unknown';
if (!process.env.AICR_BUILD_DATE) {
  const ts = git(['log', '-1', '--format=%ct']);
  if (ts) date = new Date(Number(ts) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

rmSync(dist, { recursive: true, force: true });
mkdirSync(dist, { recursive: true });

const catalog = compileCatalog(path.join(root, 'recipes'), dist);

// commander requires child_process at load time only to run external sub-command executables,
// which aicr never does; loading it costs ~5% of start-up. Give commander a lazy proxy instead.
const lazyChildProcessForCommander = {
  name: 'lazy-child-process-for-commander',
  setup(b) {
    b.onResolve({ filter: /^(node:)?child_process$/ }, (args) =>
      args.importer.includes(`${path.sep}commander${path.sep}`)
        ? { path: 'lazy-child-process', namespace: 'aicr-lazy' }
        : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'aicr-lazy' }, () => ({
      contents: "module.exports = new Proxy({}, { get: (_, k) => require('node:child_process')[k] });",
      loader: 'js',
    }));
  },
};

// One CommonJS file: Node starts a CJS script markedly faster than an ES module (no ESM loader
// start-up). Command implementations are imported dynamically in the source; esbuild turns those
// imports into lazily initialised modules, so a command only evaluates the code it uses. The heavy
// libraries stay external and are required from node_modules on first use.
await build({
  entryPoints: [path.join(root, 'src/cli/main.ts')],
  outfile: path.join(dist, 'aicr-main.cjs'),
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  minify: true,
  legalComments: 'none',
  external: ['yaml', 'zod', '@kubernetes/client-node', 'fast-xml-parser'],
  banner: {
    js: "const __aicrImportMetaUrl=require('node:url').pathToFileURL(__filename).href;",
  },
  define: {
    __AICR_VERSION__: JSON.stringify(version),
    __AICR_COMMIT__: JSON.stringify(commit),
    __AICR_DATE__: JSON.stringify(date),
    'import.meta.url': '__aicrImportMetaUrl',
  },
  plugins: [lazyChildProcessForCommander],
  logLevel: 'warning',
});
// The launcher compiles the bundle with a V8 code cache (dist/aicr-main.cjs.cache), written here by
// running representative commands once. A cache from another Node/V8 version is rejected by V8 and
// the bundle is simply compiled from source.
writeFileSync(path.join(dist, 'aicr.cjs'), LAUNCHER);
chmodSync(path.join(dist, 'aicr.cjs'), 0o755);
const warm = [
  'query',
  '--service',
  'eks',
  '--accelerator',
  'h100',
  '--os',
  'ubuntu',
  '--intent',
  'training',
  '--selector',
  'kind',
];
const res = spawnSync(process.execPath, [path.join(dist, 'aicr.cjs'), ...warm], {
  env: { ...process.env, AICR_CODE_CACHE_WRITE: '1' },
  stdio: ['ignore', 'ignore', 'pipe'],
});
if (res.status !== 0) process.stderr.write(`warning: code cache not written: ${res.stderr}\n`);

process.stderr.write(
  `built dist/aicr.cjs (version ${version}, commit ${commit}, date ${date}); catalog: ${catalog.files} files\n`,
);
