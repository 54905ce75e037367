/**
 * The shared document rules (src/io/document.ts): duplicate keys, depth limit, scalar source text,
 * the block-YAML fast path agreeing with the full parser, and prototype safety of every reader that
 * takes input-keyed paths (documents, `--set`, `query` selectors), property-tested with fast-check.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { AicrError, exitCodeFor } from '../../src/errors/index.js';
import {
  fastYamlForTest,
  MAX_DEPTH,
  parseDocument,
  scalarText,
  slowYamlForTest,
  textOf,
} from '../../src/io/document.js';
import { toYaml } from '../../src/io/yaml-emit.js';
import { toJson } from '../../src/io/serialize.js';
import { parseSet, MAX_SET_SEGMENTS } from '../../src/bundle/options.js';
import { setStrict } from '../../src/bundle/values.js';
import { selectPath } from '../../src/recipe/query.js';
import { deepMerge, clone, sortKeysDeep } from '../../src/util/objects.js';

function exit2(re: RegExp) {
  return (err: unknown) => {
    assert.ok(err instanceof AicrError, `expected an AicrError, got ${String(err)}`);
    assert.equal(exitCodeFor(err), 2, err.message);
    assert.match(err.message, re);
    return true;
  };
}

describe('duplicate keys', () => {
  it('YAML (block, flow, nested, quoted spellings of one key) and JSON: exit 2 naming key and lines', () => {
    const cases: [string, RegExp][] = [
      ['a: 1\nb: 2\na: 3\n', /^s: line 3: duplicate key "a" \(first at line 1\)/],
      ['x:\n  y: 1\n  "y": 2\n', /^s: line 3: duplicate key "y" \(first at line 2\)/],
      ['m: {k: 1, k: 2}\n', /duplicate key "k"/],
      ['- a: 1\n  a: 2\n', /line 2: duplicate key "a"/],
      ["'q': 1\nq: 2\n", /line 2: duplicate key "q"/],
      ['1: a\n"1": b\n', /line 2: duplicate key "1"/],
    ];
    for (const [text, re] of cases) assert.throws(() => parseDocument(text, 's'), exit2(re), text);
    assert.throws(
      () => parseDocument('{\n  "a": 1,\n  "b": {"c": 1, "c": 2},\n  "a": 2\n}', 's', 'json'),
      exit2(/^s: line 3: duplicate key "c" \(first at line 3\)/),
    );
    assert.throws(() => parseDocument('{"a": 1,\n"a": 1}', 's'), exit2(/line 2: duplicate key "a"/));
  });

  it('the same key in different maps is fine', () => {
    assert.deepEqual(parseDocument('a: {k: 1}\nb: {k: 2}\n', 's'), { a: { k: 1 }, b: { k: 2 } });
  });
});

describe('depth limit', () => {
  it(`maps and lists nest at most ${MAX_DEPTH} levels, in every syntax; deeper is exit 2 stating the limit`, () => {
    const limit = new RegExp(`nested more than ${MAX_DEPTH} levels deep`);
    for (const depth of [MAX_DEPTH, MAX_DEPTH + 1, 5000, 100_000]) {
      const json = '['.repeat(depth) + ']'.repeat(depth);
      const flow = 'a: ' + '{b: '.repeat(depth - 1) + '1' + '}'.repeat(depth - 1);
      const block =
        Array.from({ length: Math.min(depth, 6000) }, (_, i) => ' '.repeat(i) + 'k:').join('\n') + ' 1\n';
      for (const [text, fmt] of [
        [json, 'json'],
        [json, 'yaml'],
        [flow, 'yaml'],
      ] as const) {
        if (depth <= MAX_DEPTH) assert.doesNotThrow(() => parseDocument(text, 's', fmt));
        else assert.throws(() => parseDocument(text, 's', fmt), exit2(limit), `${fmt} ${depth}`);
      }
      if (depth > MAX_DEPTH) assert.throws(() => parseDocument(block, 's'), exit2(limit));
      else assert.doesNotThrow(() => parseDocument(block, 's'));
    }
  });

  it('what aicr writes at the --set limit reads back', () => {
    const values: Record<string, unknown> = {};
    const path = Array.from({ length: MAX_SET_SEGMENTS }, (_, i) => `k${i}`).join('.');
    setStrict(values, parseSet(`c:${path}=1`));
    assert.deepEqual(parseDocument(toYaml(values), 'back'), values);
    assert.deepEqual(parseDocument(toJson(values), 'back'), values);
  });

  it('an alias inside its own anchor (a cycle) is exit 2', () => {
    for (const text of ['a: &a {b: *a}\n', 'a: &a\n  b: *a\n', 'x: &x [1, *x]\n']) {
      assert.throws(() => parseDocument(text, 's'), exit2(/refers to a collection that contains it/), text);
    }
    const doc = parseDocument('a: &a {b: 1}\nc: *a\n', 's') as Record<string, object>;
    assert.deepEqual(doc, { a: { b: 1 }, c: { b: 1 } });
    assert.notEqual(doc.a, doc.c, 'each alias is its own copy: a --set below one does not change the other');
  });

  it('alias expansion is bounded', () => {
    const lines = ['a0: &a0 [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 8; i++)
      lines.push(
        `a${i}: &a${i} [${Array(10)
          .fill(`*a${i - 1}`)
          .join(', ')}]`,
      );
    assert.throws(() => parseDocument(lines.join('\n') + '\n', 's'), exit2(/aliases expand to more than/));
  });
});

describe('scalar source text', () => {
  it('numbers, booleans written differently from their JS text keep the text beside the value', () => {
    for (const fmt of ['yaml', 'json'] as const) {
      const text =
        fmt === 'yaml'
          ? 'a: 1.10\nb: 22.10\nc: 1.5\nd: 0x1F\ne: True\nf: "1.10"\nl: [1.10, 2]\n'
          : '{"a": 1.10, "b": 22.10, "c": 1.5, "l": [1.10, 2]}';
      const doc = parseDocument(text, 's', fmt) as Record<string, unknown>;
      assert.equal(doc.a, 1.1);
      assert.equal(textOf(doc, 'a'), '1.10');
      assert.equal(textOf(doc, 'b'), '22.10');
      assert.equal(scalarText(doc, 'c'), undefined);
      assert.equal(textOf(doc, 'c'), '1.5');
      assert.equal(textOf(doc.l, 0), '1.10');
      if (fmt === 'yaml') {
        assert.equal(textOf(doc, 'd'), '0x1F');
        assert.equal(doc.e, true);
        assert.equal(textOf(doc, 'e'), 'True');
        assert.equal(textOf(doc, 'f'), '1.10');
      }
    }
  });

  it('non-string scalar keys keep their text (1.10: is the key "1.10")', () => {
    assert.deepEqual(Object.keys(parseDocument('1.10: a\ntrue: b\n', 's') as object), ['1.10', 'true']);
  });
});

// ---------------------------------------------------------------------------------- fast path

const keyArb = fc.oneof(
  fc.constantFrom(
    'a',
    'b',
    'version',
    'nvidia.com/gpu.product',
    'containerd.service',
    '1.10',
    'true',
    '-x',
    'k: v',
    '#c',
    '',
  ),
  fc.string({ maxLength: 8 }),
);
const scalarArb = fc.oneof(
  fc.constantFrom(
    '1.10',
    '22.10',
    '0x1F',
    'True',
    'null',
    '~',
    '',
    ' lead',
    'a #b',
    'a: b',
    "it's",
    '"q"',
    'v1.2.3',
  ),
  fc.string({ maxLength: 10 }),
  fc.integer(),
  fc.double({ noNaN: true }),
  fc.boolean(),
  fc.constant(null),
  fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }),
);
const dataArb = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small' }, scalarArb, tie('map'), tie('list')),
  map: fc.dictionary(keyArb, tie('value'), { maxKeys: 5 }),
  list: fc.array(tie('value'), { maxLength: 4 }),
})).map;

/** The fast path declines `text`, or reads what the full parser reads (which must accept it). */
function agreesOrDeclines(text: string): void {
  const fast = fastYamlForTest(text);
  if (fast === undefined) return;
  let slow: unknown;
  try {
    slow = slowYamlForTest(text, 's');
  } catch (err) {
    assert.fail(`fast path accepted what the full parser refuses: ${JSON.stringify(text)}: ${String(err)}`);
  }
  assert.deepEqual(fast, slow, JSON.stringify(text));
}

