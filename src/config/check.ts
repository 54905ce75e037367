/**
 * The fast check of an AICRConfig document, without zod: the same rules as `aicrConfigSchema`
 * (schema.ts), walked over the one table of settings. A well-formed file (the common case) is
 * accepted here; anything else goes through the zod schema, which names the first problem. A test
 * keeps the two in agreement.
 */
import { parseCriteriaValue, type CriteriaField } from '../model/criteria.js';
import {
  CONFIG_API_VERSIONS,
  CONFIG_COMMANDS,
  CONFIG_KIND,
  isLeaf,
  keyTree,
  type ConfigKey,
  type KeyTree,
} from './keys.js';

const isMap = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v);
const has = (o: object, k: string) => Object.prototype.hasOwnProperty.call(o, k);
const SCALARS = ['string', 'number', 'boolean'];

function leafOk(k: ConfigKey, v: unknown): boolean {
  switch (k.kind) {
    case 'string':
      return typeof v === 'string';
    case 'int':
      return typeof v === 'number' && Number.isSafeInteger(v) && v >= (k.min ?? 0);
    case 'bool':
      return typeof v === 'boolean';
    case 'list':
      return Array.isArray(v) && v.every((x) => typeof x === 'string');
    case 'map':
      return isMap(v) && Object.values(v).every((x) => SCALARS.includes(typeof x));
    case 'enum':
      return typeof v === 'string' && (k.values ?? []).includes(v);
    case 'criteria':
      if (typeof v !== 'string') return false;
      try {
        parseCriteriaValue(k.path.split('.').pop() as CriteriaField, v);
        return true;
      } catch {
        return false;
      }
  }
}

function objectOk(tree: KeyTree, v: unknown): boolean {
  if (v === null) return true;
  if (!isMap(v)) return false;
  for (const key of Object.keys(v)) {
    if (!has(tree, key)) return false;
    const node = tree[key];
    const x = v[key];
    if (x === undefined) continue;
    if (isLeaf(node) ? !leafOk(node, x) : !objectOk(node, x)) return false;
  }
  return true;
}

let tree: KeyTree | undefined;

/** Whether `doc` is a valid AICRConfig (same answer as aicrConfigSchema.safeParse(doc).success). */
export function configShapeOk(doc: unknown): boolean {
  if (!isMap(doc)) return false;
  if (Object.keys(doc).some((k) => !['kind', 'apiVersion', 'metadata', 'spec'].includes(k))) return false;
  if (doc.kind !== CONFIG_KIND) return false;
  if (!(CONFIG_API_VERSIONS as readonly unknown[]).includes(doc.apiVersion)) return false;
  const m = doc.metadata;
  if (m !== undefined && m !== null) {
    if (!isMap(m) || Object.keys(m).some((k) => k !== 'name')) return false;
    if (m.name !== undefined && typeof m.name !== 'string') return false;
  }
  const spec = doc.spec;
  if (!isMap(spec) || !CONFIG_COMMANDS.some((c) => spec[c] !== undefined)) return false;
  for (const c of Object.keys(spec)) {
    if (!(CONFIG_COMMANDS as readonly string[]).includes(c)) return false;
  }
  tree ??= keyTree();
  return CONFIG_COMMANDS.every((c) => spec[c] === undefined || objectOk(tree![c] as KeyTree, spec[c]));
}
