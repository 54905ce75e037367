/**
 * The bundle's generated text files as Go templates (`*.tmpl` next to this module), rendered by our
 * template engine (src/template) with shell and Markdown quoting functions. The build embeds the
 * files' text in the CLI bundle (scripts/build.mjs defines __AICR_BUNDLE_TEMPLATES__), so nothing
 * is read from disk at run time; from source (tests) they are read from this folder. Each template
 * is parsed once, on first use.
 */
import { readFileSync } from 'node:fs';
import { compileTemplate, type CompiledTemplate, type TemplateFunction } from '../../template/index.js';
import { mdText, scriptPath, shq } from '../shell.js';

declare const __AICR_BUNDLE_TEMPLATES__: Record<string, string> | undefined;

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

function source(file: string): string {
  if (typeof __AICR_BUNDLE_TEMPLATES__ !== 'undefined') {
    const text = __AICR_BUNDLE_TEMPLATES__[file];
    if (text !== undefined) return text;
  }
  return readFileSync(new URL(`./${file}.tmpl`, import.meta.url), 'utf8');
}

const compiled = new Map<BundleTemplate, CompiledTemplate>();

/** Renders one of the bundle's templates with `data` as `.`. */
export function renderBundleTemplate(name: BundleTemplate, data: unknown): string {
  let t = compiled.get(name);
  if (!t) {
    t = compileTemplate(source(SHARED[name]) + source(name), { name: `${name}.tmpl`, funcs: FUNCS });
    compiled.set(name, t);
  }
  return t.render(data);
}
