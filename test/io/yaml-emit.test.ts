/**
 * toYaml: a property test (arbitrary JSON-like data → toYaml → UTF-8 bytes → the `yaml` parser → the
 * same data) plus golden cases pinning the output style (yaml.v3-like, 2-space indentation).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parse } from 'yaml';
import { marshalYaml, toYaml } from '../../src/io/yaml-emit.js';
import { parseDocument } from '../../src/io/document.js';
import { SAFE_MAX, SAFE_MIN, assertRoundTrip, show } from './roundtrip-assert.js';

// ---- generators -------------------------------------------------------------------------------

/** Whole strings that are easy to get wrong: other types in disguise, indicators, whitespace. */
const TRICKY = [
  '',
  ' ',
  'null',
  'Null',
  'NULL',
  '~',
  'true',
  'False',
  'TRUE',
  'yes',
  'No',
  'ON',
  'off',
  'y',
  'N',
  '0',
  '-0',
  '+1',
  '007',
  '08',
  '0o17',
  '0x1F',
  '0b101',
  '1_000',
  '1e3',
  '1E-3',
  '.5',
  '1.',
  '24.04',
  '12.8',
  '.inf',
  '-.Inf',
  '.NaN',
  '1:30',
  '190:20:30',
  '2026-03-02',
  '2026-03-02T08:00:00Z',
  '2001-12-14 21:59:43.10 -5',
  '>= 1.30',
  '<<',
  '=',
  '-',
  '- a',
  '--',
  '---',
  '...',
  '?',
  '? x',
  ':',
  ':x',
  'a:',
  'a: b',
  'a:b',
  'a #b',
  'a#b',
  '#c',
  '[x]',
  '{a: 1}',
  'a, b',
  '*ref',
  '&anchor',
  '!tag',
  '!!str',
  '%YAML',
  '@at',
  '`tick',
  '|',
  '>',
  "'",
  '"',
  "it's",
  'say "hi"',
  'back\\slash',
  '\\n',
  'tab\there',
  'cr\rlf',
  'line\n',
  'line\nline',
  'line\nline\n',
  'line\n\n',
  '\n',
  '\n\n',
  '\nlead',
  '\n  indented',
  ' lead',
  'trail ',
  ' \n',
  'a \nb',
  'x\n  y\n',
  'héllo wörld',
  '日本語',
  '😀 emoji',
  'nbsp\u00a0',
  '\u0000',
  '\u0007bell',
  '\u001b[31m',
  '\u007f',
  '\u0085',
  '\u2028',
  '\ufeff',
  'zero\u200bwidth',
];

/** Pieces that combine into strings; every code point class the emitter treats specially. */
const PIECES = [
  ...TRICKY.filter((s) => s.length <= 4),
  'a',
  'Z',
  '1',
  '.',
  ' ',
  '  ',
  ': ',
  ' #',
  '#',
  '-',
  '?',
  '[',
  ']',
  '{',
  '}',
  ',',
  '&',
  '*',
  '!',
  '|',
  '>',
  '%',
  '@',
  '`',
  '"',
  "'",
  '\\',
  '\n',
  '\r',
  '\t',
  'é',
  '😀',
  '\u0000',
  '\u0085',
  '\u2029',
  '\ufeff',
  '\ud800',
  '\udfff',
];

const trickyString: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...TRICKY) },
  { weight: 3, arbitrary: fc.array(fc.constantFrom(...PIECES), { maxLength: 8 }).map((a) => a.join('')) },
  // Any code points: control characters, astral planes and lone surrogates (escaped as \uD800).
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 10 }) },
  { weight: 1, arbitrary: fc.string({ maxLength: 10 }) },
);

const bigBeyondSafe = fc
  .bigInt({ min: -(2n ** 64n), max: 2n ** 64n - 1n })
  .filter((b) => b < SAFE_MIN || b > SAFE_MAX);

const scalarArb: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 6, arbitrary: trickyString },
  { weight: 1, arbitrary: fc.boolean() },
  { weight: 1, arbitrary: fc.constant(null) },
  { weight: 2, arbitrary: fc.integer() },
  { weight: 1, arbitrary: fc.maxSafeInteger() },
  // -0 is written as 0 (as JSON does); every other double, NaN and ±Infinity included, survives.
  { weight: 2, arbitrary: fc.double().map((d) => (Object.is(d, -0) ? 0 : d)) },
  { weight: 2, arbitrary: bigBeyondSafe },
);

