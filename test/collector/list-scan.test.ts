// The list-page scanner (src/collector/list-scan.ts) against JSON.parse: a differential property test
// over generated and corrupted pages, hostile pages by hand, and hostile pages served by the in-process
// API server to the collectors.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import fc from 'fast-check';
import { K8sCollector } from '../../src/collector/k8s.js';
import { KubeSession } from '../../src/collector/kube.js';
import {
  MAX_DEPTH,
  scanList,
  scanNode,
  scanPodImages,
  type ScannedNode,
} from '../../src/collector/list-scan.js';
import { NodeTopologyCollector } from '../../src/collector/topology.js';
import type { Measurement } from '../../src/model/snapshot.js';
import { FakeKubeApiServer } from '../k8s/fake-api-server.js';
import { makeNode, makePod } from '../k8s/objects.js';
import { captureLogs, signal, tempDir } from './helpers.js';

// ------------------------------------------------------------------ the oracle: JSON.parse, then the
// documented reading (a field of another type than expected is absent).

const isObj = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown) => (typeof v === 'string' ? v : '');

function oracleList<T>(page: Buffer, item: (v: unknown) => T): { items: T[]; continue?: string } {
  const p: unknown = JSON.parse(page.toString('utf8'));
  if (!isObj(p)) throw new SyntaxError('not an object');
  const items = Array.isArray(p.items) ? p.items.map(item) : [];
  const cont = isObj(p.metadata) && typeof p.metadata.continue === 'string' ? p.metadata.continue : '';
  return { items, continue: cont || undefined };
}

function oraclePod(v: unknown): string[] {
  const spec = isObj(v) ? v.spec : undefined;
  if (!isObj(spec)) return [];
  const out: string[] = [];
  for (const k of ['containers', 'initContainers', 'ephemeralContainers']) {
    const list = spec[k];
    if (!Array.isArray(list)) continue;
    for (const c of list) if (isObj(c) && typeof c.image === 'string') out.push(c.image);
  }
  return out;
}

function oracleNode(v: unknown): ScannedNode {
  const meta = isObj(v) ? v.metadata : undefined;
  const spec = isObj(v) ? v.spec : undefined;
  const labels = isObj(meta) && isObj(meta.labels) ? meta.labels : {};
  const taints = isObj(spec) && Array.isArray(spec.taints) ? spec.taints : [];
  return {
    name: isObj(meta) ? str(meta.name) : '',
    labels: new Map(Object.entries(labels).filter((e): e is [string, string] => typeof e[1] === 'string')),
    taints: taints
      .filter(isObj)
      .map((t) => ({ key: str(t.key), value: str(t.value), effect: str(t.effect) })),
  };
}

/** Both read the page alike, or both refuse it. */
function agree<T>(page: Buffer, scan: typeof scanPodImages | typeof scanNode, oracle: (v: unknown) => T) {
  let want: unknown;
  let wantErr: unknown;
  try {
    want = oracleList(page, oracle);
  } catch (err) {
    wantErr = err;
  }
  let got: unknown;
  let gotErr: unknown;
  try {
    got = scanList(page, scan as (s: Parameters<typeof scanNode>[0]) => unknown);
  } catch (err) {
    gotErr = err;
  }
  const text = JSON.stringify(page.toString('latin1'));
  if (wantErr) {
    assert.ok(
      gotErr instanceof SyntaxError,
      `JSON.parse refuses ${text}, the scanner read ${JSON.stringify(got)}`,
    );
    assert.match(gotErr.message, /^list page: .* at byte \d+$/);
  } else {
    assert.equal(gotErr, undefined, `the scanner refuses ${text}: ${String(gotErr)}`);
    assert.deepEqual(got, want, text);
  }
}

// ------------------------------------------------------------------ generated pages

/** Keys and strings that matter to the scanner, and some that could confuse it. */
const word = fc.oneof(
  fc.constantFrom(
    'items',
    'metadata',
    'continue',
    'spec',
    'containers',
    'initContainers',
    'ephemeralContainers',
    'image',
    'name',
    'labels',
    'taints',
    'key',
    'value',
    'effect',
    '__proto__',
    'constructor',
    '0',
    '7',
    '42',
    '007',
    '4294967294',
    '4294967295',
    'nginx:1.27',
    'a"b',
    'a\\',
    '\\"',
    '\u2028',
    '\ud800',
    'é',
    '',
  ),
  fc.string({ maxLength: 6 }),
);

type J = null | boolean | number | string | J[] | { pairs: [string, J][] };

const { value: jsonValue } = fc.letrec<{ value: J }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constantFrom(null, true, false, 0, -1.5e3, 12),
    word,
    fc.array(tie('value'), { maxLength: 4 }),
    // Objects as key/value pairs, so that keys can repeat.
    fc.array(fc.tuple(word, tie('value')), { maxLength: 5 }).map((pairs) => ({ pairs })),
  ),
}));

