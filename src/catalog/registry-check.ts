/**
 * Structural checks of an external `registry.yaml` (`--data DIR`), before the schema check: it must be a
 * mapping, its kind (when given) ComponentRegistry, its components a list of mappings with unique names.
 * Any failure is bad input (exit 2) naming the file: a broken registry is never silently skipped.
 */
import { invalid } from '../errors/index.js';
import { canonicalComponentName } from './legacy.js';

export const REGISTRY_KIND = 'ComponentRegistry';

export function checkExternalRegistry(raw: unknown, source: string): void {
  if (raw === null || raw === undefined) {
    throw invalid(`${source} is empty: expected a document of kind ${REGISTRY_KIND} with a components list`);
  }
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    throw invalid(`${source}: expected a mapping of kind ${REGISTRY_KIND}, got ${describe(raw)}`);
  }
  const doc = raw as Record<string, unknown>;
  if (doc.kind !== undefined && doc.kind !== REGISTRY_KIND) {
    throw invalid(`${source}: kind must be ${REGISTRY_KIND}, got ${JSON.stringify(doc.kind)}`);
  }
  if (doc.components === undefined || doc.components === null) return;
  if (!Array.isArray(doc.components)) {
    throw invalid(`${source}: components must be a list, got ${describe(doc.components)}`);
  }
  const seen = new Map<string, number>();
  doc.components.forEach((c: unknown, i: number) => {
    if (c === null || typeof c !== 'object' || Array.isArray(c)) {
      throw invalid(`${source}: components[${i}] must be a mapping, got ${describe(c)}`);
    }
    const name = (c as Record<string, unknown>).name;
    if (typeof name !== 'string' || name === '') return; // the schema check names this field
    const key = canonicalComponentName(name);
    const first = seen.get(key);
    if (first !== undefined) {
      throw invalid(
        `${source}: duplicate component name "${name}" (components[${first}] and components[${i}]); names must be unique`,
      );
    }
    seen.set(key, i);
  });
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  return `${typeof v} ${JSON.stringify(v)}`;
}
