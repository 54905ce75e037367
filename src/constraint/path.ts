/**
 * Constraint names are snapshot paths `{Type}.{Subtype}.{Key}` (docs/validate.md).
 *
 * Type is the text before the first dot and must be exactly one of the snapshot measurement types
 * (case-sensitive). Subtype and key may both contain dots (`SystemD.containerd.service.ActiveState`,
 * `OS.sysctl./proc/sys/kernel/osrelease`, `K8s.helm.gpu-operator.version`): the rest of the name is
 * resolved against the subtypes and keys the snapshot has (src/model/path.ts). A name that two
 * subtype/key pairs spell is ambiguous: exit 2.
 */
import { AicrError } from '../errors/index.js';
import { MEASUREMENT_TYPES, type MeasurementType, type Snapshot } from '../model/snapshot.js';
import { describeReading, resolvePath } from '../model/path.js';

export interface ConstraintPath {
  type: MeasurementType;
  /** Subtype and key, joined by a dot (either may contain dots). */
  rest: string;
}

/** An ambiguous path: bad input that stops the command (exit 2), not a per-constraint error. */
export class AmbiguousPathError extends AicrError {
  constructor(message: string) {
    super('INVALID_REQUEST', message);
  }
}

/** Splits `name` at its first dot. Throws AicrError INVALID_REQUEST for too few parts or an unknown type. */
export function parseConstraintPath(name: string): ConstraintPath {
  const first = name.indexOf('.');
  const second = first < 0 ? -1 : name.indexOf('.', first + 1);
  if (second < 0) {
    throw new AicrError(
      'INVALID_REQUEST',
      `invalid constraint path ${JSON.stringify(name)}: expected {Type}.{Subtype}.{Key}, e.g. K8s.server.version`,
    );
  }
  const type = name.slice(0, first);
  if (!(MEASUREMENT_TYPES as readonly string[]).includes(type)) {
    throw new AicrError(
      'INVALID_REQUEST',
      `invalid constraint path ${JSON.stringify(name)}: unknown measurement type ${JSON.stringify(type)}; ` +
        `must be one of ${MEASUREMENT_TYPES.join(', ')}`,
    );
  }
  return { type: type as MeasurementType, rest: name.slice(first + 1) };
}

/** Text of a reading as constraints compare it: strings as written, numbers as digits, null as `<nil>`. */
export function readingToText(r: unknown): string {
  if (r === null || r === undefined) return '<nil>';
  if (typeof r === 'object') return JSON.stringify(r, (_k, v) => (typeof v === 'bigint' ? v.toString() : v));
  return String(r);
}

/** The subtypes of one measurement type as a name → data map (null prototype: names are data). */
function subtypeMap(snapshot: Snapshot, type: string): Record<string, unknown> | undefined {
  const measurements = Array.isArray(snapshot?.measurements) ? snapshot.measurements : [];
  const m = measurements.find((x) => x?.type === type);
  if (!m) return undefined;
  const out: Record<string, unknown> = Object.create(null);
  for (const s of m.subtypes ?? []) {
    if (!Object.prototype.hasOwnProperty.call(out, s.subtype)) out[s.subtype] = s.data ?? {};
  }
  return out;
}

/**
 * The text of the reading at `path`. Throws AicrError NOT_FOUND (`value not found in snapshot: …`)
 * naming the missing type, subtype or key, and AmbiguousPathError (exit 2) when more than one
 * subtype/key pair spells the path.
 */
export function resolveReading(snapshot: Snapshot, path: ConstraintPath): string {
  const where = `${path.type}.${path.rest}`;
  const notFound = (detail: string) =>
    new AicrError(
      'NOT_FOUND',
      `value not found in snapshot`,
      new AicrError('NOT_FOUND', detail, undefined, { path: where }),
      { path: where },
    );
  const subtypes = subtypeMap(snapshot, path.type);
  if (!subtypes) throw notFound(`measurement type ${path.type} not found`);
  const r = resolvePath(
    subtypes,
    path.rest,
    (node, depth) =>
      depth < 2 && node !== null && typeof node === 'object' && !Array.isArray(node)
        ? (node as Record<string, unknown>)
        : undefined,
    { depth: 2 },
  );
  switch (r.kind) {
    case 'found':
      return readingToText(r.value);
    case 'ambiguous':
      throw new AmbiguousPathError(
        `constraint path ${JSON.stringify(where)} is ambiguous in this snapshot: it reads as ` +
          r.readings
            .map((names) => `subtype ${JSON.stringify(names[0])} key ${JSON.stringify(names[1])}`)
            .join(' and as ') +
          '; rename the subtype or key so that one reading remains',
      );
    case 'too-complex':
      throw new AmbiguousPathError(
        `constraint path ${JSON.stringify(where)} has too many possible readings in this snapshot`,
      );
    default:
      if (r.names.length === 0) {
        const first = path.rest.split('.')[0];
        throw notFound(`subtype ${JSON.stringify(first)} not found in measurement type ${path.type}`);
      }
      throw notFound(
        `key ${JSON.stringify(r.rest)} not found in subtype ${path.type}.${describeReading(r.names)}`,
      );
  }
}
