/**
 * `aicr schema`: print, list or write the published JSON Schemas (draft 2020-12) of aicr's documents.
 */
import { mkdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { invalid } from '../errors/index.js';
import { toYaml } from '../io/serialize.js';
import { writeFileSafe } from '../io/writer.js';
import { schemaText } from '../schema/embedded.js';
import {
  findSchemaKind,
  SCHEMA_KINDS,
  schemaFile,
  schemaId,
  schemaKindNames,
  type SchemaKind,
} from '../schema/registry.js';
import { escapeControl } from '../util/escape.js';
import { writeStderr, writeStdout } from '../util/stdio.js';

export const SCHEMA_FORMATS = ['json', 'yaml'] as const;
export type SchemaFormat = (typeof SCHEMA_FORMATS)[number];

export interface SchemaRequest {
  kind?: string;
  format?: string;
  list?: boolean;
  outputDir?: string;
}

function parseSchemaFormat(value: string | undefined): SchemaFormat {
  const v = (value ?? 'json').toLowerCase();
  if ((SCHEMA_FORMATS as readonly string[]).includes(v)) return v as SchemaFormat;
  throw invalid(
    `invalid --format "${escapeControl(value ?? '')}": must be one of: ${SCHEMA_FORMATS.join(', ')}`,
  );
}

function lookup(name: string): SchemaKind {
  const row = findSchemaKind(name);
  if (!row) {
    throw invalid(
      `unknown schema kind "${escapeControl(name)}": must be one of: ${schemaKindNames().join(', ')} (case-insensitive)`,
    );
  }
  return row;
}

/** The schema of `k` in `format`. */
export function renderSchema(k: SchemaKind, format: SchemaFormat): string {
  const text = schemaText(k);
  return format === 'json' ? text : toYaml(JSON.parse(text));
}

/** The `--list` table: kind, file, $id, description. */
function renderList(): string {
  const rows = SCHEMA_KINDS.map((k) => [k.kind, schemaId(k), k.description]);
  const w0 = Math.max('KIND'.length, ...rows.map((r) => r[0].length));
  const w1 = Math.max('ID'.length, ...rows.map((r) => r[1].length));
  const line = (r: string[]) => `${r[0].padEnd(w0)}  ${r[1].padEnd(w1)}  ${r[2]}`.trimEnd();
  return [line(['KIND', 'ID', 'DESCRIPTION']), ...rows.map(line)].join('\n') + '\n';
}

export async function runSchema(req: SchemaRequest): Promise<void> {
  const format = parseSchemaFormat(req.format);
  const modes = [req.kind !== undefined, !!req.list, req.outputDir !== undefined].filter(Boolean).length;
  if (modes !== 1) {
    throw invalid(
      modes === 0
        ? `give a schema kind (one of: ${schemaKindNames().join(', ')}), --list or --output-dir DIR`
        : 'give only one of: a schema kind, --list, --output-dir DIR',
    );
  }
  if (req.list) {
    writeStdout(renderList());
    return;
  }
  if (req.kind !== undefined) {
    writeStdout(renderSchema(lookup(req.kind), format));
    return;
  }
  const dir = req.outputDir!;
  if (dir === '' || /^[a-z][a-z0-9+.-]*:\/\//i.test(dir)) {
    throw invalid(`--output-dir "${escapeControl(dir)}" must be a local folder`);
  }
  await mkdir(dir, { recursive: true });
  if (!(await stat(dir)).isDirectory()) throw invalid(`--output-dir ${escapeControl(dir)} is not a folder`);
  for (const k of SCHEMA_KINDS) {
    const file = format === 'json' ? schemaFile(k) : schemaFile(k).replace(/\.json$/, '.yaml');
    await writeFileSafe(path.join(dir, file), renderSchema(k, format));
  }
  writeStderr(`wrote ${SCHEMA_KINDS.length} schemas to ${escapeControl(dir)}\n`);
}
