/**
 * Constraint names are snapshot paths `{Type}.{Subtype}.{Key}` (validate.md §3).
 *
 * The name is split at its first two dots only, so keys keep their dots and slashes
 * (`OS.sysctl./proc/sys/kernel/osrelease` → OS / sysctl / `/proc/sys/kernel/osrelease`).
 * Type must be exactly one of the snapshot measurement types (case-sensitive).
 */
import { AicrError } from '../errors/index.js';
import { MEASUREMENT_TYPES, findSubtype, type MeasurementType, type Snapshot } from '../model/snapshot.js';

export interface ConstraintPath {
  type: MeasurementType;
  subtype: string;
  key: string;
}

/** Splits `name` at its first two dots. Throws AicrError INVALID_REQUEST for too few parts or an unknown type. */
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
  return {
    type: type as MeasurementType,
    subtype: name.slice(first + 1, second),
    key: name.slice(second + 1),
  };
}

/** Text of a reading as constraints compare it: strings as written, numbers as digits, null as `<nil>`. */
export function readingToText(r: unknown): string {
  if (r === null || r === undefined) return '<nil>';
  if (typeof r === 'object') return JSON.stringify(r, (_k, v) => (typeof v === 'bigint' ? v.toString() : v));
  return String(r);
}

/**
 * The text of the reading at `path`: first measurement of the type, first subtype of that name, then the
 * key. Throws AicrError NOT_FOUND (`value not found in snapshot: …`) naming the missing type, subtype or key.
 */
export function resolveReading(snapshot: Snapshot, path: ConstraintPath): string {
  const where = `${path.type}.${path.subtype}.${path.key}`;
  const notFound = (detail: string) =>
    new AicrError(
      'NOT_FOUND',
      `value not found in snapshot`,
      new AicrError('NOT_FOUND', detail, undefined, { path: where }),
      { path: where },
    );
  const measurements = Array.isArray(snapshot?.measurements) ? snapshot.measurements : [];
  const m = measurements.find((x) => x?.type === path.type);
  if (!m) throw notFound(`measurement type ${path.type} not found`);
  const sub = findSubtype({ measurements: [m] }, path.type, path.subtype);
  if (!sub)
    throw notFound(`subtype ${JSON.stringify(path.subtype)} not found in measurement type ${path.type}`);
  const data = sub.data ?? {};
  if (!Object.prototype.hasOwnProperty.call(data, path.key)) {
    throw notFound(`key ${JSON.stringify(path.key)} not found in subtype ${path.type}.${path.subtype}`);
  }
  return readingToText(data[path.key]);
}
