import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { checksumsFile, FILE_MODE, sha256, type GeneratedFile } from '../../src/bundle/checksums.js';
import { cleanup, has, run, tempDir } from './helpers.js';

describe('checksums.txt', () => {
  const dir = tempDir();
  after(() => cleanup(dir));

  it('lists "<sha256>  <path>" lines in the given order', () => {
    const files: GeneratedFile[] = [
      { path: 'b/values.yaml', content: 'b: 1\n', mode: FILE_MODE },
      { path: 'a.md', content: Buffer.from('# a\n'), mode: FILE_MODE },
    ];
    const text = checksumsFile(files).content.toString();
    assert.equal(text, `${sha256('b: 1\n')}  b/values.yaml\n${sha256('# a\n')}  a.md\n`);
    assert.equal(sha256(''), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  });

  it(
    'escapes unusual names so that sha256sum -c accepts them',
    { skip: has('sha256sum') ? false : 'sha256sum not installed' },
    () => {
      const files: GeneratedFile[] = ['plain.txt', 'with space.txt', 'back\\slash.txt', 'new\nline.txt'].map(
        (p, i) => ({
          path: p,
          content: `file ${i}\n`,
          mode: FILE_MODE,
        }),
      );
      for (const f of files) writeFileSync(path.join(dir, f.path), f.content);
      writeFileSync(path.join(dir, 'checksums.txt'), checksumsFile(files).content);
      const r = run('sha256sum', ['-c', 'checksums.txt'], { cwd: dir });
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.equal(r.stdout.split('\n').filter((l) => l.endsWith(': OK')).length, 4);
    },
  );
});
