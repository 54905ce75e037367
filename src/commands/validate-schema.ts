/**
 * `aicr validate --schema v1 FILE…`: every document checked against the published JSON Schema of its
 * kind (detected from its `kind` field). One line per document on stdout (`ok` or `invalid` with the
 * kind), then one line per problem naming the JSON path and what was expected; exit 2 when any
 * document is invalid, after all were checked.
 */
import { invalid } from '../errors/index.js';
import { readDocument } from '../io/reader.js';
import { displayLocation } from '../io/uri.js';
import { checkDocumentSchema } from '../schema/check.js';
import { SCHEMA_VERSIONS, schemaId } from '../schema/registry.js';
import { escapeControl } from '../util/escape.js';
import { writeStdout } from '../util/stdio.js';

export interface SchemaValidateRequest {
  version: string;
  files: readonly string[];
  kubeconfig?: string;
}

export async function runSchemaValidate(req: SchemaValidateRequest): Promise<void> {
  if (!(SCHEMA_VERSIONS as readonly string[]).includes(req.version)) {
    throw invalid(
      `invalid --schema "${escapeControl(req.version)}": must be one of: ${SCHEMA_VERSIONS.join(', ')}`,
    );
  }
  if (req.files.length === 0) throw invalid('--schema v1 needs one or more documents to check (FILE…)');
  if (req.files.filter((f) => f === '-').length > 1) throw invalid('stdin ("-") can be given only once');
  const bad: string[] = [];
  for (const file of req.files) {
    const { doc } = await readDocument(file, {
      what: 'document',
      kinds: ['snapshot', 'recipe', 'validation', 'criteria', 'fleet'],
      kubeconfig: req.kubeconfig,
    });
    const shown = escapeControl(file === '-' ? 'stdin' : displayLocation(file));
    const res = checkDocumentSchema(doc);
    const against = res.row ? ` ${res.kind ?? ''} (${schemaId(res.row)})` : '';
    if (res.problems.length === 0) {
      writeStdout(`${shown}: ok${against}\n`);
      continue;
    }
    bad.push(shown);
    const n = res.problems.length;
    writeStdout(
      `${shown}: invalid${against}: ${n} problem${n === 1 ? '' : 's'}\n` +
        res.problems.map((p) => `  ${p}\n`).join(''),
    );
  }
  if (bad.length > 0) {
    throw invalid(
      `${bad.length} of ${req.files.length} document${req.files.length === 1 ? '' : 's'} ` +
        `do${bad.length === 1 ? 'es' : ''} not match schema ${req.version}: ${bad.join(', ')}`,
    );
  }
}