describe('block-YAML fast path', () => {
  it('reads what aicr writes (LF or CRLF) exactly as the full parser does', () => {
    fc.assert(
      fc.property(dataArb, (data) => {
        for (const text of [toYaml(data), toYaml(data).replace(/\n/g, '\r\n')]) {
          const slow = slowYamlForTest(text, 's');
          const fast = fastYamlForTest(text);
          if (fast !== undefined) assert.deepEqual(fast, slow, text);
        }
      }),
      { numRuns: 400 },
    );
  });

  it('reads literal block scalars as the full parser does, or declines them', () => {
    const ind = fc.constantFrom('', ' ', '  ', '   ', '    ', '      ');
    const head = fc.constantFrom('a: ', 'b: ', '- ', '- k: ', '  c: ', '  - ', 'a:', '- - ');
    const val = fc.constantFrom('|', '|-', '|+', '|  ', 'x', '', '1', '|1', '"q"', '# c');
    const body = fc.constantFrom(
      '',
      'text',
      'more text',
      '# hash',
      '  deeper',
      'k: v',
      '- item',
      ' ',
      '   ',
      '---',
      'x:',
    );
    const line = fc.oneof(
      fc.tuple(ind, head, val).map(([i, h, v]) => i + h + v),
      fc.tuple(ind, body).map(([i, b]) => i + b),
    );
    fc.assert(
      fc.property(
        fc.array(line, { minLength: 1, maxLength: 9 }),
        fc.constantFrom('\n', '\r\n'),
        fc.boolean(),
        (lines, eol, final) => {
          const text = lines.join(eol) + (final ? eol : '');
          agreesOrDeclines(text);
        },
      ),
      { numRuns: Number(process.env.AICR_FC_RUNS ?? 5000) },
    );
    // taken by the fast path: every chomping, blank lines inside and after, `#` lines as content
    const text = 'a: |\n  x\n\n  # y\n\nb: |-\n    z\nc: |+\n  w\n\n\nd:\n  - |\n   v\n';
    assert.deepEqual(fastYamlForTest(text), {
      a: 'x\n\n# y\n',
      b: 'z',
      c: 'w\n\n\n',
      d: ['v\n'],
    });
    assert.deepEqual(fastYamlForTest(text), slowYamlForTest(text, 's'));
    // a hostile key: an own property, no prototype reached
    const hostile = fastYamlForTest('__proto__: |\n  x\n') as Record<string, unknown>;
    assert.ok(Object.hasOwn(hostile, '__proto__'));
    assert.equal(Object.getPrototypeOf(hostile), Object.prototype);
    assert.equal(({} as Record<string, unknown>).x, undefined);
    agreesOrDeclines('__proto__: |\n  x\n');
    // left to the full parser: no content, an indentation indicator, folding, a longer leading blank line
    for (const t of ['a: |\nb: 1\n', 'a: |2\n   x\n', 'a: >\n  x\n', 'a: |\n     \n  x\n', 'a: |\n  x'])
      assert.equal(fastYamlForTest(t), undefined, JSON.stringify(t));
  });

  it('agrees with the full parser on arbitrary line soup, or declines it', () => {
    const lineArb = fc
      .tuple(
        fc.constantFrom('', '  ', '    ', '      '),
        fc.constantFrom('- ', '', '- a: ', 'key: ', 'k2: ', '"q k": ', "'s': ", '#', '---', '- - '),
        fc.constantFrom(
          '',
          '1',
          '1.10',
          'x y',
          '[]',
          '{}',
          '"a\\x41"',
          "'it''s'",
          'a #c',
          '~',
          'v: 1',
          '-1',
          'b:',
          // literal block scalars: headers, and lines that are their content or end them
          '|',
          '|-',
          '|+',
          '| ',
          '|2',
          '|- #c',
          '>',
          'text  ',
          '# not a comment in a block',
        ),
      )
      .map(([i, a, b]) => i + a + b);
    fc.assert(
      fc.property(
        fc.array(lineArb, { minLength: 1, maxLength: 8 }),
        fc.constantFrom('\n', '\r\n'),
        (lines, eol) => {
          const text = lines.join(eol) + eol;
          agreesOrDeclines(text);
        },
      ),
      { numRuns: 3000 },
    );
  });
});

