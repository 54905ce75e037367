import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import semver from 'semver';
import { AicrError } from '../errors/index.js';
import { compareVersions, formatVersion, looksLikeVersion, parseVersion, versionsEqual } from './version.js';
import { evaluateExpression, parseConstraintExpression } from './expression.js';

describe('parseVersion', () => {
  it('parses components, precision and extras', () => {
    assert.deepEqual(parseVersion('1'), { major: 1, minor: 0, patch: 0, precision: 1, extras: '' });
    assert.equal(parseVersion('v2').precision, 1);
    assert.deepEqual(parseVersion('v0.1'), { major: 0, minor: 1, patch: 0, precision: 2, extras: '' });
    assert.deepEqual(parseVersion('v0.0.0'), { major: 0, minor: 0, patch: 0, precision: 3, extras: '' });
    assert.deepEqual(parseVersion('6.8.0-1028-aws'), {
      major: 6,
      minor: 8,
      patch: 0,
      precision: 3,
      extras: '-1028-aws',
    });
    assert.equal(parseVersion('v1.28.0-gke.1337000').extras, '-gke.1337000');
    assert.equal(parseVersion('1.29.2-hotfix.20240322').patch, 2);
    assert.equal(parseVersion('v1.33.5-eks-3025e55').minor, 33);
    assert.equal(parseVersion('1.2.3+build').extras, '+build');
    assert.equal(parseVersion('02.+3').major, 2); // Atoi rules: leading zeros, a plus sign
    assert.equal(parseVersion('02.+3').minor, 3);
  });

  it('round-trips through formatVersion', () => {
    for (const [text, out] of [
      ['1', '1'],
      ['v2', '2'],
      ['1.2', '1.2'],
      ['v0.1', '0.1'],
      ['1.2.3', '1.2.3'],
      ['v1.2.3', '1.2.3'],
    ]) {
      const v = parseVersion(text);
      assert.equal(formatVersion(v), out);
      assert.deepEqual(parseVersion(formatVersion(v)), { ...v, extras: '' });
    }
  });

  const errors: [string, RegExp][] = [
    ['', /^version string is empty$/],
    ['1.2.3.4', /version has more than 3 components/],
    ['v1.2.a', /non-numeric component: "a"/],
    ['1.', /empty component/],
    ['.1', /empty component/],
    ['1..2', /empty component/],
    ['v', /empty component/],
    ['V1', /non-numeric component: "V1"/],
    ['vv1', /non-numeric component: "v1"/],
    ['3rc1', /non-numeric component: "3rc1"/],
    [' 1', /non-numeric component: " 1"/],
    ['-1.2.3', /negative component: -1/],
    ['1.-2.3', /negative component: -2/],
    ['1.2.-3', /negative component: -3/],
  ];
  for (const [text, re] of errors) {
    it(`rejects ${JSON.stringify(text)}`, () => {
      assert.throws(
        () => parseVersion(text),
        (err: unknown) => err instanceof AicrError && err.code === 'INVALID_REQUEST' && re.test(err.message),
      );
    });
  }
});

describe('compareVersions / versionsEqual', () => {
  it('pads the less precise side with zeros', () => {
    assert.equal(compareVersions('1', '1.5.10'), -1);
    assert.equal(compareVersions('1.2', '1.2.5'), -1);
    assert.equal(compareVersions('1.2', '1.2.0'), 0);
    assert.equal(compareVersions('v1', '1.99.99'), -1);
    assert.equal(compareVersions('1.2.4', '1.2.5'), -1);
    assert.equal(compareVersions('1.10', '1.9'), 1);
    assert.equal(compareVersions('2', '1.99.99'), 1);
  });

  it('equality compares all three parts regardless of precision', () => {
    assert.equal(versionsEqual(parseVersion('1.2'), parseVersion('1.2.0')), true);
    assert.equal(versionsEqual('1.2', '1.2.5'), false);
    assert.equal(versionsEqual('1.33', '1.33.0-eks-1'), true);
  });

  it('looksLikeVersion needs a digit and a dot after an optional v', () => {
    for (const t of ['1.0', 'v1.2.3', 'ubuntu22.04', '.1']) assert.equal(looksLikeVersion(t), true, t);
    for (const t of ['123', 'abc.def', 'a.b.c', 'v', '', 'v1']) assert.equal(looksLikeVersion(t), false, t);
  });
});

/** Arbitrary valid version text with precision 1-3, optional `v`, optional ignored suffix. */
const component = fc.integer({ min: 0, max: 40 });
const versionArb = (precision?: 1 | 2 | 3) =>
  fc
    .record({
      parts: fc.array(
        component,
        precision ? { minLength: precision, maxLength: precision } : { minLength: 1, maxLength: 3 },
      ),
      v: fc.boolean(),
      suffix: fc.constantFrom('', '-1028-aws', '-eks-3025e55', '+build.1', '-rc.1'),
    })
    .map(({ parts, v, suffix }) => `${v ? 'v' : ''}${parts.join('.')}${suffix}`);

