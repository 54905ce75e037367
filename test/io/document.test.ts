/** parseDocument, formatFromName and sniffFormat. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { AicrError, exitCodeFor } from '../../src/errors/index.js';
import { formatFromName, parseDocument, sniffFormat } from '../../src/io/document.js';
import { assertRoundTrip } from './roundtrip-assert.js';

function invalidWith(re: RegExp) {
  return (err: unknown) => {
    assert.ok(err instanceof AicrError, `expected an AicrError, got ${String(err)}`);
    assert.equal(err.code, 'INVALID_REQUEST');
    assert.equal(exitCodeFor(err), 2);
    assert.match(err.message, re);
    return true;
  };
}

test('parseDocument reads YAML: integers are numbers, big integers stay exact bigints', () => {
  const doc = parseDocument(
    [
      'kind: Snapshot',
      'count: 8',
      'neg: -3',
      'ratio: 0.5',
      'os: "24.04"',
      'osPlain: 24.04',
      'max: 18446744073709551615',
      'edge: 9007199254740991',
      'past: 9007199254740992',
      'flag: true',
      'nothing: null',
      'list: [1, two]',
      'block: |-',
      '  a',
      '  b',
      '',
    ].join('\n'),
    'snapshot s.yaml',
  );
  assert.deepEqual(doc, {
    kind: 'Snapshot',
    count: 8,
    neg: -3,
    ratio: 0.5,
    os: '24.04',
    osPlain: 24.04,
    max: 18446744073709551615n,
    edge: 9007199254740991,
    past: 9007199254740992n,
    flag: true,
    nothing: null,
    list: [1, 'two'],
    block: 'a\nb',
  });
});

test('parseDocument reads JSON (sniffed or declared) with exact big integers', () => {
  const text = '{"a": 1, "b": [12345678901234567890, -9223372036854775808, 2.5], "c": {"d": "x"}}';
  const expected = { a: 1, b: [12345678901234567890n, -9223372036854775808n, 2.5], c: { d: 'x' } };
  assert.deepEqual(parseDocument(text, 'recipe r.json'), expected);
  assert.deepEqual(parseDocument(text, 'recipe r.json', 'json'), expected);
  assert.deepEqual(parseDocument('[1, "a"]', 'x'), [1, 'a']);
});

test('parseDocument: a "__proto__" key is kept as data and does not change the prototype', () => {
  for (const [text, format] of [
    ['{"__proto__": {"polluted": true}, "a": 1}', 'json'],
    ['__proto__:\n  polluted: true\na: 1\n', 'yaml'],
  ] as const) {
    const doc = parseDocument(text, 'x', format) as Record<string, unknown>;
    assert.deepEqual(Object.keys(doc), ['__proto__', 'a']);
    assert.equal(Object.getPrototypeOf(doc), Object.prototype);
    assert.equal((doc as { polluted?: unknown }).polluted, undefined);
    assert.deepEqual(Object.getOwnPropertyDescriptor(doc, '__proto__')?.value, { polluted: true });
  }
  assert.equal(({} as { polluted?: unknown }).polluted, undefined);
});

test('parseDocument gives JSON.parse values back for arbitrary JSON (compact and indented)', () => {
  fc.assert(
    fc.property(fc.jsonValue(), fc.boolean(), (value, pretty) => {
      const text = pretty ? JSON.stringify(value, null, 2) : JSON.stringify(value);
      // Only document types that read back as themselves: a bare JSON string/number is fine too.
      assertRoundTrip(JSON.parse(text), parseDocument(text, 'property', 'json'));
    }),
    { numRuns: 300 },
  );
});

test('parseDocument: an empty or blank document is INVALID_REQUEST naming the source', () => {
  for (const text of ['', '   ', '\n\n', '\t\n ']) {
    assert.throws(
      () => parseDocument(text, 'recipe r.yaml'),
      invalidWith(/^recipe r\.yaml: document is empty$/),
    );
  }
});

test('parseDocument: a YAML syntax error names the source, line and column, on one line', () => {
  assert.throws(
    () => parseDocument('a: 1\nb: [\n', 'recipe r.yaml'),
    invalidWith(/^recipe r\.yaml: invalid YAML: line 3, column 1: Flow sequence in block collection/),
  );
  assert.throws(
    () => parseDocument('kind: Recipe\nspec:\n  a: 1\n    b: 2\n', 'recipe r.yaml'),
    (err: unknown) => {
      invalidWith(/^recipe r\.yaml: invalid YAML: line 3, column 6: Nested mappings are not allowed/)(err);
      const msg = (err as Error).message;
      assert.ok(!msg.includes('\n'), `one line: ${JSON.stringify(msg)}`);
      // The position is said once, not repeated at the end by the parser's own text.
      assert.equal(msg.match(/line \d+, column \d+/g)?.length, 1, msg);
      return true;
    },
  );
  assert.throws(
    () => parseDocument('a: 1\n---\nb: 2\n', 'snapshot s.yaml'),
    invalidWith(/^snapshot s\.yaml: invalid YAML: line 2, column 1: .*multiple documents/),
  );
});

test('parseDocument: a JSON syntax error names the source, line and column of the bad character', () => {
  const cases: [string, RegExp][] = [
    [
      '{\n  "a": 1,\n  "b": }\n',
      /^recipe r\.json: invalid JSON: line 3, column 8: unexpected character "}"$/,
    ],
    ['{"a": 1,}', /: invalid JSON: line 1, column 9: unexpected character "}"$/],
    ['{"a": 1', /: invalid JSON: line 1, column 8: unexpected end of input$/],
    ["{'a': 1}", /: invalid JSON: line 1, column 2: unexpected character "'"$/],
    ['[1, 2]\n]', /: invalid JSON: line 2, column 1: unexpected character "]"$/],
    ['{"a": "x\ty"}', /: invalid JSON: line 1, column 9: unexpected character "\\t"$/],
    ['{"a": 01}', /: invalid JSON: line 1, column 8: unexpected character "1"$/],
    ['[tru]', /: invalid JSON: line 1, column 2: unexpected character "t"$/],
    ['{"a": "\\x"}', /: invalid JSON: line 1, column 9: unexpected character "x"$/],
  ];
  for (const [text, re] of cases) {
    assert.throws(() => parseDocument(text, 'recipe r.json', 'json'), invalidWith(re), text);
  }
  // YAML-only syntax is refused when the document is declared JSON.
  assert.throws(
    () => parseDocument('a: 1\n', 'r.json', 'json'),
    invalidWith(/invalid JSON: line 1, column 1/),
  );
  assert.throws(() => parseDocument('{"a": 1} # c', 'r.json', 'json'), invalidWith(/line 1, column 10/));
});

test('parseDocument: every JSON text that JSON.parse refuses gets a line and column', () => {
  const tokens = [
    '{',
    '}',
    '[',
    ']',
    ',',
    ':',
    '"a"',
    '"',
    '1',
    '-',
    '0',
    '.5',
    'e3',
    'true',
    'nul',
    ' ',
    '\n',
    '\\',
  ];
  fc.assert(
    fc.property(fc.array(fc.constantFrom(...tokens), { minLength: 1, maxLength: 12 }), (parts) => {
      const text = parts.join('');
      let valid = true;
      try {
        JSON.parse(text);
      } catch {
        valid = false;
      }
      if (valid || text.trim() === '') return;
      assert.throws(
        () => parseDocument(text, 'p.json', 'json'),
        invalidWith(/^p\.json: invalid JSON: line \d+, column \d+: unexpected /),
      );
    }),
    { numRuns: 500 },
  );
});

test('parseDocument: an unresolved alias is an INVALID_REQUEST naming the source', () => {
  assert.throws(() => parseDocument('a: *nope\n', 'recipe r.yaml'), invalidWith(/^recipe r\.yaml: invalid /));
});

test('formatFromName: by extension, case-insensitive, ignoring query and fragment', () => {
  assert.equal(formatFromName('snap.json'), 'json');
  assert.equal(formatFromName('SNAP.JSON'), 'json');
  assert.equal(formatFromName('a/b/recipe.yaml'), 'yaml');
  assert.equal(formatFromName('recipe.YML'), 'yaml');
  assert.equal(formatFromName('out.table'), 'table');
  assert.equal(formatFromName('out.txt'), 'table');
  assert.equal(formatFromName('https://example.com/r.json?token=x.yaml'), 'json');
  assert.equal(formatFromName('https://example.com/r.yaml#frag.json'), 'yaml');
  assert.equal(formatFromName('recipe'), undefined);
  assert.equal(formatFromName('recipe.yaml.bak'), undefined);
  assert.equal(formatFromName('json'), undefined);
});

test('sniffFormat: JSON when the first non-blank character is { or [, YAML otherwise', () => {
  assert.equal(sniffFormat('{"a": 1}'), 'json');
  assert.equal(sniffFormat('\n\t  [1]'), 'json');
  assert.equal(sniffFormat('a: 1'), 'yaml');
  assert.equal(sniffFormat('# {comment}\n{}'), 'yaml');
  assert.equal(sniffFormat('---\n{}'), 'yaml');
  assert.equal(sniffFormat(''), 'yaml');
});
