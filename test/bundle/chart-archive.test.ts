/**
 * The bounded chart-archive reader (src/bundle/chart-archive.ts) on hand-made tar.gz streams: Chart.yaml
 * found at the top level only, long (pax/GNU) names, refused entry names that climb out or are absolute,
 * truncated or unterminated streams, and gzip that unpacks beyond the cap. Plus the helm failure
 * classification used by --vendor-charts.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { ArchiveError, readChartArchive, tarEntries } from '../../src/bundle/chart-archive.js';
import { classifyHelmFailure } from '../../src/bundle/vendor.js';

function header(name: string, size: number, type = '0', prefix = ''): Buffer {
  const h = Buffer.alloc(512);
  h.write(name, 0, 100, 'utf8');
  h.write('0000644\0', 100);
  h.write(size.toString(8).padStart(11, '0') + '\0', 124);
  h.write(type, 156);
  h.write('ustar\0', 257);
  h.write('00', 263);
  h.write(prefix, 345, 155, 'utf8');
  // checksum: spaces while summing
  h.fill(0x20, 148, 156);
  let sum = 0;
  for (const b of h) sum += b;
  h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148);
  return h;
}

function entry(name: string, data: string | Buffer, type = '0', prefix = ''): Buffer {
  const d = Buffer.isBuffer(data) ? data : Buffer.from(data);
  const pad = Buffer.alloc((512 - (d.length % 512)) % 512);
  return Buffer.concat([header(name, d.length, type, prefix), d, pad]);
}

function pax(path: string): Buffer {
  let rec = ` path=${path}\n`;
  let len = rec.length;
  len = String(len + String(len).length).length + rec.length;
  rec = `${len}${rec}`;
  return Buffer.from(rec);
}

const END = Buffer.alloc(1024);
const tgz = (...parts: Buffer[]) => gzipSync(Buffer.concat([...parts, END]));

describe('chart archives', () => {
  it('reads name and version from the top-level Chart.yaml, not from subcharts', () => {
    const a = tgz(
      entry('mychart/charts/sub/Chart.yaml', 'name: sub\nversion: 9.9.9\n'),
      entry('mychart/values.yaml', 'x: 1\n'),
      entry('mychart/Chart.yaml', 'apiVersion: v2\nname: mychart\nversion: 1.10\n'),
    );
    assert.deepEqual(readChartArchive(a), { name: 'mychart', version: '1.10' });
  });

  it('follows pax and GNU long names and the ustar prefix', () => {
    const long = 'c'.repeat(120);
    assert.deepEqual(
      readChartArchive(
        tgz(entry('PaxHeader', pax(`${long}/Chart.yaml`), 'x'), entry('short', 'name: p\nversion: 1.0.0\n')),
      ),
      { name: 'p', version: '1.0.0' },
    );
    assert.deepEqual(
      readChartArchive(
        tgz(entry('././@LongLink', `${long}/Chart.yaml\0`, 'L'), entry('x', 'name: g\nversion: 2.0.0\n')),
      ),
      { name: 'g', version: '2.0.0' },
    );
    assert.deepEqual(readChartArchive(tgz(entry('Chart.yaml', 'name: u\nversion: 3.0.0\n', '0', 'u'))), {
      name: 'u',
      version: '3.0.0',
    });
  });

  it('refuses entry names that are absolute or climb out, and names nothing it did not read', () => {
    for (const bad of ['../evil/Chart.yaml', '/etc/Chart.yaml', 'a/../../Chart.yaml']) {
      assert.throws(
        () => readChartArchive(tgz(entry(bad, 'name: x\nversion: 1\n'))),
        (e: unknown) => {
          assert.ok(e instanceof ArchiveError);
          assert.match((e as Error).message, /unsafe entry name/);
          return true;
        },
      );
    }
  });

  it('refuses archives without one top-level Chart.yaml, without name or version, or not gzip/tar', () => {
    assert.throws(() => readChartArchive(tgz(entry('a/values.yaml', 'x: 1\n'))), /no <chart>\/Chart.yaml/);
    assert.throws(
      () =>
        readChartArchive(
          tgz(entry('a/Chart.yaml', 'name: a\nversion: 1\n'), entry('b/Chart.yaml', 'name: b\nversion: 1\n')),
        ),
      /more than one top-level Chart.yaml/,
    );
    assert.throws(() => readChartArchive(tgz(entry('a/Chart.yaml', 'version: 1.0.0\n'))), /has no name/);
    assert.throws(() => readChartArchive(tgz(entry('a/Chart.yaml', 'name: a\n'))), /has no version/);
    assert.throws(() => readChartArchive(Buffer.from('plain text')), /not a gzip archive/);
    const full = Buffer.concat([entry('a/Chart.yaml', 'name: a\nversion: 1.0.0\n')]);
    assert.throws(() => readChartArchive(gzipSync(full.subarray(0, 520))), /truncated/);
    assert.throws(() => readChartArchive(gzipSync(full)), /end-of-archive marker/);
  });

  it('stops at the entry cap and the unpacked-size cap', () => {
    const many = Buffer.alloc(512 * 100_001);
    const h = header('a/f', 0);
    for (let i = 0; i < 100_001; i++) h.copy(many, i * 512);
    assert.throws(() => [...tarEntries(many)], /more than 100000 entries/);
    // A gzip bomb: 64 MiB of zeros (64 KiB compressed) against a 16 MiB cap is cut off, never unpacked whole.
    const bomb = gzipSync(Buffer.alloc(64 * 1024 * 1024));
    assert.ok(bomb.length < 128 * 1024);
    assert.throws(() => readChartArchive(bomb, 16 * 1024 * 1024), /unpacks to more than 16777216 bytes/);
  });
});

describe('helm failure classification', () => {
  const cases: [string, string][] = [
    ['Error: chart "alpha" version "9.9.9" not found in http://127.0.0.1:1234 repository', 'NOT_FOUND'],
    [
      'Error: failed to perform "FetchReference" on source: GET "http://h/v2/charts/x/manifests/1": response status code 404: notfound',
      'NOT_FOUND',
    ],
    [
      'Error: looks like "http://h" is not a valid chart repository or cannot be reached: failed to fetch http://h/index.yaml : 401 Unauthorized',
      'UNAUTHORIZED',
    ],
    [
      'Error: unexpected status from HEAD request to https://r/v2/x/manifests/1: 403 Forbidden',
      'UNAUTHORIZED',
    ],
    [
      'Error: looks like "http://h" is not a valid chart repository or cannot be reached: Get "http://h/index.yaml": dial tcp 127.0.0.1:1: connect: connection refused',
      'SERVICE_UNAVAILABLE',
    ],
    [
      'Get "https://nosuch.example/index.yaml": dial tcp: lookup nosuch.example: no such host',
      'SERVICE_UNAVAILABLE',
    ],
    ['helm did not finish within 5m', 'SERVICE_UNAVAILABLE'],
    ['Error: something else entirely', 'INTERNAL'],
  ];
  for (const [text, code] of cases)
    it(`${code}: ${text.slice(0, 60)}`, () => assert.equal(classifyHelmFailure(text), code));
});
