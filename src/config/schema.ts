/**
 * The AICRConfig document as a zod schema, built from the one table of settings (keys.ts): every
 * object is strict (an unknown key is an error), every section optional but at least one present.
 * `aicrConfigSchema` is the single source of truth the JSON Schema is generated from.
 */
import { z } from 'zod';
import { parseCriteriaValue, type CriteriaField } from '../model/criteria.js';
import {
  CONFIG_API_VERSION,
  CONFIG_API_VERSIONS,
  CONFIG_COMMANDS,
  CONFIG_KIND,
  isLeaf,
  keyTree,
  type ConfigKey,
  type KeyTree,
} from './keys.js';

export { CONFIG_API_VERSION, CONFIG_API_VERSIONS, CONFIG_KIND, isLeaf, keyTree, type KeyTree };

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

export type { AicrConfig } from './keys.js';
