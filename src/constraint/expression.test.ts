import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AicrError } from '../errors/index.js';
import { evaluateExpression, formatExpression, parseConstraintExpression } from './expression.js';

type Outcome = boolean | 'error';

/** (expression, actual, outcome): upstream's triples (docs/validate.md) plus precision, suffix and detection cases. */
const CASES: [string, string, Outcome][] = [
  // upstream table, rows 1-29
  ['>= 1.32.4', '1.32.4', true],
  ['>= 1.32.4', 'v1.33.5-eks-3025e55', true],
  ['>= 1.32.4', '1.30.0', false],
  ['<= 1.33', '1.33.0', true],
  ['<= 1.33', '1.32.0', true],
  ['<= 1.33', '1.34.0', false],
  ['> 1.30', '1.32.0', true],
  ['> 1.30', '1.30.0', false],
  ['< 2.0', '1.30.0', true],
  ['< 2.0', '2.0.0', false],
  ['>= 6.8', '6.8.0-1028-aws', true],
  ['>= 6.8', '5.15.0-1050-aws', false],
  ['== ubuntu', 'ubuntu', true],
  ['== ubuntu', 'rhel', false],
  ['!= rhel', 'ubuntu', true],
  ['!= rhel', 'rhel', false],
  ['24.04', '24.04', true],
  ['24.04', '22.04', false],
  ['Ubuntu', 'ubuntu', false],
  ['ubuntu', '  ubuntu  ', true],
  ['== 1.2.3', 'v1.2.3', true],
  ['== 1.2.3', 'v1.2.4', false],
  ['!= 1.2.3', 'v1.2.4', true],
  ['!= 1.2.3', 'v1.2.3', false],
  ['== not-a-version', 'not-a-version', true],
  ['!= not-a-version', 'different', true],
  ['>= not-a-version', '1.0.0', 'error'],
  ['>= 1.0.0', 'not-a-version', 'error'],
  ['< invalid', '1.0.0', 'error'],
  // precision: missing components are zeros, for ordering and equality alike
  ['== 1.33', '1.33.5', false],
  ['== 1.33', '1.33.0', true],
  ['!= 1.33', '1.33.5', true],
  ['>= 1.33', '1.33.5', true],
  ['<= 1.33', '1.33.5', false],
  ['> 1.33', '1.33.5', true],
  ['< 1.33', '1.33.5', false],
  ['> 1', '1.9.0', true],
  ['>= 2', '1.9.0', false],
  ['< 2', '1.9.0', true],
  ['>= 1.32.4', '1.32', false],
  ['>= 1.32.4', '1.31', false],
  ['>= 1.99.99', 'v1', false],
  ['>= 1.99.99', '1', false],
  ['< 1.99.99', 'v1', true],
  ['>= 1', '1.0.0', true],
  ['== 1.0', '1.0.0', true],
  ['== 1', '1.0.0', false], // `1` has no dot: not version-like, so strings are compared
  // `v` prefixes on either side; only one lowercase v
  ['>= v24.6.0', 'v25.10.1', true],
  ['>= v24.6.0', '24.5.9', false],
  ['< v2', 'v1.99.99', true],
  ['== v1.2.3', '1.2.3', true],
  ['>= 1.0', 'V1.0', 'error'],
  ['>= 1.0', 'vv1.0', 'error'],
  // suffixes are ignored in comparisons
  ['>= 1.28', 'v1.28.0-gke.1337000', true],
  ['<= 1.29.2', '1.29.2-hotfix.20240322', true],
  ['== 1.2.3', '1.2.3+build.7', true],
  ['>= 6.8', '6.8.0-1028-aws ', true],
  ['> 6.8.0', '6.8.0-1028-aws', false],
  // string vs version detection
  ['24.04', 'v24.04', false], // exact never compares versions
  ['== 24.04', 'v24.04', true], // == does, operand looks like a version
  ['== 24.4', '24.04', true], // leading zeros parse
  ['24.4', '24.04', false],
  ['== ubuntu22.04', 'ubuntu22.04', true], // looks like a version, does not parse: string compare
  ['== ubuntu22.04', 'ubuntu22.4', false],
  ['== 123', '0123', false], // no dot: not a version, strings differ
  ['!= abc.def', 'abc.def', false],
  ['=5', '=5', true], // a lone `=` is not an operator
  ['~= 1.2', '~= 1.2', true],
  // whitespace handling and operators without spaces
  ['>=6.8', '6.10.0', true],
  ['>=   1.32.4', '1.32.4', true],
  ['  <=1.33  ', '1.33.9', false],
  ['  <=1.33.9  ', '1.33.9', true],
  ['==ubuntu', 'ubuntu', true],
  ['!=rhel', 'rhel', false],
  // version errors inside an ordering comparison
  ['>= 1.2', '1.2.3.4', 'error'],
  ['>= 1.2.a', '1.2.3', 'error'],
  ['> 1.0', '', 'error'],
  ['< 1.0', '-1.0', 'error'],
  ['<= 1.0', '1..0', 'error'],
  ['>= 1.0', '3rc1', 'error'],
  // == / != never error, even when a side is not a version
  ['== 1.2.3', 'not-a-version', false],
  ['!= 1.2.3', '1.2.3.4', true],
];

