/**
 * Rendering a component's `manifestFiles`: Helm-style Go templates read from the catalog
 * (`source.text(path)`), executed with
 *   .Values   = { <component>: <final values> } (plus the legacy Skyhook name for Nodewright
 *               components, so reference-format templates keep working)
 *   .Release  = { Name: <component>, Namespace: <namespace>, Service: "Helm" }
 *   .Chart    = { Name: <chart or component>, Version: <version without "v", "0.1.0" if empty> }
 * Files are processed in sorted path order and written as `manifests/<basename>`. A rendered file
 * with no YAML content line (only blanks, comments and `---`) is skipped. Every rendered file is
 * parsed back as YAML; a parse error fails the component, naming the file.
 */
import { AicrError, invalid } from '../errors/index.js';
import { BAIL, fastYaml, yamlLibrary } from '../io/document-yaml.js';
import type { DataSource } from '../catalog/source.js';
import { canonicalComponentName, legacyNamesOf } from '../catalog/legacy.js';
import type { PlainMap } from '../util/objects.js';
import type { PlannedComponent } from './components.js';
import { hasManifestContent } from '../template/index.js';
import { bareVersion } from './helm/chart.js';

/** Renders template `text` (named `name` in errors) with `data`. */
export type TemplateRenderer = (name: string, text: string, data: PlainMap) => string;

export interface RenderedManifest {
  /** File name under `manifests/`. */
  file: string;
  /** Catalog path of the template. */
  from: string;
  content: string;
}

export function templateData(c: PlannedComponent, values: PlainMap): PlainMap {
  const byName: PlainMap = { [c.name]: values };
  const canonical = canonicalComponentName(c.name);
  for (const alias of [canonical, ...legacyNamesOf(canonical)])
    if (!(alias in byName)) byName[alias] = values;
  return {
    Values: byName,
    Release: { Name: c.name, Namespace: c.namespace, Service: 'Helm' },
    Chart: { Name: c.chart, Version: bareVersion(c.version) || '0.1.0' },
  };
}

function basename(p: string): string {
  return p.slice(p.lastIndexOf('/') + 1);
}

/** A `---` line (with an optional comment): the documents of a stream end there, block scalars too. */
const DOCUMENT_START = /^---[ \t]*(?:#.*)?$/m;

/**
 * Whether every document of a rendered stream is plain block YAML that the reader's fast path
 * (src/io/document-yaml.ts) takes, or has no content: such a stream is valid YAML without the `yaml`
 * library's full parse. Anything else (block scalars, flow style, anchors, …) goes to that parse.
 */
function plainBlockYaml(text: string): boolean {
  return text.split(DOCUMENT_START).every((doc) => !hasManifestContent(doc) || fastYaml(doc) !== BAIL);
}

export async function renderManifests(
  source: DataSource,
  c: PlannedComponent,
  values: PlainMap,
  render: TemplateRenderer,
): Promise<RenderedManifest[]> {
  const paths = [...(c.ref.manifestFiles ?? [])].sort();
  if (paths.length === 0) return [];
  const seen = new Map<string, string>();
  for (const p of paths) {
    const b = basename(p);
    if (seen.has(b) && seen.get(b) !== p)
      throw invalid(`manifestFiles ${seen.get(b)} and ${p} would both be written as manifests/${b}`);
    seen.set(b, p);
  }
  const data = templateData(c, values);
  const out: RenderedManifest[] = [];
  for (const p of [...new Set(paths)]) {
    const where = `manifest ${p}`;
    let text: string;
    try {
      text = source.text(p);
    } catch (err) {
      throw new AicrError(err instanceof AicrError ? err.code : 'NOT_FOUND', `${where}: cannot read it`, err);
    }
    let rendered: string;
    try {
      rendered = render(p, text, data);
    } catch (err) {
      throw new AicrError(
        err instanceof AicrError ? err.code : 'INTERNAL',
        `${where}: template rendering failed`,
        err,
      );
    }
    if (!hasManifestContent(rendered)) continue;
    if (!plainBlockYaml(rendered)) {
      // The yaml library is loaded only here, for what the fast path does not take.
      for (const doc of yamlLibrary().parseAllDocuments(rendered)) {
        if (doc.errors.length) {
          throw invalid(`${where}: rendered text is not valid YAML: ${doc.errors[0].message.split('\n')[0]}`);
        }
      }
    }
    out.push({ file: basename(p), from: p, content: rendered.endsWith('\n') ? rendered : rendered + '\n' });
  }
  return out;
}
