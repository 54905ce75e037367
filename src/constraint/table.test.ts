import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Snapshot } from '../model/snapshot.js';
import { validateRecipe } from './recipe.js';
import { renderValidationTable, summaryLine } from './table.js';

const snap: Snapshot = {
  measurements: [
    { type: 'OS', subtypes: [{ subtype: 'release', data: { ID: 'ubuntu', VERSION_ID: '22.04' } }] },
  ],
};

describe('renderValidationTable', () => {
  it('lists every constraint with expected and actual values, then one summary line', () => {
    const doc = validateRecipe(
      {
        constraints: [
          { name: 'OS.release.ID', value: 'ubuntu' },
          { name: 'OS.release.VERSION_ID', value: '24.04' },
          { name: 'K8s.server.version', value: '>= 1.30' },
        ],
      },
      snap,
    );
    const lines = renderValidationTable(doc).trimEnd().split('\n');
    assert.match(lines[0]!, /^STATUS\s+PHASE\s+CONSTRAINT\s+EXPECTED\s+ACTUAL\s+MESSAGE$/);
    assert.match(lines[1]!, /^PASS\s+readiness\s+OS\.release\.ID\s+ubuntu\s+ubuntu\s+/);
    assert.match(
      lines[2]!,
      /^FAIL\s+readiness\s+OS\.release\.VERSION_ID\s+24\.04\s+22\.04\s+expected 24\.04, got 22\.04$/,
    );
    assert.match(lines[3]!, /^SKIPPED\s+readiness\s+K8s\.server\.version\s+>= 1\.30\s+-\s+value not found/);
    assert.equal(lines[4], '');
    assert.equal(lines[5], 'status: fail (1 passed, 1 failed, 1 skipped, 0 errors; 3 total)');
    assert.equal(lines.length, 6);
  });

  it('says so when there is nothing to check', () => {
    const doc = validateRecipe({}, snap);
    assert.equal(
      renderValidationTable(doc),
      'no constraints to check\n\nstatus: pass (0 passed, 0 failed, 0 skipped, 0 errors; 0 total)\n',
    );
    assert.equal(
      summaryLine({
        status: 'fail',
        summary: { passed: 0, failed: 0, skipped: 0, errors: 1, total: 1 },
      }).endsWith('1 error; 1 total)'),
      true,
    );
  });
});