describe('constraint expressions: table of (expression, actual, outcome)', () => {
  assert.ok(CASES.length >= 40);
  for (const [expr, actual, want] of CASES) {
    it(`${JSON.stringify(expr)} vs ${JSON.stringify(actual)} → ${want}`, () => {
      const parsed = parseConstraintExpression(expr);
      if (want === 'error') {
        assert.throws(
          () => evaluateExpression(parsed, actual),
          (err: unknown) =>
            err instanceof AicrError &&
            err.code === 'INVALID_REQUEST' &&
            /cannot parse (expected|actual) version/.test(err.message),
        );
      } else {
        assert.equal(evaluateExpression(parsed, actual), want);
      }
    });
  }
});

describe('parseConstraintExpression', () => {
  const parses: [string, string, string][] = [
    ['>=  1.32.4', '>=', '1.32.4'],
    [' >= 1.32.4', '>=', '1.32.4'],
    ['>= 1.32.4 ', '>=', '1.32.4'],
    ['>=6.8', '>=', '6.8'],
    ['>1.30', '>', '1.30'],
    ['<=1.33', '<=', '1.33'],
    ['<2.0', '<', '2.0'],
    ['==ubuntu', '==', 'ubuntu'],
    ['!=rhel', '!=', 'rhel'],
    ['v1.33.5', '', 'v1.33.5'],
    ['=5', '', '=5'],
    ['>==1', '>=', '=1'],
  ];
  for (const [expr, op, value] of parses) {
    it(`${JSON.stringify(expr)} → (${op || 'exact'}, ${value})`, () => {
      const p = parseConstraintExpression(expr);
      assert.equal(p.operator, op);
      assert.equal(p.value, value);
    });
  }

  it('rejects empty expressions and operators without an operand', () => {
    for (const expr of ['', '   ']) {
      assert.throws(() => parseConstraintExpression(expr), /constraint expression cannot be empty/);
    }
    for (const expr of ['>=', '>=   ', '<', '!=', '== ']) {
      assert.throws(
        () => parseConstraintExpression(expr),
        (err: unknown) =>
          err instanceof AicrError &&
          err.code === 'INVALID_REQUEST' &&
          err.message.startsWith('constraint value cannot be empty after operator'),
      );
    }
  });

  it('flags version comparison: always for ordering operators, for ==/!=/exact only when the operand looks like a version', () => {
    assert.equal(parseConstraintExpression('>= abc').versionComparison, true);
    assert.equal(parseConstraintExpression('== 1.2').versionComparison, true);
    assert.equal(parseConstraintExpression('== ubuntu').versionComparison, false);
    assert.equal(parseConstraintExpression('24.04').versionComparison, true);
    assert.equal(parseConstraintExpression('!= 123').versionComparison, false);
  });

  it('formats canonically: bare value for exact, "<op> <value>" otherwise', () => {
    assert.equal(formatExpression(parseConstraintExpression('>=6.8')), '>= 6.8');
    assert.equal(formatExpression(parseConstraintExpression('  ubuntu ')), 'ubuntu');
    assert.equal(formatExpression(parseConstraintExpression('!=   rhel')), '!= rhel');
  });
});
