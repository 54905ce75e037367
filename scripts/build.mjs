#!/usr/bin/env node
// Build: precompile the embedded catalog (recipes/ -> dist/catalog-*.json) and bundle the CLI with esbuild (dist/aicr.cjs).
// Version, commit and date are injected here; the date is the commit date so builds are reproducible.
import { execFileSync, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, mkdirSync, mkdtempSync, chmodSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { createRequire } from 'node:module';
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

// The launcher runs the bundle (and the separately bundled libraries) through V8 code caches:
// dist/<file>.cache, written at build time by a warm-up run. A cache made by another Node/V8 version
// is rejected by V8 and the file is simply compiled from source.
const LIBS = { yaml: 'lib-yaml.cjs', zod: 'lib-zod.cjs', 'fast-xml-parser': 'lib-xml.cjs' };
const LAUNCHER = `#!/usr/bin/env node
// aicr launcher: runs aicr-main.cjs and its libraries through V8 code caches for a fast start.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const vm = require('node:vm');
const Module = require('node:module');
const LIBS = ${JSON.stringify(LIBS)};
const loaded = {};
const scripts = [];
function load(file) {
  const full = path.join(__dirname, file);
  let cachedData;
  try {
    cachedData = fs.readFileSync(full + '.cache');
  } catch {}
  const script = new vm.Script(Module.wrap(fs.readFileSync(full, 'utf8')), { filename: full, cachedData });
  const mod = { exports: {}, filename: full, id: full };
  scripts.push({ full, script, saved: false });
  script.runInThisContext().call(mod.exports, mod.exports, bundleRequire, mod, full, __dirname);
  return mod.exports;
}
function bundleRequire(id) {
  const file = LIBS[id];
  if (!file) return require(id);
  if (!(id in loaded)) loaded[id] = load(file);
  return loaded[id];
}
// import() inside a vm.Script has no loader; the bundle imports external ES modules through this one.
globalThis.__aicrImport = (specifier) => import(specifier);
if (process.env.AICR_CODE_CACHE_WRITE === '1') {
  const save = (s) => {
    fs.writeFileSync(s.full + '.cache', s.script.createCachedData());
    s.saved = true;
  };
  // The build's warm-up saves the main cache after the start-up-critical commands only.
  globalThis.__aicrSaveMainCodeCache = () => save(scripts[0]);
  process.on('exit', () => scripts.filter((s) => !s.saved).forEach(save));
}
load('aicr-main.cjs');
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

// The bundle's generated files (deploy.sh, READMEs, …) are Go templates in src/bundle/templates;
// their text is embedded in the bundle (src/bundle/templates/index.ts reads it from this define).
const templatesDir = path.join(root, 'src/bundle/templates');
const bundleTemplates = Object.fromEntries(
  readdirSync(templatesDir)
    .filter((f) => f.endsWith('.tmpl'))
    .sort()
    .map((f) => [f.slice(0, -'.tmpl'.length), readFileSync(path.join(templatesDir, f), 'utf8')]),
);

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
// imports into lazily initialised modules, so a command only evaluates the code it uses.
await build({
  entryPoints: [path.join(root, 'src/cli/main.ts')],
  outfile: path.join(dist, 'aicr-main.cjs'),
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  minify: true,
  legalComments: 'none',
  // Libraries are separate bundles (dist/lib-*.cjs, see LIBS) with their own code caches, loaded by the
  // launcher on first require; the ESM-only Kubernetes client and the AWS SDK (s3:// only) are
  // imported from node_modules.
  external: ['@kubernetes/client-node', '@aws-sdk/client-s3', '@aws-sdk/lib-storage', ...Object.keys(LIBS)],
  banner: {
    js: "const __aicrImportMetaUrl=require('node:url').pathToFileURL(__filename).href;",
  },
  define: {
    __AICR_VERSION__: JSON.stringify(version),
    __AICR_COMMIT__: JSON.stringify(commit),
    __AICR_DATE__: JSON.stringify(date),
    __AICR_BUNDLE_TEMPLATES__: JSON.stringify(bundleTemplates),
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
for (const [pkgName, file] of Object.entries(LIBS)) {
  await build({
    entryPoints: [createRequire(import.meta.url).resolve(pkgName)],
    outfile: path.join(dist, file),
    bundle: true,
    format: 'cjs',
    platform: 'node',
    target: 'node20',
    minify: true,
    legalComments: 'none',
    logLevel: 'warning',
  });
}

// Warm-up: the main paths of every command run once in one process, so that the functions they
// compile are in the caches. The main bundle's cache is saved after recipe and query (the commands
// whose start-up matters most; a bigger cache costs every command time to load), the libraries'
// caches at exit.
const warmDir = mkdtempSync(path.join(os.tmpdir(), 'aicr-warm-'));
const w = (f) => path.join(warmDir, f);
const warm = [
  [
    'recipe',
    '--service',
    'eks',
    '--accelerator',
    'h100',
    '--os',
    'ubuntu',
    '--intent',
    'training',
    '-o',
    w('r.yaml'),
  ],
  [
    'query',
    '--service',
    'eks',
    '--accelerator',
    'h100',
    '--intent',
    'training',
    '--selector',
    'components',
    '-t',
    'json',
  ],
  ['--save-main-code-cache'],
  ['snapshot', '--filter', 'os', '-o', w('s.yaml')],
  [
    'validate',
    '-r',
    w('r.yaml'),
    '-s',
    w('s.yaml'),
    '--fail-on-error=false',
    '-t',
    'json',
    '-o',
    w('v.json'),
  ],
  ['bundle', '-r', w('r.yaml'), '-o', w('bundle')],
];
const res = spawnSync(process.execPath, [path.join(dist, 'aicr.cjs')], {
  env: { ...process.env, AICR_CODE_CACHE_WRITE: '1', AICR_CODE_CACHE_WARMUP: JSON.stringify(warm) },
  stdio: ['ignore', 'ignore', 'pipe'],
});
rmSync(warmDir, { recursive: true, force: true });
if (res.status !== 0) process.stderr.write(`warning: code cache not written: ${res.stderr}\n`);

process.stderr.write(
  `built dist/aicr.cjs (version ${version}, commit ${commit}, date ${date}); catalog: ${catalog.files} files\n`,
);
