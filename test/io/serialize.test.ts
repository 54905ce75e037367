/** Output serializers: JSON, table and the --format parser. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { AicrError, exitCodeFor } from '../../src/errors/index.js';
import { parseFormat, serialize, toJson, toTable, toYaml } from '../../src/io/serialize.js';

test('toJson: 2-space indentation and a trailing newline, like JSON.stringify(v, null, 2)', () => {
  const value = { kind: 'Snapshot', list: [1, 'two', { three: 3 }], empty: {}, none: [], nil: null, t: true };
  assert.equal(toJson(value), JSON.stringify(value, null, 2) + '\n');
  assert.equal(toJson({ a: [1, { b: 'c' }] }), '{\n  "a": [\n    1,\n    {\n      "b": "c"\n    }\n  ]\n}\n');
  assert.equal(toJson([]), '[]\n');
  assert.equal(toJson({}), '{}\n');
  assert.equal(toJson('x'), '"x"\n');
});

test('toJson matches JSON.stringify for arbitrary JSON values', () => {
  fc.assert(
    fc.property(fc.jsonValue(), (v) => {
      assert.equal(toJson(v), JSON.stringify(v, null, 2) + '\n');
    }),
    { numRuns: 300 },
  );
});

test('toJson writes bigints as exact integers', () => {
  const text = toJson({ max: 18446744073709551615n, min: -9223372036854775808n, small: 5n });
  assert.equal(text, '{\n  "max": 18446744073709551615,\n  "min": -9223372036854775808,\n  "small": 5\n}\n');
});

test('toJson does not HTML-escape <, > and &; other escapes are standard JSON', () => {
  assert.equal(toJson({ c: '>= 1.30 && < 2' }), '{\n  "c": ">= 1.30 && < 2"\n}\n');
  assert.equal(toJson({ s: 'a"b\\c\nd\u0001' }), '{\n  "s": "a\\"b\\\\c\\nd\\u0001"\n}\n');
});

test('toJson: undefined members are left out, undefined list items and non-finite numbers are null', () => {
  assert.equal(toJson({ a: undefined, b: 1 }), '{\n  "b": 1\n}\n');
  assert.equal(toJson([undefined, NaN, Infinity]), '[\n  null,\n  null,\n  null\n]\n');
  assert.equal(toJson({ d: new Date('2026-03-02T08:00:00Z') }), '{\n  "d": "2026-03-02T08:00:00.000Z"\n}\n');
});

test('toTable: FIELD/VALUE header, rows sorted by path, list items as [i], column padded to longest + 2', () => {
  const value = {
    kind: 'Snapshot',
    measurements: [
      { type: 'GPU', subtypes: [{ subtype: 'smi', data: { 'gpu-count': 8, driver: '570.86.15' } }] },
      { type: 'OS', subtypes: [{ subtype: 'kmod', data: { nvidia: true } }] },
    ],
  };
  const rows = [
    ['FIELD', 'VALUE'],
    ['-----', '-----'],
    ['kind', 'Snapshot'],
    ['measurements.[0].subtypes.[0].data.driver', '570.86.15'],
    ['measurements.[0].subtypes.[0].data.gpu-count', '8'],
    ['measurements.[0].subtypes.[0].subtype', 'smi'],
    ['measurements.[0].type', 'GPU'],
    ['measurements.[1].subtypes.[0].data.nvidia', 'true'],
    ['measurements.[1].subtypes.[0].subtype', 'kmod'],
    ['measurements.[1].type', 'OS'],
  ];
  const width = 'measurements.[0].subtypes.[0].data.gpu-count'.length + 2;
  assert.equal(toTable(value), rows.map(([f, v]) => f.padEnd(width) + v).join('\n') + '\n');
});

test('toTable: sorting is bytewise (uppercase before lowercase, "[" after letters)', () => {
  const out = toTable({ b: 1, B: 2, a: [3], 'a.x': 4 });
  const fields = out
    .split('\n')
    .slice(2, -1)
    .map((l) => l.split(/\s+/)[0]);
  assert.deepEqual(fields, ['B', 'a.[0]', 'a.x', 'b']);
});

test('toTable: null is <nil>, empty maps and lists print nothing, nothing at all is <empty>', () => {
  assert.equal(toTable({ a: null }), 'FIELD  VALUE\n-----  -----\na      <nil>\n');
  assert.equal(toTable({ a: {}, b: [], c: 'x' }), 'FIELD  VALUE\n-----  -----\nc      x\n');
  assert.equal(toTable({}), '<empty>\n');
  assert.equal(toTable([]), '<empty>\n');
  assert.equal(toTable({ a: { b: {} }, c: [[]] }), '<empty>\n');
});

test('toTable: top-level lists and scalars, bigints exact, empty strings kept as empty values', () => {
  assert.equal(toTable(['x', 'y']), 'FIELD  VALUE\n-----  -----\n[0]    x\n[1]    y\n');
  assert.equal(toTable('hello'), 'FIELD  VALUE\n-----  -----\nvalue  hello\n');
  assert.equal(
    toTable({ n: 18446744073709551615n }),
    'FIELD  VALUE\n-----  -----\nn      18446744073709551615\n',
  );
  assert.equal(toTable({ e: '' }), 'FIELD  VALUE\n-----  -----\ne      \n');
});

test('parseFormat: yaml by default; exact lowercase yaml|json|table', () => {
  assert.equal(parseFormat(undefined), 'yaml');
  assert.equal(parseFormat('yaml'), 'yaml');
  assert.equal(parseFormat('json'), 'json');
  assert.equal(parseFormat('table'), 'table');
});

test('parseFormat: anything else is INVALID_REQUEST (exit 2) naming the value, the flag and the choices', () => {
  for (const bad of ['YAML', 'yml', 'xml', '', ' json']) {
    assert.throws(
      () => parseFormat(bad),
      (err: unknown) => {
        assert.ok(err instanceof AicrError);
        assert.equal(err.code, 'INVALID_REQUEST');
        assert.equal(exitCodeFor(err), 2);
        assert.equal(
          err.message,
          `unknown output format: "${bad}" for --format, valid formats are: yaml, json, table`,
        );
        return true;
      },
    );
  }
  assert.throws(() => parseFormat('xml', '-t'), /"xml" for -t, valid formats are: yaml, json, table/);
});

test('serialize dispatches on the format', () => {
  const v = { a: 1 };
  assert.equal(serialize(v, 'yaml'), toYaml(v));
  assert.equal(serialize(v, 'yaml'), 'a: 1\n');
  assert.equal(serialize(v, 'json'), '{\n  "a": 1\n}\n');
  assert.equal(serialize(v, 'table'), 'FIELD  VALUE\n-----  -----\na      1\n');
});
