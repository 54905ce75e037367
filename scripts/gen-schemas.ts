#!/usr/bin/env -S node --import tsx
// Generates the published JSON Schemas (draft 2020-12) from the zod schemas the code validates with
// (src/schema/registry.ts) into schemas/v1/<kind>.json. `npm run schemas` writes them; `--check` exits 1
// when a committed file differs (test/schema/schemas.test.ts runs the same comparison).
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { zodToJsonSchema } from 'zod-to-json-schema';
import {
  JSON_SCHEMA_DIALECT,
  SCHEMA_KINDS,
  schemaFile,
  schemaId,
  type SchemaKind,
} from '../src/schema/registry.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const SCHEMA_DIR = path.join(root, 'schemas', 'v1');

/**
 * zod-to-json-schema emits draft 2019-09; for what our schemas use (objects, arrays without tuples,
 * anyOf, enum, const) 2019-09 and 2020-12 mean the same, so only the dialect is replaced.
 * Integers beyond 2^53 (zod bigint) are JSON integers: the bigint alternative's `format: int64` is dropped.
 */
function adapt(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(adapt);
  if (node === null || typeof node !== 'object') return node;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(node)) {
    if (k === 'format' && v === 'int64') continue;
    out[k] = adapt(v);
  }
  // `number` already admits integers (zod's bigint alternative of a reading).
  if (Array.isArray(out.type) && out.type.includes('number')) {
    out.type = out.type.filter((t) => t !== 'integer');
  }
  // anyOf of identical alternatives (integer | bigint-as-integer) collapses to one.
  if (Array.isArray(out.anyOf)) {
    const seen = new Map<string, unknown>();
    for (const alt of out.anyOf) seen.set(JSON.stringify(alt), alt);
    if (seen.size === 1 && Object.keys(out).length === 1) return [...seen.values()][0];
    out.anyOf = [...seen.values()];
  }
  return out;
}

/** The JSON Schema of one kind, as an object. */
export function jsonSchemaOf(k: SchemaKind): Record<string, unknown> {
  const body = zodToJsonSchema(k.schema, {
    target: 'jsonSchema2019-09',
    $refStrategy: 'none',
    effectStrategy: 'input',
    removeAdditionalStrategy: 'passthrough',
  }) as Record<string, unknown>;
  delete body.$schema;
  return adapt({
    $schema: JSON_SCHEMA_DIALECT,
    $id: schemaId(k),
    title: k.kind,
    description: k.description,
    ...body,
  }) as Record<string, unknown>;
}

/** file name → text of every published schema (2-space JSON, trailing newline). */
export function generateSchemas(): Map<string, string> {
  return new Map(SCHEMA_KINDS.map((k) => [schemaFile(k), JSON.stringify(jsonSchemaOf(k), null, 2) + '\n']));
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const check = process.argv.includes('--check');
  let drift = 0;
  mkdirSync(SCHEMA_DIR, { recursive: true });
  for (const [file, text] of generateSchemas()) {
    const target = path.join(SCHEMA_DIR, file);
    let old = '';
    try {
      old = readFileSync(target, 'utf8');
    } catch {
      /* new */
    }
    if (old === text) continue;
    drift++;
    if (check) process.stderr.write(`schemas/v1/${file} is out of date: run npm run schemas\n`);
    else writeFileSync(target, text);
  }
  if (check && drift > 0) process.exit(1);
  if (!check) process.stderr.write(`schemas/v1: ${drift} file(s) written\n`);
}
