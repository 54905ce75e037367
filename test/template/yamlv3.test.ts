// marshalYamlV3: byte-for-byte gopkg.in/yaml.v3 Marshal output (expected texts were produced by
// yaml.v3 v3.0.1 itself), and the `toYaml` template function built on it.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'yaml';
import { marshalYamlV3, yamlSortKeys } from '../../src/template/index.js';

const cases: [name: string, value: unknown, indent: number, expected: string][] = [
  [
    'nested maps and lists (4-space)',
    { spec: { containers: [{ name: 'x', ports: [{ containerPort: 80 }], env: [] }], selector: {} } },
    4,
    'spec:\n    containers:\n        - env: []\n          name: x\n          ports:\n            - containerPort: 80\n    selector: {}\n',
  ],
  [
    'nested maps and lists (2-space)',
    { spec: { containers: [{ name: 'x', ports: [{ containerPort: 80 }] }] } },
    2,
    'spec:\n  containers:\n    - name: x\n      ports:\n        - containerPort: 80\n',
  ],
  [
    'natural key order',
    { '9': 1, '10': 1, b: 1, a10: 1, a2: 1, a02: 1, A: 1, _x: 1, 'x-y': 1, z: 1 },
    4,
    '_x: 1\n"9": 1\n"10": 1\nA: 1\na2: 1\na02: 1\na10: 1\nb: 1\nx-y: 1\nz: 1\n',
  ],
  [
    'strings needing quotes',
    {
      t: 'true',
      y: 'yes',
      n: 'null',
      e: '',
      i: '1',
      f: '1.0',
      o: '0o17',
      d: '2024-01-02',
      ver: '570.86.16',
      c: 'a: b',
      h: '#x',
      s: ' lead',
      q: "it's",
      star: '*x',
      dash: '- x',
      col: 'a:b',
      hashmid: 'a #b',
    },
    4,
    'c: \'a: b\'\ncol: a:b\nd: "2024-01-02"\ndash: \'- x\'\ne: ""\nf: "1.0"\nh: \'#x\'\nhashmid: \'a #b\'\ni: "1"\n"n": "null"\no: "0o17"\nq: it\'s\ns: \' lead\'\nstar: \'*x\'\nt: "true"\nver: 570.86.16\n"y": "yes"\n',
  ],
  [
    'multi-line strings',
    { clip: 'a\nb\n', strip: 'a\nb', keep: 'a\n\n', lead: '  x\ny', list: ['one\ntwo'] },
    4,
    'clip: |\n    a\n    b\nkeep: |+\n    a\n\nlead: |4-\n      x\n    y\nlist:\n    - |-\n      one\n      two\nstrip: |-\n    a\n    b\n',
  ],
  [
    'special characters',
    { tab: 'a\tb', esc: 'x\u001b', emoji: '😀', nbsp: 'a b', uni: 'héllo' },
    4,
    'emoji: "\\U0001F600"\nesc: "x\\e"\nnbsp: a b\ntab: "a\\tb"\nuni: héllo\n',
  ],
  [
    'scalars',
    { n: null, t: true, f: false, i: -7, fl: 1.5, small: 1e-7, big: 1e21, e6: 1234567.5 },
    4,
    'big: 1e+21\ne6: 1.2345675e+06\nf: false\nfl: 1.5\ni: -7\n"n": null\nsmall: 1e-07\nt: true\n',
  ],
  ['nested lists', [[1, [2]], [], {}], 4, '- - 1\n  - - 2\n- []\n- {}\n'],
  ['top-level scalars', 'plain', 4, 'plain\n'],
  ['top-level multi-line', 'a\nb', 4, '|-\n    a\n    b\n'],
];

describe('marshalYamlV3 (yaml.v3 Marshal)', () => {
  for (const [name, value, indent, expected] of cases) {
    it(name, () => {
      assert.equal(marshalYamlV3(value, { indent }), expected);
    });
  }

  it('round-trips through a YAML parser', () => {
    for (const [, value] of cases) {
      if (typeof value === 'object' && value !== null) {
        assert.deepEqual(parse(marshalYamlV3(value)), JSON.parse(JSON.stringify(value)));
      }
    }
  });

  it('defaults to 4-space indentation', () => {
    assert.equal(marshalYamlV3({ a: { b: [1] } }), 'a:\n    b:\n        - 1\n');
  });

  it('prints undefined as null and rejects functions', () => {
    assert.equal(marshalYamlV3({ a: undefined }), 'a: null\n');
    assert.throws(() => marshalYamlV3({ f: () => 1 }), /cannot marshal type: function/);
  });
});

describe('yamlSortKeys', () => {
  it('orders digit runs numerically and non-letters before letters', () => {
    assert.deepEqual(yamlSortKeys(['b', 'a10', 'a2', 'a02', 'A', '_x', '10', '9', 'x-y', 'z']), [
      '_x',
      '9',
      '10',
      'A',
      'a2',
      'a02',
      'a10',
      'b',
      'x-y',
      'z',
    ]);
  });
});