/** Writes a value as JSON text, with random whitespace and keys sometimes written with \u escapes. */
function write(v: J, rnd: () => number): string {
  const ws = () => [' ', '\n', '\t', '\r', ''][Math.floor(rnd() * 5)]!;
  if (v === null || typeof v !== 'object') {
    if (typeof v === 'string' && rnd() < 0.2) {
      return `"${[...v].map((ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`).join('')}"`;
    }
    return JSON.stringify(v);
  }
  if (Array.isArray(v)) return `[${ws()}${v.map((x) => write(x, rnd) + ws()).join(',')}]`;
  return `{${ws()}${v.pairs.map(([k, x]) => `${write(k, rnd)}${ws()}:${ws()}${write(x, rnd)}`).join(`,${ws()}`)}}`;
}

/** A value shaped like a list page: `items` of pod- or node-shaped values among arbitrary ones. */
const shaped = (itemShape: fc.Arbitrary<J>) =>
  fc
    .tuple(
      fc.array(itemShape, { maxLength: 4 }),
      fc.option(word),
      fc.array(fc.tuple(word, jsonValue), { maxLength: 2 }),
      fc.boolean(),
    )
    .map(([items, cont, extra, itemsFirst]): J => {
      const meta: [string, J] = [
        'metadata',
        { pairs: cont === null ? [['resourceVersion', '1']] : [['continue', cont]] },
      ];
      const list: [string, J] = ['items', items];
      return { pairs: [...(itemsFirst ? [list, meta] : [meta, list]), ...extra] };
    });

const obj = (...pairs: [string, J][]): J => ({ pairs });
const podShape: fc.Arbitrary<J> = fc.oneof(
  jsonValue,
  fc
    .tuple(
      fc.constantFrom('containers', 'initContainers', 'ephemeralContainers', 'image'),
      fc.array(
        fc.oneof(
          jsonValue,
          word.map((w) => obj(['image', w], ['name', 'c'])),
        ),
        { maxLength: 3 },
      ),
      jsonValue,
    )
    .map(([k, list, other]) => obj(['metadata', obj(['name', 'p'])], ['spec', obj([k, list], ['x', other])])),
);
const nodeShape: fc.Arbitrary<J> = fc.oneof(
  jsonValue,
  fc
    .tuple(
      word,
      fc.array(fc.tuple(word, fc.oneof(word, jsonValue)), { maxLength: 4 }),
      fc.array(
        fc.oneof(
          jsonValue,
          fc.tuple(word, word, word).map(([k, v, e]) => obj(['key', k], ['value', v], ['effect', e])),
        ),
        {
          maxLength: 3,
        },
      ),
    )
    .map(([name, labels, taints]) =>
      obj(
        ['metadata', obj(['name', name], ['labels', { pairs: labels }])],
        ['spec', obj(['taints', taints])],
      ),
    ),
);

/** Bytes that corrupt a page: structure, escapes, control characters, invalid UTF-8. */
const NOISE = [
  '{',
  '}',
  '[',
  ']',
  '"',
  ',',
  ':',
  '\\',
  ' ',
  '0',
  '-',
  'e',
  '.',
  't',
  'u',
  '\u0001',
  '\n',
  '\u00ff',
];

const page = (shape: fc.Arbitrary<J>) =>
  fc
    .tuple(
      shaped(shape),
      fc.integer(),
      fc.array(fc.tuple(fc.nat(), fc.nat(NOISE.length), fc.boolean()), { maxLength: 2 }),
    )
    .map(([v, seed, edits]) => {
      let s = seed;
      const rnd = () => ((s = (Math.imul(s, 1103515245) + 12345) | 0) >>> 0) / 2 ** 32;
      const bytes = [...Buffer.from(write(v, rnd))];
      for (const [at, n, del] of edits) {
        const i = at % (bytes.length + 1);
        if (del || n === NOISE.length) bytes.splice(i, 1);
        else bytes.splice(i, 0, ...(NOISE[n] === '\u00ff' ? [0xff] : [...Buffer.from(NOISE[n]!)]));
      }
      return Buffer.from(bytes);
    });