const valueArb = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    scalarArb,
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(trickyString, tie('value'), { maxKeys: 4, noNullPrototype: true }),
  ),
})).value;

const documentArb = fc.oneof(
  { weight: 4, arbitrary: fc.dictionary(trickyString, valueArb, { maxKeys: 6, noNullPrototype: true }) },
  { weight: 2, arbitrary: fc.array(valueArb, { maxLength: 5 }) },
  { weight: 1, arbitrary: scalarArb },
);

/** Safe bigints → numbers, as parseDocument does; other values unchanged. */
function safeInts(v: unknown): unknown {
  if (typeof v === 'bigint') return v >= SAFE_MIN && v <= SAFE_MAX ? Number(v) : v;
  if (Array.isArray(v)) return v.map(safeInts);
  if (v !== null && typeof v === 'object') {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, safeInts(x)]));
  }
  return v;
}

/** What a file holding the output would contain. */
const viaUtf8 = (text: string) => Buffer.from(text, 'utf8').toString('utf8');

test('toYaml round-trips arbitrary JSON-like data through the yaml parser (YAML 1.2 core)', () => {
  fc.assert(
    fc.property(documentArb, (value) => {
      const text = toYaml(value);
      assert.ok(text.endsWith('\n'), 'output ends with a newline');
      const back = safeInts(parse(viaUtf8(text), { intAsBigInt: true }));
      assertRoundTrip(value, back);
    }),
    { numRuns: 600 },
  );
});

test('toYaml output reads back as the same strings under YAML 1.1 rules (quoted yes/no, <<, timestamps)', () => {
  // Only strings, lists and maps: YAML 1.1 number forms differ by design (e.g. 0o17, 1_000).
  const stringsOnly = fc.letrec<{ v: unknown }>((tie) => ({
    v: fc.oneof(
      { depthSize: 'small' },
      trickyString,
      fc.array(tie('v'), { maxLength: 3 }),
      fc.dictionary(trickyString, tie('v'), { maxKeys: 3, noNullPrototype: true }),
    ),
  })).v;
  // The yaml package's 1.1 schema also reads "e5" / "-E+1" as floats (no dot, unlike the 1.1 spec and
  // yaml.v3); the emitter keeps such words plain, so they are left out here.
  const pkgQuirk = /^[-+]?[eE][-+]?[0-9]+$/;
  const hasQuirk = (v: unknown): boolean =>
    typeof v === 'string'
      ? pkgQuirk.test(v)
      : v !== null &&
        typeof v === 'object' &&
        Object.entries(v).some(([k, x]) => pkgQuirk.test(k) || hasQuirk(x));
  fc.assert(
    fc.property(
      stringsOnly.filter((v) => !hasQuirk(v)),
      (value) => {
        const back = parse(viaUtf8(toYaml(value)), { version: '1.1' });
        assertRoundTrip(value, back);
      },
    ),
    { numRuns: 300 },
  );
});

test('toYaml → parseDocument gives the data back (bigints beyond 2^53 stay exact)', () => {
  fc.assert(
    fc.property(
      fc.dictionary(trickyString, valueArb, { minKeys: 1, maxKeys: 5, noNullPrototype: true }),
      (value) => {
        assertRoundTrip(value, parseDocument(viaUtf8(toYaml(value)), 'property'));
      },
    ),
    { numRuns: 300 },
  );
});

