/**
 * The bundle's generated text files as Go templates (`*.tmpl` next to this module), rendered by our
 * template engine (src/template) with shell and Markdown quoting functions. The build writes their
 * texts and parses to dist/bundle-templates.json (precompileBundleTemplates), read by `bundle` on
 * first use, so the built CLI neither carries them in its start-up code nor parses them at run time;
 * from source (tests) they are read from this folder and each is parsed once, on first use.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  compileTemplate,
  deserializeParse,
  parseForCache,
  serializeParse,
  type CompiledTemplate,
  type TemplateFunction,
} from '../../template/index.js';
import { mdText, scriptPath, shq } from '../shell.js';

/** Next to the built CLI: the templates' texts and parses (written by precompileBundleTemplates). */
export const BUILT_FILE = 'bundle-templates.json';

export type BundleTemplate =
  'deploy.sh' | 'undeploy.sh' | 'README.md' | 'component-README.md' | 'argocd-README.md';

/** Templates whose `define`s the others use (compiled in front of them). */
const SHARED: Record<BundleTemplate, string> = {
  'deploy.sh': 'shared.sh',
  'undeploy.sh': 'shared.sh',
  'README.md': 'shared.md',
  'component-README.md': 'shared.md',
  'argocd-README.md': 'shared.md',
};

/** Quoting helpers the templates call: values reach shell and Markdown text only through them. */
const FUNCS: Record<string, TemplateFunction> = {
  /** One bash word (single-quoted, or `$'…'` with control characters). */
  shq: (s) => shq(String(s)),
  /** A list as bash words separated by spaces. */
  words: (list) => (list as unknown[]).map((s) => shq(String(s))).join(' '),
  /** `"${SCRIPT_DIR}"/<quoted relative path>`. */
  scriptPath: (rel) => scriptPath(String(rel)),
  /** Input text shown in Markdown outside code blocks. */
  md: (s) => mdText(String(s)),
  /** Input text in a Markdown table cell. */
  cell: (s) => mdText(String(s)).replace(/\|/g, '\\|'),
};

/** What the build wrote to dist/bundle-templates.json: the templates' texts and parses (JSON text). */
interface BuiltTemplates {
  texts: Record<string, string>;
  parses: Record<string, string>;
}

let built: BuiltTemplates | null | undefined;

/** dist/bundle-templates.json in the built CLI (read on first use); null from source (tests). */
function builtTemplates(): BuiltTemplates | null {
  if (built === undefined) {
    built = null;
    const dist = globalThis.__AICR_DIST_DIR;
    if (dist) {
      try {
        built = JSON.parse(readFileSync(path.join(dist, BUILT_FILE), 'utf8')) as BuiltTemplates;
      } catch {
        built = null;
      }
    }
  }
  return built;
}

function source(file: string): string {
  const text = builtTemplates()?.texts[file];
  if (text !== undefined) return text;
  return readFileSync(new URL(`./${file}.tmpl`, import.meta.url), 'utf8');
}

const compiled = new Map<BundleTemplate, CompiledTemplate>();

/** Renders one of the bundle's templates with `data` as `.`. */
export function renderBundleTemplate(name: BundleTemplate, data: unknown): string {
  let t = compiled.get(name);
  if (!t) {
    const parse = builtTemplates()?.parses[name];
    t = compileTemplate(source(SHARED[name]) + source(name), {
      name: `${name}.tmpl`,
      funcs: FUNCS,
      parsed: parse === undefined ? undefined : deserializeParse(parse),
    });
    compiled.set(name, t);
  }
  return t.render(data);
}

/**
 * The build's step (scripts/build.mjs): the contents of dist/bundle-templates.json, with each
 * bundle template parsed once, so that the CLI does not parse them at run time. `texts` are the
 * `.tmpl` files' texts by file name (without `.tmpl`).
 */
export function precompileBundleTemplates(texts: Record<string, string>): string {
  const parses: Record<string, string> = {};
  for (const [name, shared] of Object.entries(SHARED)) {
    const text = texts[shared]! + texts[name]!;
    parses[name] = serializeParse(parseForCache(text, { name: `${name}.tmpl`, funcs: FUNCS }));
  }
  return JSON.stringify({ texts, parses } satisfies BuiltTemplates);
}
