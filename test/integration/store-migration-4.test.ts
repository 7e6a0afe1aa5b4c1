// Migration 4 (after 3, the screen's) on a real file: a database at schema version 2 with model
// results is upgraded in place, its rows (and their ids) kept; results of
// kind 'graphon' are then accepted by the repository and by the table's
// CHECK constraint, and an unknown kind is still refused by both.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { openStore, SCHEMA_VERSION, StoreError } from '../../main/store';
import { databaseAtVersion } from '../helpers/old-schema';

test('a version-2 database is migrated to the latest version (through 3 and 4) with its results; graphon studies are then kept', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gridrewire-mig4-'));
  try {
    const path = join(dir, 'v2.db');
    const raw = databaseAtVersion(path, 2);
    raw.prepare("INSERT INTO models (name, config, created_at, updated_at) VALUES ('m', '{}', 't', 't')").run();
    raw.prepare("INSERT INTO model_results (id, model_id, kind, key, doc, created_at) VALUES (4, 1, 'fidelity', 'k', '{\"a\":1}', 't')").run();
    raw.prepare("INSERT INTO model_results (id, model_id, kind, key, doc, created_at) VALUES (8, 1, 'compression', 'c', '{\"b\":2}', 't')").run();
    assert.throws(() => raw.prepare("INSERT INTO model_results (model_id, kind, key, doc, created_at) VALUES (1, 'graphon', 'k', '{}', 't')").run(), /CHECK constraint/);
    raw.close();

    assert.ok(SCHEMA_VERSION >= 4);
    const store = openStore(path);
    assert.equal(store.schemaVersion, SCHEMA_VERSION);
    assert.deepEqual(store.results.list(1).map((r) => [r.id, r.kind, r.key, r.doc]), [[4, 'fidelity', 'k', { a: 1 }], [8, 'compression', 'c', { b: 2 }]]);
    const id = store.results.put(1, 'graphon', 'blocks:32', { layers: [{ layer: 'mp0.lin1', distanceFromConstant: 0.01 }] });
    assert.ok(id > 8, 'ids are not reused');
    assert.deepEqual(store.results.get(1, 'graphon', 'blocks:32')!.doc, { layers: [{ layer: 'mp0.lin1', distanceFromConstant: 0.01 }] });
    assert.throws(() => store.results.put(1, 'graphons' as never, 'k', {}), (e) => e instanceof StoreError && e.code === 'INVALID');
    store.models.delete(1);
    assert.deepEqual(store.results.list(1), [], 'a model\'s studies go with it');
    assert.deepEqual(store.integrityCheck(), ['ok']);
    store.close();

    const after = new Database(path);
    after.prepare("INSERT INTO models (id, name, config, created_at, updated_at) VALUES (5, 'm', '{}', 't', 't')").run();
    after.prepare("INSERT INTO model_results (model_id, kind, key, doc, created_at) VALUES (5, 'graphon', 'k', '{}', 't')").run();
    assert.throws(() => after.prepare("INSERT INTO model_results (model_id, kind, key, doc, created_at) VALUES (5, 'story', 'k2', '{}', 't')").run(), /CHECK constraint/);
    after.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