describe('list-page scanner', () => {
  it('reads pod images as JSON.parse does, and refuses what JSON.parse refuses (generated pages)', () => {
    fc.assert(
      fc.property(page(podShape), (p) => agree(p, scanPodImages, oraclePod)),
      { numRuns: 1500 },
    );
  });

  it('reads node names, labels and taints as JSON.parse does, and refuses what it refuses', () => {
    fc.assert(
      fc.property(page(nodeShape), (p) => agree(p, scanNode, oracleNode)),
      { numRuns: 1500 },
    );
  });

  it('agrees with JSON.parse on hand-written edge cases', () => {
    const cases = [
      '{"items":[{"sp\\u0065c":{"containers":[{"image":"escaped-key:1"}]}}]}',
      '{"items":[{"spec":{"containers":[{"image":"a:1"}]},"spec":{"containers":[{"image":"b:2"}]}}]}',
      '{"items":[{"spec":{"containers":[{"image":"a:1","image":5}]}}]}',
      '{"items":[{"spec":{"containers":{"image":"not-a-list"}}}],"items":[]}',
      '{"items":null,"metadata":{"continue":7}}',
      '{"metadata":{"continue":""},"items":[1,"x",null,[],{}]}',
      '{"items":[{"spec":{"containers":[{"image":"tab\\tand\\u00e9\\ud83d\\ude00"}]}}]}',
      ' \n{"items":[]}\r\n\t',
      '{"items":[]} x',
      '{"items":[],}',
      '{"items":[1,]}',
      '{"items":[01]}',
      '{"items":[-]}',
      '{"items":[1.]}',
      '{"items":[1e]}',
      '{"items":[tru]}',
      '{"items":["\\x"]}',
      '{"items":["\\u12g4"]}',
      '{"items":["a\u0001b"]}',
      '{"items":["\u001f"]}',
      '{"items":"\u2028"}',
      '{"items":["unterminated]}',
      '{"items":["\\\\"]}',
      '{"items":["\\\\\\""]}',
      '\ufeff{"items":[]}',
      '[]',
      'null',
      '',
      '{',
      '{"a" 1}',
      '{"a":1 "b":2}',
      '{"a":[1}',
      '{"a":{1:2}}',
    ];
    for (const c of cases) {
      agree(Buffer.from(c), scanPodImages, oraclePod);
      agree(Buffer.from(c), scanNode, oracleNode);
    }
    // Invalid UTF-8 inside a string is U+FFFD, as toString + JSON.parse make it; outside one it is refused.
    agree(
      Buffer.from([
        ...Buffer.from('{"items":[{"spec":{"containers":[{"image":"x'),
        0xc3,
        ...Buffer.from('"}]}}]}'),
      ]),
      scanPodImages,
      oraclePod,
    );
    agree(Buffer.from([...Buffer.from('{"items":['), 0xc3, ...Buffer.from(']}')]), scanPodImages, oraclePod);
  });

  it('keeps __proto__ and array-index label keys as labels, in Object.entries order, touching no prototype', () => {
    const p = Buffer.from(
      '{"items":[{"metadata":{"name":"n","labels":{"b":"1","__proto__":"x","10":"y","2":"z","constructor":"c","b":"2"}},' +
        '"spec":{"taints":[{"key":"__proto__","effect":"NoSchedule"},null,{"key":"k","value":1}]}}]}',
    );
    const [node] = scanList(p, scanNode).items;
    assert.deepEqual(
      [...node!.labels],
      [
        ['2', 'z'],
        ['10', 'y'],
        ['b', '2'],
        ['__proto__', 'x'],
        ['constructor', 'c'],
      ],
    );
    assert.deepEqual(node!.taints, [
      { key: '__proto__', value: '', effect: 'NoSchedule' },
      { key: 'k', value: '', effect: '' },
    ]);
    assert.equal(({} as Record<string, unknown>).x, undefined);
    agree(p, scanNode, oracleNode);
  });

  it(`accepts nesting up to ${MAX_DEPTH} and refuses deeper (as Go's encoding/json)`, () => {
    const nested = (d: number) => Buffer.from(`{"items":[{"x":${'['.repeat(d)}${']'.repeat(d)}}]}`);
    // items array + pod object + d arrays: the skipped value itself nests d deep.
    assert.equal(scanList(nested(MAX_DEPTH), scanPodImages).items.length, 1);
    assert.throws(
      () => scanList(nested(MAX_DEPTH + 1), scanPodImages),
      /nesting deeper than 10000 at byte \d+/,
    );
  });

  it('names the byte where a page goes wrong', () => {
    assert.throws(() => scanList(Buffer.from('{"items":[{"a":1 "b":2}]}'), scanPodImages), {
      name: 'SyntaxError',
      message: "list page: expected ',' or '}' at byte 17",
    });
  });
});

// ------------------------------------------------------------------ hostile pages through the collectors

function data(m: Measurement, sub: string) {
  return m.subtypes!.find((x) => x.subtype === sub)!.data;
}