// ---------------------------------------------------------------------------------- prototype safety

const FORBIDDEN = ['__proto__', 'constructor', 'prototype'];
const segArb = fc.oneof(
  fc.constantFrom(...FORBIDDEN, 'toString', 'hasOwnProperty', 'valueOf', 'a', 'b'),
  fc.string({ maxLength: 6 }),
);

function snapshotPrototypes() {
  return [Object.prototype, Array.prototype, Function.prototype, String.prototype].map((p) =>
    Object.getOwnPropertyNames(p)
      .sort()
      .map((n) => `${n}:${typeof Object.getOwnPropertyDescriptor(p, n)?.value}`)
      .join(','),
  );
}

describe('data never reaches the object model (fast-check)', () => {
  it('documents: any keys (JSON and YAML) stay own data; no global prototype changes', () => {
    const before = snapshotPrototypes();
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.array(segArb, { minLength: 1, maxLength: 4 }), fc.string({ maxLength: 4 })), {
          maxLength: 5,
        }),
        (entries) => {
          // Nested maps built from paths; the same data is read back through JSON and YAML.
          const data: Record<string, unknown> = {};
          for (const [path, v] of entries) {
            let cur = data;
            for (const seg of path.slice(0, -1)) {
              const next = Object.prototype.hasOwnProperty.call(cur, seg) ? cur[seg] : undefined;
              if (!next || typeof next !== 'object')
                Object.defineProperty(cur, seg, {
                  value: {},
                  enumerable: true,
                  writable: true,
                  configurable: true,
                });
              cur = cur[seg] as Record<string, unknown>;
            }
            Object.defineProperty(cur, path[path.length - 1], {
              value: v,
              enumerable: true,
              writable: true,
              configurable: true,
            });
          }
          for (const [text, fmt] of [
            [toJson(data), 'json'],
            [toYaml(data), 'yaml'],
          ] as const) {
            const doc = parseDocument(text, 'p', fmt);
            assert.deepEqual(doc, data);
            // Copies keep keys as own data too.
            assert.deepEqual(clone(doc), data);
            assert.deepEqual(sortKeysDeep(doc), sortKeysDeep(data));
            assert.deepEqual(deepMerge({}, doc), data);
          }
          assert.equal(({} as Record<string, unknown>).polluted, undefined);
        },
      ),
      { numRuns: 300 },
    );
    assert.deepEqual(snapshotPrototypes(), before);
  });

  it('--set: arbitrary key paths never write outside the values; forbidden segments are exit 2', () => {
    const before = snapshotPrototypes();
    fc.assert(
      fc.property(
        fc.array(segArb, { minLength: 1, maxLength: 5 }),
        fc.string({ minLength: 1, maxLength: 5 }),
        (segs, value) => {
          const text = `c:${segs.join('.')}=${value}`;
          const values: Record<string, unknown> = { a: { b: 1 } };
          let entry;
          try {
            entry = parseSet(text);
          } catch (err) {
            assert.ok(err instanceof AicrError && exitCodeFor(err) === 2, String(err));
            return;
          }
          assert.ok(!entry.path.split('.').some((s) => FORBIDDEN.includes(s)), `accepted ${text}`);
          try {
            setStrict(values, entry);
          } catch (err) {
            assert.ok(err instanceof AicrError && exitCodeFor(err) === 2, String(err));
          }
        },
      ),
      { numRuns: 1000 },
    );
    assert.deepEqual(snapshotPrototypes(), before);
    assert.equal(({} as Record<string, unknown>).encoding, undefined);
    for (const text of ['x:__proto__.encoding=base64', 'x:a.constructor.prototype.y=1', 'x:prototype=1']) {
      assert.throws(() => parseSet(text), exit2(/is not allowed/), text);
    }
  });

  it('query selectors: never return an inherited value; forbidden segments are exit 2, others 3 when absent', () => {
    const doc = parseDocument(
      'components:\n  gpu-operator:\n    values:\n      a.b: 1\n      a: {b: 2, c: 3}\n',
      'q',
    );
    fc.assert(
      fc.property(fc.array(segArb, { minLength: 1, maxLength: 5 }), (segs) => {
        const selector = ['components', ...segs].join('.');
        try {
          const v = selectPath(doc, selector);
          assert.notEqual(typeof v, 'function', selector);
          assert.ok(v !== Object.prototype && v !== Array.prototype, selector);
        } catch (err) {
          assert.ok(err instanceof AicrError, String(err));
          const code = exitCodeFor(err);
          if (segs.some((s) => FORBIDDEN.includes(s))) assert.equal(code, 2, selector);
          else assert.ok(code === 3 || code === 2, `${selector}: ${code}`);
        }
      }),
      { numRuns: 1000 },
    );
    assert.equal(selectPath(doc, 'components.gpu-operator.values.a.c'), 3);
    assert.throws(() => selectPath(doc, 'components.gpu-operator.values.a.b'), exit2(/ambiguous/));
    assert.throws(
      () => selectPath(doc, 'components.toString'),
      (e: unknown) => exitCodeFor(e) === 3,
    );
  });
});
