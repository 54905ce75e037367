#!/usr/bin/env node
// Build: precompile the embedded catalog (recipes/ -> dist/catalog-*.json) and bundle the CLI with esbuild.
// Version, commit and date are injected here; the date is the commit date so builds are reproducible.
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync, mkdirSync, chmodSync } from 'node:fs';
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

await build({
  entryPoints: { aicr: path.join(root, 'src/cli/main.ts') },
  outdir: dist,
  outExtension: { '.js': '.mjs' },
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  minify: true,
  legalComments: 'none',
  chunkNames: 'chunks/[name]-[hash]',
  banner: {
    js: "#!/usr/bin/env node\nimport{createRequire as __aicrCreateRequire}from'node:module';const require=__aicrCreateRequire(import.meta.url);",
  },
  define: {
    __AICR_VERSION__: JSON.stringify(version),
    __AICR_COMMIT__: JSON.stringify(commit),
    __AICR_DATE__: JSON.stringify(date),
  },
  logLevel: 'warning',
});
chmodSync(path.join(dist, 'aicr.mjs'), 0o755);
process.stderr.write(
  `built dist/aicr.mjs (version ${version}, commit ${commit}, date ${date}); catalog: ${catalog.files} files\n`,
);
