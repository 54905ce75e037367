/**
 * The published JSON Schemas (draft 2020-12) of every document aicr reads or writes: one row per kind,
 * each naming the zod schema the code validates with. `scripts/gen-schemas.ts` turns the rows into
 * `schemas/v1/<file>.json` (committed; a test fails on drift), the build embeds those files in the CLI
 * (`aicr schema`), and `aicr validate --schema v1` checks documents with the same zod schemas.
 *
 * A new document kind is one more row in SCHEMA_KINDS (then `npm run schemas`).
 */
import { z } from 'zod';
import { criteriaFileSchema, recipeResultSchema, snapshotSchema } from '../model/schema.js';
import { ACCEPTED_API_VERSIONS } from '../model/snapshot.js';
import { diffDocumentSchema, fleetReportSchema } from '../model/reports.js';
import { validationResultSchema } from '../model/validation-result.js';
import { aicrConfigSchema } from '../config/schema.js';

export const SCHEMA_VERSIONS = ['v1'] as const;
export type SchemaVersion = (typeof SCHEMA_VERSIONS)[number];
export const SCHEMA_BASE_URL = 'https://aicr.run/schemas/v1/';
export const JSON_SCHEMA_DIALECT = 'https://json-schema.org/draft/2020-12/schema';

export interface SchemaKind {
  /** The document's `kind`, as written. */
  kind: string;
  /** Other `kind` values read as this one (e.g. the reference's `Recipe`). */
  aliases?: readonly string[];
  /** What the document is, for `aicr schema --list` and the schema's description. */
  description: string;
  /** The zod schema the code validates the document with; the JSON Schema is generated from it. */
  schema: z.ZodTypeAny;
}

const apiVersion = z.enum(ACCEPTED_API_VERSIONS as [string, ...string[]]);

/** Every published kind, sorted by kind. */
export const SCHEMA_KINDS: readonly SchemaKind[] = [
  {
    kind: 'AICRConfig',
    description:
      'The configuration file (`--config`, `$AICR_CONFIG`, `~/.config/aicr/config.yaml`): settings per command',
    schema: aicrConfigSchema,
  },
  {
    kind: 'FleetReport',
    description:
      'What a fleet snapshot (`aicr snapshot --deploy-agent --workers N`) found: majority readings, deviations, failed nodes',
    schema: fleetReportSchema.extend({ apiVersion }),
  },
  {
    kind: 'RecipeCriteria',
    description:
      'A criteria file for `aicr recipe --criteria`: service, accelerator, intent, os, platform, nodes',
    schema: criteriaFileSchema.extend({ kind: z.literal('RecipeCriteria'), apiVersion }),
  },
  {
    kind: 'RecipeResult',
    aliases: ['Recipe'],
    description: 'A recipe, as `aicr recipe` writes it and validate, bundle and query read it',
    schema: recipeResultSchema.extend({ kind: z.enum(['RecipeResult', 'Recipe']), apiVersion }),
  },
  {
    kind: 'Snapshot',
    description: 'Measurements of a node and its cluster, as `aicr snapshot` writes them',
    schema: snapshotSchema.extend({ kind: z.literal('Snapshot'), apiVersion }),
  },
  {
    kind: 'SnapshotDiff',
    aliases: ['RecipeResultDiff', 'ValidationResultDiff', 'FleetReportDiff'],
    description: 'The change list of `aicr diff --format json|yaml` (SnapshotDiff and the other *Diff kinds)',
    schema: diffDocumentSchema.extend({ apiVersion }),
  },
  {
    kind: 'ValidationResult',
    description: 'The outcome of `aicr validate`: constraint results, summary and policy messages',
    schema: validationResultSchema.extend({ apiVersion }),
  },
];

/** The schema's file name and `$id` stem: the kind in lower case (`snapshot.json`). */
export const schemaFile = (k: SchemaKind): string => `${k.kind.toLowerCase()}.json`;
export const schemaId = (k: SchemaKind): string => SCHEMA_BASE_URL + schemaFile(k);

/** The row for `name` (case-insensitive, aliases included), or undefined. */
export function findSchemaKind(name: string): SchemaKind | undefined {
  const n = name.toLowerCase();
  return SCHEMA_KINDS.find(
    (k) => k.kind.toLowerCase() === n || k.aliases?.some((a) => a.toLowerCase() === n),
  );
}

export const schemaKindNames = (): string[] => SCHEMA_KINDS.map((k) => k.kind);
