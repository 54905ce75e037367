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
const LIBS = {
  yaml: 'lib-yaml.cjs',
  zod: 'lib-zod.cjs',
  'fast-xml-parser': 'lib-xml.cjs',
  '@kubernetes/client-node': 'lib-k8s.cjs',
};
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
globalThis.__aicrImport = (specifier) =>
  specifier in LIBS ? Promise.resolve().then(() => bundleRequire(specifier)) : import(specifier);
// The start-up core loads the other module groups (dist/aicr-<group>.cjs) through this, on first use.
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

// A few CommonJS files: Node starts a CJS script markedly faster than an ES module (no ESM loader
// start-up), and a V8 code cache makes compiling it cheap; what remains costs in proportion to the
// script's size. So the program is split by its import graph into module groups (decision 16), one
// file each, loaded by the launcher on the first import of one of its modules:
//   dist/aicr-main.cjs      the start-up core: the CLI, `recipe`, `query`, `--version` (CORE_ROOTS and
//                           every module they import statically);
//   dist/aicr-<group>.cjs   for each of GROUPS: the modules its roots reach by static imports that no
//                           other group reaches (validate, snapshot, bundle);
//   dist/aicr-shared.cjs    the modules two or more groups reach;
//   dist/aicr-rest.cjs      everything else (Kubernetes, diff, verify, exporter, …).
// Each module is in exactly one file: an import of a module in another file becomes a lookup in that
// file's registry (globalThis.__aicrModule), so classes and module state are shared. Command
// implementations are imported dynamically in the source; esbuild turns those imports into lazily
// initialised modules, so a command only evaluates the code it uses.
const CORE_ROOTS = ['src/cli/main.ts', 'src/commands/recipe.ts', 'src/commands/query.ts', 'src/io/writer.ts'];
const GROUPS = {
  validate: ['src/commands/validate.ts'],
  // the local collectors (imported dynamically by src/collector/load.ts); cluster ones stay in rest
  snapshot: [
    'src/commands/snapshot.ts',
    'src/snapshot/cache.ts',
    'src/collector/os.ts',
    'src/collector/systemd.ts',
    'src/collector/gpu.ts',
  ],
  bundle: ['src/commands/bundle.ts', 'src/bundle/template-adapter.ts'],
};
const mainOptions = {
  // Paths in the metafile (the import graph) are relative to the repository, wherever the build runs.
  absWorkingDir: root,
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  minify: true,
  legalComments: 'none',
  // Libraries are separate bundles (dist/lib-*.cjs, see LIBS) with their own code caches, loaded by the
  // launcher on first require or importExternal (the Kubernetes client: ~0.1 s instead of ~0.45 s for
  // its hundreds of ES modules); the AWS SDK (s3:// only) is imported from node_modules. OpenTelemetry
  // (--trace) and prom-client (aicr exporter) are required from node_modules by lazily initialised
  // modules only, never at start-up.
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
for (const r of [...CORE_ROOTS, ...Object.values(GROUPS).flat()]) {
  if (!graph[r]) throw new Error(`scripts/build.mjs: module group root ${r} is not part of the program`);
}
/** Modules reachable from `roots` by static imports, outside `skip`. */
function reach(roots, skip) {
  const seen = new Set();
  for (const todo = [...roots]; todo.length;) {
    const f = todo.pop();
    if (seen.has(f) || skip.has(f) || !graph[f]) continue;
    seen.add(f);
    for (const i of graph[f].imports) if (i.kind !== 'dynamic-import' && !i.external) todo.push(i.path);
  }
  return seen;
}
const owner = new Map(); // module → group
for (const f of reach(CORE_ROOTS, new Set())) owner.set(f, 'main');
const core = new Set(owner.keys());
const reached = new Map(); // module → groups reaching it
for (const [group, roots] of Object.entries(GROUPS)) {
  for (const f of reach(roots, core)) reached.set(f, [...(reached.get(f) ?? []), group]);
}
for (const f of Object.keys(graph)) {
  if (owner.has(f)) continue;
  const by = reached.get(f) ?? [];
  owner.set(f, by.length === 1 ? by[0] : by.length > 1 ? 'shared' : 'rest');
}
const groupNames = ['main', ...Object.keys(GROUPS), 'shared', 'rest'];
const imported = new Map(groupNames.map((g) => [g, new Set()])); // group → its modules other groups import
for (const [f, { imports }] of Object.entries(graph)) {
  for (const i of imports) {
    if (!i.external && owner.has(i.path) && owner.get(i.path) !== owner.get(f))
      imported.get(owner.get(i.path)).add(i.path);
  }
}

/** Imports of modules another group holds become `module.exports = <that group's module>`. */
function crossGroup(group) {
  return {
    name: `aicr-split-${group}`,
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
        const g = owner.get(rel);
        return g && g !== group ? { path: `${g}:${rel}`, namespace: 'aicr-group' } : { path: r.path };
      });
      b.onLoad({ filter: /.*/, namespace: 'aicr-group' }, (args) => {
        const at = args.path.indexOf(':');
        const [g, rel] = [args.path.slice(0, at), args.path.slice(at + 1)];
        return {
          contents: `module.exports = globalThis.__aicrModule(${JSON.stringify(g)}, ${JSON.stringify(rel)});`,
          loader: 'js',
        };
      });
    },
  };
}
const registry = (mods) =>
  `{${[...mods]
    .sort()
    .map((m) => `${JSON.stringify(m)}: () => require(${JSON.stringify('./' + m)})`)
    .join(',\n')}}`;

for (const group of groupNames) {
  const own = [...owner].filter(([, g]) => g === group).map(([f]) => f);
  if (group !== 'main' && own.length === 0) continue;
  const contents =
    group === 'main'
      ? [
          `const groups = { main: ${registry(imported.get('main'))} };`,
          'globalThis.__aicrModule = (group, id) =>',
          "  (groups[group] ??= globalThis.__aicrLoadBundle('aicr-' + group + '.cjs'))[id]();",
          "require('./src/cli/main.ts');",
        ].join('\n')
      : `module.exports = ${registry(imported.get(group))};`;
  await build({
    ...mainOptions,
    stdin: { contents, resolveDir: root, sourcefile: `aicr-${group}-entry.js`, loader: 'js' },
    outfile: path.join(dist, `aicr-${group}.cjs`),
    plugins: [lazyChildProcessForCommander, crossGroup(group)],
  });
}
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
    // src/k8s/client.ts finds the Kubernetes client's exec authenticator by its class name.
    keepNames: pkgName === '@kubernetes/client-node',
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
// A cluster that refuses connections: the snapshot below loads the Kubernetes client (so that its code
// cache is written) and degrades with a warning.
writeFileSync(
  w('kubeconfig'),
  JSON.stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'c', cluster: { server: 'https://127.0.0.1:1' } }],
    users: [{ name: 'u', user: { token: 't' } }],
    contexts: [{ name: 'x', context: { cluster: 'c', user: 'u' } }],
    'current-context': 'x',
  }),
);
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
  ['snapshot', '--filter', 'k8s,topology', '-k', w('kubeconfig'), '-o', w('k.yaml')],
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
