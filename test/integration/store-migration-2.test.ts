// Migration 2 on a real file: a database at schema version 1 with model
// results is upgraded in place, its rows (and their ids) kept; results of
// kind 'fidelity' are then accepted, by the repository and by the table's
// CHECK constraint, and an unknown kind is still refused by both.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { openStore, SCHEMA_VERSION, StoreError } from '../../main/store';
import { databaseAtVersion } from '../helpers/old-schema';
import { explanationKey, fidelityKey } from '../../main/store/results';

test('a version-1 database is migrated through version 2 with its results; fidelity studies are then kept', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gridrewire-mig2-'));
  try {
    const path = join(dir, 'v1.db');
    const raw = databaseAtVersion(path, 1);
    raw.prepare("INSERT INTO models (name, config, created_at, updated_at) VALUES ('m', '{}', 't', 't')").run();
    raw.prepare("INSERT INTO model_results (id, model_id, kind, key, doc, created_at) VALUES (7, 1, 'explanation', 'branch:3', '{\"a\":1}', 't')").run();
    raw.prepare("INSERT INTO model_results (id, model_id, kind, key, doc, created_at) VALUES (9, 1, 'robustness', 'noise', '{\"b\":2}', 't')").run();
    assert.throws(() => raw.prepare("INSERT INTO model_results (model_id, kind, key, doc, created_at) VALUES (1, 'fidelity', 'k', '{}', 't')").run(), /CHECK constraint/);
    raw.close();

    assert.ok(SCHEMA_VERSION >= 2);
    const store = openStore(path);
    assert.equal(store.schemaVersion, SCHEMA_VERSION);
    assert.deepEqual(store.results.list(1).map((r) => [r.id, r.kind, r.key, r.doc]), [[7, 'explanation', 'branch:3', { a: 1 }], [9, 'robustness', 'noise', { b: 2 }]]);
    const key = fidelityKey({ datasetId: 1, outages: 100, draws: 30, seed: 1, steps: 16, physicsK: 5 });
    const id = store.results.put(1, 'fidelity', key, { fidelity: [{ k: 10, ratio: 4.2 }] });
    assert.ok(id > 9, 'ids are not reused');
    assert.deepEqual(store.results.get(1, 'fidelity', key)!.doc, { fidelity: [{ k: 10, ratio: 4.2 }] });
    assert.equal(store.results.put(1, 'fidelity', key, { fidelity: [] }), id, 'the same configuration replaces its study');
    assert.throws(() => store.results.put(1, 'story' as never, 'k', {}), (e) => e instanceof StoreError && e.code === 'INVALID');
    // Explanations are keyed by case content and branch.
    store.results.put(1, 'explanation', explanationKey('ab12', 40), { verdict: 'secure' });
    assert.deepEqual(store.results.get(1, 'explanation', 'case:ab12:branch:40')!.doc, { verdict: 'secure' });
    // The model's results still go with it.
    store.models.delete(1);
    assert.deepEqual(store.results.list(1), []);
    assert.deepEqual(store.integrityCheck(), ['ok']);
    store.close();

    const after = new Database(path);
    assert.equal(after.pragma('user_version', { simple: true }), SCHEMA_VERSION);
    after.prepare("INSERT INTO models (id, name, config, created_at, updated_at) VALUES (5, 'm', '{}', 't', 't')").run();
    after.prepare("INSERT INTO model_results (model_id, kind, key, doc, created_at) VALUES (5, 'fidelity', 'k', '{}', 't')").run();
    assert.throws(() => after.prepare("INSERT INTO model_results (model_id, kind, key, doc, created_at) VALUES (5, 'story', 'k2', '{}', 't')").run(), /CHECK constraint/);
    const sql = (after.prepare("SELECT sql FROM sqlite_master WHERE name = 'model_results'").get() as { sql: string }).sql;
    assert.match(sql, /'fidelity'/);
    after.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