describe('collectors on hostile list pages from the API server', () => {
  const t = tempDir('aicr-scan-');
  // One server lists as usual; the other answers with the pages set below.
  let normal: FakeKubeApiServer;
  let hostile: FakeKubeApiServer;
  let kubeconfig: string;
  let hostileKubeconfig: string;
  let podsPage = '';
  let nodesPage = '';

  before(async () => {
    normal = await FakeKubeApiServer.start();
    for (let i = 0; i < 7; i++) normal.put(makeNode(`node-${i}`, { labels: { pool: i % 2 ? 'a' : 'b' } }));
    for (let i = 0; i < 9; i++) normal.put(makePod('ns', `pod-${i}`, { images: [`registry/app:${i}`] }));
    kubeconfig = normal.writeKubeconfig(path.join(t.dir, 'kubeconfig'));
    hostile = await FakeKubeApiServer.start();
    hostile.route('GET', '/api/v1/pods', (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' }).end(podsPage);
    });
    hostile.route('GET', '/api/v1/nodes', (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' }).end(nodesPage);
    });
    hostileKubeconfig = hostile.writeKubeconfig(path.join(t.dir, 'kubeconfig-hostile'));
  });
  after(async () => {
    await normal.close();
    await hostile.close();
    t.cleanup();
  });

  const collect = async (opts: { pageSize?: number; kc?: string } = {}) => {
    const session = new KubeSession({ kubeconfig: opts.kc ?? hostileKubeconfig, env: {} });
    const k8s = new K8sCollector({ session, nodeName: '', pageSize: opts.pageSize });
    const topo = new NodeTopologyCollector({ session, pageSize: opts.pageSize });
    const logs = captureLogs();
    try {
      const [k, n] = await Promise.allSettled([k8s.collect(signal()), topo.collect(signal())]);
      return { k, n, warnings: logs.warnings() };
    } finally {
      logs.restore();
    }
  };

  it('pages pods and nodes at once, small pages and one page alike', async () => {
    const one = await collect({ pageSize: 1, kc: kubeconfig });
    const all = await collect({ pageSize: 1000, kc: kubeconfig });
    assert.equal(normal.requestsTo('/api/v1/pods').length, 9 + 1);
    assert.equal(normal.requestsTo('/api/v1/nodes').length, 7 + 1);
    assert.equal(one.k.status, 'fulfilled');
    assert.equal(one.n.status, 'fulfilled');
    assert.deepEqual(one, all);
    const images = data((one.k as PromiseFulfilledResult<Measurement>).value, 'image');
    assert.equal(images.app, '8', 'the last pod listed wins, as before');
    const label = data((one.n as PromiseFulfilledResult<Measurement>).value, 'label');
    assert.equal(label['pool.a'], 'a|node-1,node-3,node-5');
  });

  it('a malformed pods page: the image subtype is empty with a warning naming the byte', async () => {
    podsPage = '{"items":[{"spec":{"containers":[{"image":"x:1"}]}}';
    nodesPage = '{"items":[]}';
    const r = await collect();
    assert.equal(r.k.status, 'fulfilled');
    assert.deepEqual(data((r.k as PromiseFulfilledResult<Measurement>).value, 'image'), {});
    assert.deepEqual(r.warnings, [
      "K8s image: list page: expected ',' or ']' at byte 51 - subtype data is empty",
    ]);
  });

  it('a malformed node page fails the topology collector', async () => {
    podsPage = '{"items":[]}';
    nodesPage = '{"items":[{"metadata":{"name":"n\u0001"}}]}';
    const r = await collect();
    assert.equal(r.n.status, 'rejected');
    assert.match(String((r.n as PromiseRejectedResult).reason), /control character in string at byte 32/);
  });

  it('__proto__ keys in labels, taints and images reach no prototype', async () => {
    podsPage = '{"items":[{"spec":{"containers":[{"image":"r/__proto__:1"},{"image":"r/ok:2"}]}}]}';
    nodesPage =
      '{"items":[{"metadata":{"name":"n1","labels":{"__proto__":"p","constructor":"c"}},' +
      '"spec":{"taints":[{"key":"__proto__","value":"v","effect":"NoSchedule"},{"key":"t","effect":"NoExecute"}]}}]}';
    const r = await collect();
    const topo = (r.n as PromiseFulfilledResult<Measurement>).value;
    const label = data(topo, 'label');
    const taint = data(topo, 'taint');
    assert.equal(Object.getPrototypeOf(label), Object.prototype);
    assert.equal(Object.getPrototypeOf(taint), Object.prototype);
    assert.equal(label.constructor, 'c|n1');
    assert.equal(taint.t, 'NoExecute||n1');
    assert.equal(data((r.k as PromiseFulfilledResult<Measurement>).value, 'image').ok, '2');
    assert.equal(({} as Record<string, unknown>).p, undefined);
    assert.equal(({} as Record<string, unknown>).v, undefined);
  });
});
