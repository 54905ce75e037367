/**
 * The AICRConfig document as a zod schema, built from the one table of settings (keys.ts): every
 * object is strict (an unknown key is an error), every section optional but at least one present.
 * `aicrConfigSchema` is the single source of truth the JSON Schema is generated from.
 */
import { z } from 'zod';
import { parseCriteriaValue, type CriteriaField } from '../model/criteria.js';
import { CONFIG_COMMANDS, CONFIG_KEYS, type ConfigKey } from './keys.js';

export const CONFIG_KIND = 'AICRConfig';
export const CONFIG_API_VERSION = 'aicr.run/v1beta1';
/** Accepted on input: the current version and the reference's earlier one (same shape). */
export const CONFIG_API_VERSIONS = [CONFIG_API_VERSION, 'aicr.run/v1alpha2'] as const;

/** A nested map of keys: a leaf is a table row, an inner node the keys below it. */
export interface KeyTree {
  [key: string]: KeyTree | ConfigKey;
}
export const isLeaf = (n: KeyTree | ConfigKey): n is ConfigKey => typeof (n as ConfigKey).flag === 'string';

/** The keys below `spec`, as a tree: `tree.bundle.deployment.set` is the row of `--set`. */
export function keyTree(): KeyTree {
  const root: KeyTree = {};
  for (const c of CONFIG_COMMANDS) root[c] = {};
  for (const k of CONFIG_KEYS) {
    const parts = k.path.split('.');
    let node = root[k.command] as KeyTree;
    for (const p of parts.slice(0, -1)) node = (node[p] ??= {}) as KeyTree;
    node[parts[parts.length - 1]] = k;
  }
  return root;
}

const scalarText = z.union([z.string(), z.number(), z.boolean()]).transform((v) => String(v));

function leafSchema(k: ConfigKey): z.ZodTypeAny {
  const d = (s: z.ZodTypeAny) => s.describe(`${k.help} (flag --${k.flag})`);
  switch (k.kind) {
    case 'string':
      return d(z.string());
    case 'int':
      return d(
        z
          .number()
          .int()
          .min(k.min ?? 0)
          .max(Number.MAX_SAFE_INTEGER),
      );
    case 'bool':
      return d(z.boolean());
    case 'list':
      return d(z.array(z.string()));
    case 'map':
      return d(z.record(z.string(), scalarText));
    case 'enum':
      return d(z.enum(k.values as [string, ...string[]]));
    case 'criteria': {
      const field = k.path.split('.').pop() as CriteriaField;
      return d(
        z.string().superRefine((v, ctx) => {
          try {
            parseCriteriaValue(field, v);
          } catch (err) {
            ctx.addIssue({ code: z.ZodIssueCode.custom, message: (err as Error).message });
          }
        }),
      );
    }
  }
}

function objectSchema(tree: KeyTree): z.ZodTypeAny {
  const shape: Record<string, z.ZodTypeAny> = {};
  for (const [key, node] of Object.entries(tree)) {
    shape[key] = (isLeaf(node) ? leafSchema(node) : objectSchema(node)).optional();
  }
  // A section or group written with nothing under it (`recipe:` in YAML) is null: nothing set.
  return z.object(shape).strict().nullable();
}

const tree = keyTree();
const specShape: Record<string, z.ZodTypeAny> = {};
for (const c of CONFIG_COMMANDS) {
  specShape[c] = objectSchema(tree[c] as KeyTree)
    .optional()
    .describe(`settings of aicr ${c} (its flags)`);
}

/** The AICRConfig document. */
export const aicrConfigSchema = z
  .object({
    kind: z.literal(CONFIG_KIND),
    apiVersion: z.enum(CONFIG_API_VERSIONS),
    metadata: z.object({ name: z.string().optional() }).strict().nullable().optional(),
    spec: z
      .object(specShape)
      .strict()
      .refine((s) => CONFIG_COMMANDS.some((c) => s[c] !== undefined), {
        message: `must have at least one of ${CONFIG_COMMANDS.join(', ')}`,
      }),
  })
  .strict()
  .describe('aicr configuration file: defaults for the flags of snapshot, recipe, bundle and validate');

export type AicrConfig = {
  kind: typeof CONFIG_KIND;
  apiVersion: string;
  metadata?: { name?: string } | null;
  spec: Partial<Record<(typeof CONFIG_COMMANDS)[number], Record<string, unknown> | null>>;
};
