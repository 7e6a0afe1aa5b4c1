// gridrewire dataset --estimate as a user runs it (the built CLI): the
// default records carry the AC first-step estimate, '--estimate dc' the
// DC-LODF one of datasets made before it (recorded in the dataset's config,
// which the model inherits), and an unknown estimate is refused in one line
// with exit 2 before anything is written.

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '../../main/store';
import { cli, ROOT } from '../helpers/cli';

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

test("dataset: records with the AC first step by default, the DC estimate with '--estimate dc'", () => {
  for (const [flag, want] of [[[], 'ac-step'], [['--estimate', 'dc'], 'dc']] as const) {
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