const holds = (op: string, actual: string, expected: string) =>
  evaluateExpression(parseConstraintExpression(`${op} ${expected}`), actual);

describe('version order properties (fast-check)', () => {
  it('orders like semver (an independent implementation) on the zero-padded versions', () => {
    const padded = (t: string) => {
      const v = parseVersion(t);
      return `${v.major}.${v.minor}.${v.patch}`;
    };
    fc.assert(
      fc.property(versionArb(), versionArb(), (a, b) => {
        assert.equal(compareVersions(a, b), semver.compare(padded(a), padded(b)), `${a} vs ${b}`);
        assert.equal(versionsEqual(a, b), semver.eq(padded(a), padded(b)));
        assert.equal(holds('>=', a, b), semver.gte(padded(a), padded(b)), `${a} >= ${b}`);
        assert.equal(holds('<', a, b), semver.lt(padded(a), padded(b)), `${a} < ${b}`);
      }),
      { numRuns: 2000 },
    );
  });

  it('a less precise actual never satisfies a more precise bound above its zero-padding', () => {
    fc.assert(
      fc.property(component, component, component, (major, minor, patch) => {
        fc.pre(minor > 0 || patch > 0);
        assert.equal(holds('>=', `v${major}`, `${major}.${minor}.${patch}`), false);
        assert.equal(semver.gte(`${major}.0.0`, `${major}.${minor}.${patch}`), false);
      }),
    );
  });

  it('antisymmetry: compare(a, b) === -compare(b, a)', () => {
    fc.assert(
      fc.property(versionArb(), versionArb(), (a, b) => {
        assert.equal(compareVersions(a, b), -compareVersions(b, a) || 0);
      }),
    );
  });

  it('reflexivity: every version compares equal to itself, with or without v and suffix', () => {
    fc.assert(
      fc.property(versionArb(), (a) => {
        assert.equal(compareVersions(a, a), 0);
        assert.equal(versionsEqual(a, a), true);
      }),
    );
  });

  it('transitivity of < across any precisions', () => {
    fc.assert(
      fc.property(versionArb(), versionArb(), versionArb(), (a, b, c) => {
        fc.pre(compareVersions(a, b) < 0 && compareVersions(b, c) < 0);
        assert.equal(compareVersions(a, c), -1);
      }),
    );
  });

  it('transitivity of <= among versions of one precision (a total order there)', () => {
    for (const p of [1, 2, 3] as const) {
      fc.assert(
        fc.property(versionArb(p), versionArb(p), versionArb(p), (a, b, c) => {
          if (compareVersions(a, b) <= 0 && compareVersions(b, c) <= 0) assert.ok(compareVersions(a, c) <= 0);
        }),
      );
    }
  });

  it('">=" agrees with ">" or "==" for versions of one precision', () => {
    // `==` compares versions only when the operand looks like one (has a dot), so precision 1 is left out.
    for (const p of [2, 3] as const) {
      fc.assert(
        fc.property(versionArb(p), versionArb(p), (actual, expected) => {
          assert.equal(
            holds('>=', actual, expected),
            holds('>', actual, expected) || holds('==', actual, expected),
          );
          assert.equal(
            holds('<=', actual, expected),
            holds('<', actual, expected) || holds('==', actual, expected),
          );
        }),
      );
    }
  });

  it('">=" agrees with ">" or compare = 0 for any precisions; "==" implies both ">=" and "<="', () => {
    fc.assert(
      fc.property(versionArb(), versionArb(), (actual, expected) => {
        assert.equal(
          holds('>=', actual, expected),
          holds('>', actual, expected) || compareVersions(actual, expected) === 0,
        );
        assert.equal(holds('<', actual, expected), !holds('>=', actual, expected));
        if (looksLikeVersion(expected) && holds('==', actual, expected)) {
          assert.ok(holds('>=', actual, expected) && holds('<=', actual, expected));
        }
      }),
    );
  });

  it('suffixes and a leading v never change the order', () => {
    fc.assert(
      fc.property(fc.array(component, { minLength: 1, maxLength: 3 }), versionArb(), (parts, other) => {
        const bare = parts.join('.');
        for (const dressed of [`v${bare}`, `${bare}-1028-aws`, `v${bare}-eks-3025e55`]) {
          assert.equal(compareVersions(dressed, other), compareVersions(bare, other));
          assert.equal(versionsEqual(dressed, other), versionsEqual(bare, other));
        }
      }),
    );
  });
});