test('toYaml round-trips known hard cases', () => {
  const cases: unknown[] = [
    { a: '\n' },
    { a: '\n\n' },
    ['\n', '\n\n\n'],
    '\n',
    { a: '\n  indented second line' },
    { a: '\n\n   x\n' },
    { '<<': { a: 1 } },
    { ['k'.repeat(200)]: { ['é'.repeat(600)]: [1, 'x\ny'] } },
    [{ ['long'.repeat(40)]: 'v', short: 'w' }],
    { __proto__x: 1 },
    JSON.parse('{"__proto__": {"polluted": true}}'),
    { a: 18446744073709551615n, b: -9223372036854775808n, c: 9007199254740993n },
    { a: [[[]]], b: [{}], c: { d: {} }, e: [[{ f: [] }]] },
    [[['deep']]],
    // U+00A0 and other Unicode spaces are content in YAML, not white space to trim (found by fast-check).
    { a: 'x\u00a0', b: '\u00a0', c: '\u2003y\u2003', '\u00a0k\u00a0': 'v' },
  ];
  for (const value of cases) {
    const text = toYaml(value);
    assertRoundTrip(value, safeInts(parse(text, { intAsBigInt: true })), `case ${show(value).slice(0, 60)}`);
    const back11 = safeInts(parse(text, { version: '1.1', intAsBigInt: true }));
    assertRoundTrip(value, back11, `case ${show(value).slice(0, 60)} (YAML 1.1)`);
  }
});

// ---- golden style cases -----------------------------------------------------------------------

test('toYaml: 2-space indentation, sequences indented under their key, insertion order kept', () => {
  const snapshot = {
    kind: 'Snapshot',
    apiVersion: 'aicr.nvidia.com/v1alpha1',
    metadata: { 'source-node': 'gpu-a-01', timestamp: '2026-03-02T08:00:00Z', version: '0.11.1' },
    measurements: [
      {
        type: 'GPU',
        subtypes: [
          {
            subtype: 'smi',
            data: {
              'cuda-version': '12.8',
              driver: '570.86.15',
              'gpu-count': 8,
              'gpu.model': 'NVIDIA H100 80GB HBM3',
            },
          },
        ],
      },
      { type: 'SystemD' },
      { type: 'OS', subtypes: [{ subtype: 'kmod', data: { nvidia: true } }] },
    ],
  };
  // The example from the snapshot fact sheet (§3), byte for byte.
  assert.equal(
    toYaml(snapshot),
    [
      'kind: Snapshot',
      'apiVersion: aicr.nvidia.com/v1alpha1',
      'metadata:',
      '  source-node: gpu-a-01',
      '  timestamp: "2026-03-02T08:00:00Z"',
      '  version: 0.11.1',
      'measurements:',
      '  - type: GPU',
      '    subtypes:',
      '      - subtype: smi',
      '        data:',
      '          cuda-version: "12.8"',
      '          driver: 570.86.15',
      '          gpu-count: 8',
      '          gpu.model: NVIDIA H100 80GB HBM3',
      '  - type: SystemD',
      '  - type: OS',
      '    subtypes:',
      '      - subtype: kmod',
      '        data:',
      '          nvidia: true',
      '',
    ].join('\n'),
  );
});

test('toYaml: strings that would re-read as another type are double-quoted', () => {
  const value = {
    os: '24.04',
    one: '1',
    empty: '',
    yes: 'yes',
    off: 'Off',
    nul: 'null',
    tilde: '~',
    t: 'true',
    hex: '0x1F',
    inf: '.inf',
    ts: '2026-03-02T08:00:00Z',
    date: '2026-03-02',
    sexagesimal: '1:30',
    merge: '<<',
  };
  assert.equal(
    toYaml(value),
    [
      'os: "24.04"',
      'one: "1"',
      'empty: ""',
      '"yes": "yes"',
      '"off": "Off"',
      'nul: "null"',
      'tilde: "~"',
      't: "true"',
      'hex: "0x1F"',
      'inf: ".inf"',
      'ts: "2026-03-02T08:00:00Z"',
      'date: "2026-03-02"',
      'sexagesimal: "1:30"',
      'merge: "<<"',
      '',
    ].join('\n'),
  );
});

