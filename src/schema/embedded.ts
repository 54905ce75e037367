/**
 * The published JSON Schemas' text. The build copies schemas/v1/*.json into dist/schemas.json (file
 * name → text) next to the CLI, read by the commands that use them (not part of the start-up code);
 * from source (tests) they are read from schemas/v1 in the repository.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { AicrError } from '../errors/index.js';
import { SCHEMA_KINDS, schemaFile, type SchemaKind } from './registry.js';

let embedded: Record<string, string> | undefined;

function all(): Record<string, string> {
  if (embedded) return embedded;
  const dist = globalThis.__AICR_DIST_DIR;
  if (dist) {
    embedded = JSON.parse(readFileSync(path.join(dist, 'schemas.json'), 'utf8')) as Record<string, string>;
  } else {
    embedded = {};
    for (const k of SCHEMA_KINDS) {
      const file = schemaFile(k);
      embedded[file] = readFileSync(new URL(`../../schemas/v1/${file}`, import.meta.url), 'utf8');
    }
  }
  return embedded;
}

/** The published JSON Schema of `k` as JSON text (2-space indentation, trailing newline). */
export function schemaText(k: SchemaKind): string {
  const text = all()[schemaFile(k)];
  if (text === undefined) {
    // A row without its generated file: a build from a tree where `npm run schemas` was not run.
    throw new AicrError(
      'INTERNAL',
      `no published schema for kind ${k.kind} in this build: run npm run schemas and rebuild`,
    );
  }
  return text;
}
