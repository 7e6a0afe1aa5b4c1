// gridrewire dataset --estimate as a user runs it (the built CLI): by default
// the grid's size decides (the DC-LODF estimate up to 1000 branches, the AC
// first step above: featureOptionsFor), '--estimate ac-step|dc' says which
// (recorded in the dataset's config, which the model inherits), and an
// unknown estimate is refused in one line with exit 2 before anything is
// written.

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '../../main/store';
import { cli, ROOT } from '../helpers/cli';
import { AC_STEP_BRANCHES, featureOptionsFor } from '../../main/core/grid/features';

const dir = mkdtempSync(join(tmpdir(), 'gridrewire-estimate-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const case30 = join(ROOT, 'resources', 'cases', 'case30.m');

function featuresOf(db: string): Record<string, unknown> {
  const store = openStore(db);
  try {
    const [d] = store.datasets.list();
    return (d.config as { features: Record<string, unknown> }).features;
  } finally {
    store.close();
  }
}

test("dataset: a small grid's records with the DC estimate by default, the AC first step with '--estimate ac-step'", () => {
  for (const [flag, want] of [[[], 'dc'], [['--estimate', 'ac-step'], 'ac-step'], [['--estimate', 'dc'], 'dc']] as const) {
    const db = join(dir, `${want}.db`);
    const r = cli(['dataset', case30, '--random', '3', '--seed', '2', '--workers', '1', '--quiet', '--db', db, ...flag]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(featuresOf(db).estimate, want);
  }
});

test('dataset --estimate with an unknown estimate: one line, exit 2, no database written', () => {
  const db = join(dir, 'bad.db');
  const r = cli(['dataset', case30, '--random', '3', '--estimate', 'lodf', '--db', db]);
  assert.equal(r.code, 2, r.stdout + r.stderr);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, r.stderr);
  assert.match(lines[0], /--estimate must be one of ac-step, dc, got 'lodf'/);
  assert.equal(existsSync(db), false);
});

test('the default estimate follows the grid size: DC up to AC_STEP_BRANCHES branches, the AC first step (with its bus voltages) above', () => {
  assert.equal(featureOptionsFor(245).estimate, 'dc');
  assert.equal(featureOptionsFor(AC_STEP_BRANCHES).estimate, 'dc');
  assert.equal(featureOptionsFor(AC_STEP_BRANCHES + 1).estimate, 'ac-step');
  assert.equal(featureOptionsFor(3206).watchLoading, 0.95);
  assert.equal(featureOptionsFor(3206).voltageMove, 0.001);
  assert.equal(featureOptionsFor(245).voltageMove, undefined);
});
