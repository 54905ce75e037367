#!/usr/bin/env node
// Build: precompile the embedded catalog (recipes/ -> dist/catalog-*.json) and bundle the CLI with esbuild (dist/aicr.cjs).
// Version, commit and date are injected here; the date is the commit date so builds are reproducible.
import { execFileSync, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, mkdirSync, mkdtempSync, chmodSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
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
// The start-up core loads the rest of the program (dist/aicr-rest.cjs) through this, on first use.
globalThis.__aicrLoadBundle = load;
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
// their texts and parses go to dist/bundle-templates.json (read by `bundle` on first use, not part
// of the start-up code), parsed here by the engine itself (precompileBundleTemplates).
const templatesDir = path.join(root, 'src/bundle/templates');
const bundleTemplates = Object.fromEntries(
  readdirSync(templatesDir)
    .filter((f) => f.endsWith('.tmpl'))
    .sort()
    .map((f) => [f.slice(0, -'.tmpl'.length), readFileSync(path.join(templatesDir, f), 'utf8')]),
);
{
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'aicr-templates-'));
  try {
    const out = path.join(tmp, 'precompile.cjs');
    await build({
      entryPoints: [path.join(templatesDir, 'index.ts')],
      outfile: out,
      bundle: true,
      format: 'cjs',
      platform: 'node',
      target: 'node20',
      define: { 'import.meta.url': JSON.stringify(pathToFileURL(path.join(templatesDir, 'index.ts')).href) },
      logLevel: 'warning',
    });
    const { precompileBundleTemplates } = createRequire(import.meta.url)(out);
    writeFileSync(path.join(dist, 'bundle-templates.json'), precompileBundleTemplates(bundleTemplates));
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

// The published JSON Schemas (schemas/v1, generated by scripts/gen-schemas.ts) go to dist/schemas.json
// (src/schema/embedded.ts reads it), not into the start-up code.
const schemasDir = path.join(root, 'schemas/v1');
const publishedSchemas = Object.fromEntries(
  readdirSync(schemasDir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => [f, readFileSync(path.join(schemasDir, f), 'utf8')]),
);
writeFileSync(path.join(dist, 'schemas.json'), JSON.stringify(publishedSchemas));

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

// Two CommonJS files: Node starts a CJS script markedly faster than an ES module (no ESM loader
// start-up), and a V8 code cache makes compiling it cheap; what remains costs in proportion to the
// script's size. So the code splits in two (decision 16):
//   dist/aicr-main.cjs  the start-up core: the CLI, `recipe`, `query`, `--version`, and every module
//                       they import statically (CORE_ROOTS and their static imports);
//   dist/aicr-rest.cjs  everything else (bundle, validate, snapshot, diff, …), loaded by the launcher
//                       on the first dynamic import of one of its modules.
// Each module is in exactly one file: the rest reaches the core's modules through a registry the core
// exposes (globalThis.__aicrCore), the core reaches the rest's through its exports (__aicrRest), so
// classes and module state are shared. Command implementations are imported dynamically in the
// source; esbuild turns those imports into lazily initialised modules, so a command only evaluates
// the code it uses.
const CORE_ROOTS = ['src/cli/main.ts', 'src/commands/recipe.ts', 'src/commands/query.ts', 'src/io/writer.ts'];
const mainOptions = {
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  minify: true,
  legalComments: 'none',
  // Libraries are separate bundles (dist/lib-*.cjs, see LIBS) with their own code caches, loaded by the
  // launcher on first require; the ESM-only Kubernetes client and the AWS SDK (s3:// only) are imported
  // from node_modules. OpenTelemetry (--trace) and prom-client (aicr exporter) are required from
  // node_modules by lazily initialised modules only, never at start-up.
  external: [
    '@kubernetes/client-node',
    '@aws-sdk/client-s3',
    '@aws-sdk/lib-storage',
    '@opentelemetry/*',
    'prom-client',
    ...Object.keys(LIBS),
  ],
  banner: {
    js: "const __aicrImportMetaUrl=require('node:url').pathToFileURL(__filename).href;",
  },
  define: {
    __AICR_VERSION__: JSON.stringify(version),
    __AICR_COMMIT__: JSON.stringify(commit),
    __AICR_DATE__: JSON.stringify(date),
    'import.meta.url': '__aicrImportMetaUrl',
  },
  logLevel: 'warning',
};

// Which module goes where: the import graph of the whole program, from esbuild's metafile.
const graph = (
  await build({
    ...mainOptions,
    entryPoints: [path.join(root, 'src/cli/main.ts')],
    outfile: path.join(dist, 'graph.cjs'),
    write: false,
    metafile: true,
    plugins: [lazyChildProcessForCommander],
  })
).metafile.inputs;
const core = new Set();
for (const todo = [...CORE_ROOTS]; todo.length;) {
  const f = todo.pop();
  if (core.has(f) || !graph[f]) continue;
  core.add(f);
  for (const i of graph[f].imports) if (i.kind !== 'dynamic-import' && !i.external) todo.push(i.path);
}
const rest = new Set(Object.keys(graph).filter((f) => !core.has(f)));
const coreUsedByRest = new Set();
const restUsedByCore = new Set();
for (const [f, { imports }] of Object.entries(graph)) {
  for (const i of imports) {
    if (i.external) continue;
    if (rest.has(f) && core.has(i.path)) coreUsedByRest.add(i.path);
    if (core.has(f) && rest.has(i.path)) restUsedByCore.add(i.path);
  }
}

/** Imports of modules that live in the other file become `module.exports = <that file's module>`. */
function crossFile(other, namespace, lookup) {
  return {
    name: `aicr-split-${namespace}`,
    setup(b) {
      b.onResolve({ filter: /.*/ }, async (args) => {
        if (args.kind === 'entry-point' || args.pluginData?.aicrSplit) return undefined;
        const r = await b.resolve(args.path, {
          resolveDir: args.resolveDir,
          kind: args.kind,
          importer: args.importer,
          pluginData: { aicrSplit: true },
        });
        if (r.errors.length || r.external || !r.path) return undefined;
        const rel = path.relative(root, r.path).split(path.sep).join('/');
        return other.has(rel) ? { path: rel, namespace } : { path: r.path };
      });
      b.onLoad({ filter: /.*/, namespace }, (args) => ({
        contents: `module.exports = globalThis.${lookup}(${JSON.stringify(args.path)});`,
        loader: 'js',
      }));
    },
  };
}
const registry = (mods) =>
  `{${[...mods]
    .sort()
    .map((m) => `${JSON.stringify(m)}: () => require(${JSON.stringify('./' + m)})`)
    .join(',\n')}}`;

await build({
  ...mainOptions,
  stdin: {
    contents: [
      `const modules = ${registry(coreUsedByRest)};`,
      'globalThis.__aicrCore = (id) => modules[id]();',
      'let rest;',
      "globalThis.__aicrRest = (id) => (rest ??= globalThis.__aicrLoadBundle('aicr-rest.cjs'))[id]();",
      "require('./src/cli/main.ts');",
    ].join('\n'),
    resolveDir: root,
    sourcefile: 'aicr-main-entry.js',
    loader: 'js',
  },
  outfile: path.join(dist, 'aicr-main.cjs'),
  plugins: [lazyChildProcessForCommander, crossFile(rest, 'aicr-rest', '__aicrRest')],
});
await build({
  ...mainOptions,
  stdin: {
    contents: `module.exports = ${registry(restUsedByCore)};`,
    resolveDir: root,
    sourcefile: 'aicr-rest-entry.js',
    loader: 'js',
  },
  outfile: path.join(dist, 'aicr-rest.cjs'),
  plugins: [lazyChildProcessForCommander, crossFile(core, 'aicr-core', '__aicrCore')],
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