test('toYaml: strings that cannot be plain are single-quoted; control characters double-quoted', () => {
  assert.equal(toYaml({ v: '>= 1.30' }), "v: '>= 1.30'\n");
  assert.equal(toYaml({ v: '[x]' }), "v: '[x]'\n");
  assert.equal(toYaml({ v: 'a: b' }), "v: 'a: b'\n");
  assert.equal(toYaml({ v: 'a #b' }), "v: 'a #b'\n");
  assert.equal(toYaml({ v: '- a' }), "v: '- a'\n");
  assert.equal(toYaml({ v: "it's" }), "v: it's\n");
  assert.equal(toYaml({ v: "'q'" }), "v: '''q'''\n");
  assert.equal(toYaml({ v: ' lead' }), "v: ' lead'\n");
  assert.equal(toYaml({ v: 'tab\there' }), 'v: "tab\\there"\n');
  // Escapes as yaml.v3 writes them (\a, \e, \xHH/\uHHHH with upper-case hex digits).
  assert.equal(toYaml({ v: 'bell\u0007' }), 'v: "bell\\a"\n');
  assert.equal(toYaml({ v: 'bom\ufeff' }), 'v: "bom\\uFEFF"\n');
  assert.equal(toYaml({ v: 'half\ud800' }), 'v: "half\\uD800"\n');
  assert.equal(toYaml({ '\udc00': 'a\nb\udfff' }), '"\\uDC00": "a\\nb\\uDFFF"\n');
  assert.equal(toYaml({ v: 'emoji 😀 ok' }), 'v: emoji 😀 ok\n');
  assert.equal(
    toYaml({ v: 'a:b', w: '-a', x: 'a#b', z: 'driver 570.86.15' }),
    'v: a:b\nw: -a\nx: a#b\nz: driver 570.86.15\n',
  );
  assert.equal(toYaml({ 'key: x': 1, '': 2, '1': 3 }), '"1": 3\n\'key: x\': 1\n"": 2\n');
});

test('toYaml: multi-line strings are literal blocks with the right chomping indicator', () => {
  assert.equal(toYaml({ script: 'echo a\necho b' }), 'script: |-\n  echo a\n  echo b\n');
  assert.equal(toYaml({ script: 'echo a\necho b\n' }), 'script: |\n  echo a\n  echo b\n');
  assert.equal(toYaml({ script: 'a\n\n' }), 'script: |+\n  a\n\n');
  assert.equal(toYaml({ s: 'a\n\nb', k: 1 }), 's: |-\n  a\n\n  b\nk: 1\n');
  assert.equal(toYaml({ list: ['x\ny'] }), 'list:\n  - |-\n    x\n    y\n');
  assert.equal(toYaml([{ k: 'x\ny' }]), '- k: |-\n    x\n    y\n');
  // Trailing spaces or a carriage return cannot be kept in a literal block: double quotes instead.
  assert.equal(toYaml({ s: 'a \nb' }), 's: "a \\nb"\n');
  assert.equal(toYaml({ s: 'a\r\nb' }), 's: "a\\r\\nb"\n');
  // Map keys never use block style.
  assert.equal(toYaml({ 'a\nb': 1 }), '"a\\nb": 1\n');
});

test('toYaml: empty collections, nested lists, numbers and top-level scalars', () => {
  assert.equal(toYaml({}), '{}\n');
  assert.equal(toYaml([]), '[]\n');
  assert.equal(toYaml({ a: {}, b: [], c: null, d: undefined }), 'a: {}\nb: []\nc: null\n');
  // Nested sequences in yaml.v3's compact form.
  assert.equal(toYaml([[1, 2], [], {}, [[]]]), '- - 1\n  - 2\n- []\n- {}\n- - []\n');
  assert.equal(
    toYaml({ big: 18446744073709551615n, neg: -42, f: 1.5, e: 1e21, nan: NaN, inf: -Infinity }),
    'big: 18446744073709551615\nneg: -42\nf: 1.5\ne: 1e+21\nnan: .nan\ninf: -.inf\n',
  );
  assert.equal(toYaml('plain'), 'plain\n');
  assert.equal(toYaml('24.04'), '"24.04"\n');
  assert.equal(toYaml(null), 'null\n');
  assert.equal(toYaml(7n), '7\n');
  assert.equal(toYaml('a\nb'), '|-\n  a\n  b\n');
});

