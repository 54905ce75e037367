#!/usr/bin/env node
// The layer rule of src/ (README "Layout"), checked without dependencies; run by `npm run lint`.
//
//   errors, version ← util ← telemetry ← logging ← io ← model ← k8s ← domain ← commands ← cli
//
// A module may import modules of its own folder and of folders in lower layers only; the domain folders
// are ordered among themselves (template, catalog, collector, constraint, diff, policy, config ← snapshot,
// recipe, schema ← bundle).
// cli/ only wires flags to commands/: it may not import k8s/ or the domain folders. The one exception is
// the composition root, src/cli/main.ts, which registers implementations (the Kubernetes ConfigMap store)
// behind the interfaces of lower layers. Import cycles between files are refused as well, type-only
// imports included. Every static, dynamic (`import('…')`) and re-export specifier counts.
//
// Usage: node scripts/check-layers.mjs [--root DIR]   (DIR holds src/; default: this repository)
// Exit 0 when the rule holds, 1 with one line per violation otherwise.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Layers, lowest first; folders in one entry are peers and may not import each other. */
export const LAYERS = [
  ['errors', 'version'],
  ['util'],
  ['telemetry'],
  ['logging'],
  ['io'],
  ['model'],
  ['k8s'],
  ['template', 'catalog', 'collector', 'constraint', 'diff', 'policy', 'config'],
  ['snapshot', 'recipe', 'schema'],
  ['bundle'],
  ['commands'],
  ['cli'],
];

/** Folders a folder may not import although they are lower. */
export const FORBIDDEN = {
  cli: [
    'k8s',
    'template',
    'catalog',
    'collector',
    'constraint',
    'diff',
    'snapshot',
    'recipe',
    'bundle',
    'schema',
    'policy',
    'config',
  ],
};

/** Files exempt from the folder rule (never from the cycle check). */
export const COMPOSITION_ROOTS = ['src/cli/main.ts'];

const RANK = new Map(LAYERS.flatMap((folders, i) => folders.map((f) => [f, i])));
const RULE = LAYERS.map((l) => l.join(', ')).join(' ← ');

function listSources(dir) {
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    const abs = path.join(dir, name);
    if (statSync(abs).isDirectory()) out.push(...listSources(abs));
    else if (name.endsWith('.ts') && !name.endsWith('.test.ts') && !name.endsWith('.d.ts')) out.push(abs);
  }
  return out;
}

/** Relative import specifiers of a module: static imports, re-exports, side-effect and dynamic imports. */
export function importSpecifiers(text) {
  const code = text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
  const specs = [];
  const patterns = [
    /^\s*(?:import|export)\b[^;'"]*?\bfrom\s*['"]([^'"]+)['"]/gm,
    /^\s*import\s*['"]([^'"]+)['"]/gm,
    /\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g,
  ];
  for (const re of patterns) for (const m of code.matchAll(re)) specs.push(m[1]);
  return specs.filter((s) => s.startsWith('.'));
}

/** The import graph of `root`/src: repository-relative paths (posix) → the paths they import. */
export function importGraph(root) {
  const src = path.join(root, 'src');
  const graph = new Map();
  for (const abs of listSources(src)) {
    const rel = path.relative(root, abs).split(path.sep).join('/');
    const targets = [];
    for (const spec of importSpecifiers(readFileSync(abs, 'utf8'))) {
      const t = path.posix.normalize(path.posix.join(path.posix.dirname(rel), spec)).replace(/\.js$/, '.ts');
      targets.push(t);
    }
    graph.set(rel, [...new Set(targets)]);
  }
  return graph;
}

const folderOf = (rel) => rel.split('/')[1];

/** Import cycles: strongly connected components of more than one file, or a file importing itself. */
export function findCycles(graph) {
  let index = 0;
  const idx = new Map();
  const low = new Map();
  const stack = [];
  const onStack = new Set();
  const cycles = [];
  const visit = (v) => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!graph.has(w)) continue;
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v), low.get(w)));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v), idx.get(w)));
    }
    if (low.get(v) === idx.get(v)) {
      const comp = [];
      let w;
      do {
        w = stack.pop();
        onStack.delete(w);
        comp.push(w);
      } while (w !== v);
      if (comp.length > 1 || (graph.get(v) ?? []).includes(v)) cycles.push(comp.sort());
    }
  };
  for (const v of [...graph.keys()].sort()) if (!idx.has(v)) visit(v);
  return cycles;
}

/** One message per import that breaks the folder rule. */
export function findViolations(graph) {
  const out = [];
  for (const [file, targets] of graph) {
    const from = folderOf(file);
    if (COMPOSITION_ROOTS.includes(file)) continue;
    if (!RANK.has(from)) {
      out.push(
        `${file}: folder src/${from}/ has no place in the layer rule (scripts/check-layers.mjs LAYERS)`,
      );
      continue;
    }
    for (const t of targets) {
      const to = folderOf(t);
      if (!t.startsWith('src/') || to === from) continue;
      if (!RANK.has(to)) {
        out.push(`${file} imports ${t}: folder src/${to}/ has no place in the layer rule`);
      } else if (RANK.get(to) >= RANK.get(from)) {
        const why = RANK.get(to) === RANK.get(from) ? 'a peer of' : 'above';
        out.push(`${file} imports ${t}: src/${to}/ is ${why} src/${from}/ in the layer rule`);
      } else if (FORBIDDEN[from]?.includes(to)) {
        out.push(
          `${file} imports ${t}: src/${from}/ may not import src/${to}/ (it goes through src/commands/)`,
        );
      }
    }
  }
  return out.sort();
}

export function checkLayers(root) {
  const graph = importGraph(root);
  return [
    ...findViolations(graph).map((m) => `layer violation: ${m}`),
    ...findCycles(graph).map((c) => `import cycle: ${c.join(' ↔ ')}`),
  ];
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const i = process.argv.indexOf('--root');
  const root =
    i > 0
      ? path.resolve(process.argv[i + 1])
      : path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
  const problems = checkLayers(root);
  for (const p of problems) console.error(p);
  if (problems.length) {
    console.error(
      `check-layers: ${problems.length} problem(s); the layer rule (README.md "Layout"): ${RULE}`,
    );
    process.exit(1);
  }
}