test('toYaml: keys longer than 128 bytes use the explicit "? key" form, as yaml.v3 does', () => {
  const long = 'k'.repeat(129);
  assert.equal(toYaml({ [long]: 'v', b: 1 }), `? ${long}\n: v\nb: 1\n`);
  assert.equal(toYaml({ [long]: { x: 1 } }), `? ${long}\n: x: 1\n`);
  assert.equal(toYaml([{ [long]: ['a'] }]), `- ? ${long}\n  : - a\n`);
  assert.equal(toYaml({ ['k'.repeat(128)]: 1 }), `${'k'.repeat(128)}: 1\n`);
});

test('one writer, two profiles: documents (toYaml) vs yaml.v3 Marshal (marshalYaml)', () => {
  const value = { b: ['<<', 'yes', '.', '2001-12-14 21:59:43.10 -5', 'x 😀'], a: new Date(0), c: 'a\r\nb' };
  // Documents: insertion order, 2 spaces, quoted so that YAML 1.1 readers agree, dates as strings.
  assert.equal(
    toYaml(value),
    [
      'b:',
      '  - "<<"',
      '  - "yes"',
      '  - "."',
      '  - "2001-12-14 21:59:43.10 -5"',
      '  - x 😀',
      'a: "1970-01-01T00:00:00.000Z"',
      'c: "a\\r\\nb"',
      '',
    ].join('\n'),
  );
  // yaml.v3: sorted keys, 4 spaces, plain where yaml.v3 resolves a string, astral characters escaped.
  assert.equal(
    marshalYaml({ b: ['<<', 'yes', '.', 'x 😀'], a: new Date(0) }),
    'a: 1970-01-01T00:00:00.000Z\nb:\n    - <<\n    - "yes"\n    - .\n    - "x \\U0001F600"\n',
  );
});

// The writer's fast path for simple words (letters, digits, `_ . / + - :` and inner spaces) must give
// exactly what the full character-by-character analysis gives, in both profiles.
const SIMPLE_PIECES = [
  ..."aZy0159.-_/+: #'\t",
  'yes',
  'No',
  'true',
  'null',
  '---',
  '...',
  '0x',
  '0o',
  'e+',
  'inf',
  '2024-01-02',
  'T10:20:30Z',
  '<<',
  ':0',
];
const simpleishString = fc.oneof(
  fc.array(fc.constantFrom(...SIMPLE_PIECES), { minLength: 1, maxLength: 7 }).map((a) => a.join('')),
  fc.constantFrom(...TRICKY),
  fc.stringMatching(/^[-+.0-9]{1,8}$/),
  // tabs among printable ASCII (sysctl readings), quotes and backslashes included
  fc
    .array(fc.constantFrom('\t', ' ', 'a', '"', '\\', ':', '#', '-', '0', "'"), {
      minLength: 1,
      maxLength: 8,
    })
    .map((a) => a.join('')),
);
const simpleishDoc = fc.letrec<{ v: unknown }>((tie) => ({
  v: fc.oneof(
    { depthSize: 'small' },
    simpleishString,
    fc.integer(),
    fc.double(),
    fc.array(tie('v'), { maxLength: 4 }),
    fc.dictionary(simpleishString, tie('v'), { maxKeys: 4, noNullPrototype: true }),
  ),
})).v;

test('the fast path for simple words writes exactly what the full scalar analysis writes', () => {
  fc.assert(
    fc.property(simpleishDoc, (value) => {
      assert.equal(toYaml(value), toYaml(value, { characterwise: true }));
      assert.equal(marshalYaml(value), marshalYaml(value, { characterwise: true }));
    }),
    { numRuns: Number(process.env.AICR_FC_RUNS ?? 3000) },
  );
  // and the words it decides by lookup alone
  for (const w of [
    'yes',
    'Off',
    'y',
    'NULL',
    'True',
    '~',
    '-',
    '- a',
    '---a',
    '...a',
    'a:',
    'a: b',
    'a:b',
    '1.2.3',
    '1/2',
    '0.5',
    '1e3',
    '0x1F',
    '2024-01-02',
    '12:30',
    '',
    '0',
    '007',
    '089',
    '123456789012345678901234567890',
    '1 2',
  ]) {
    assert.equal(toYaml({ [w]: w }), toYaml({ [w]: w }, { characterwise: true }), w);
    assert.equal(marshalYaml([w]), marshalYaml([w], { characterwise: true }), w);
  }
});
