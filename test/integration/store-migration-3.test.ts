// Migration 3 on a real file: a version-2 database with N-1 runs and records
// is upgraded in place, every run (and its id, and the id counter) and record
// kept, the old records judged exactly without probability; runs of mode
// 'screen' and surrogate-judged records are then accepted by the repository
// and the tables' CHECKs, anything else still refused, and deleting a run
// still takes its records.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { openStore, SCHEMA_VERSION, StoreError } from '../../main/store';
import { databaseAtVersion } from '../helpers/old-schema';
import { caseText, makeCase, makeRecord } from '../fixtures/store/fixtures';
import { surrogateRecord } from '../../main/core/learn/screen';

test('a version-2 database keeps its N-1 runs and records through migration 3; screens are then stored', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gridrewire-mig3-'));
  try {
    const path = join(dir, 'v2.db');
    const raw = databaseAtVersion(path, 2);
    raw.prepare("INSERT INTO cases (id, hash, name, text_gz, parsed_gz, nbus, nbranch, ngen, imported_at) VALUES (1, 'h', 'c', x'00', x'00', 3, 3, 1, 't')").run();
    const run = raw.prepare(`INSERT INTO n1_runs (id, case_id, mode, kind, config, status, total, done, n_secure, started_at, updated_at)
      VALUES (?, 1, 'ac', 'branch', ?, 'done', 2, 2, 2, 't', 't')`);
    run.run(4, JSON.stringify({ caseId: 1, mode: 'ac', kind: 'branch', elements: [1, 2], options: {} }));
    run.run(9, JSON.stringify({ caseId: 1, mode: 'ac', kind: 'branch', elements: [1, 2], options: {} }));
    raw.prepare('DELETE FROM n1_runs WHERE id = 9').run(); // the counter stays at 9
    const rec = raw.prepare(`INSERT INTO n1_records (run_id, kind, element, from_bus, to_bus, verdict, converged, iterations, islanded, cut_buses,
      lost_load_mw, lost_gen_mw, max_loading, n_overloads, worst_branch, min_vm, max_vm, n_voltage_violations, mismatch, severity)
      VALUES (4, 'branch', ?, 1, 2, 'secure', 1, 3, 0, 0, 0, 0, 0.5, 0, NULL, 0.98, 1.02, 0, 1e-10, 0.5)`);
    rec.run(1); rec.run(2);
    assert.throws(() => raw.prepare("INSERT INTO n1_runs (case_id, mode, kind, config, status, total, started_at, updated_at) VALUES (1, 'screen', 'branch', '{}', 'done', 0, 't', 't')").run(), /CHECK constraint/);
    raw.close();

    const store = openStore(path);
    assert.equal(store.schemaVersion, SCHEMA_VERSION);
    const old = store.n1.getRun(4)!;
    assert.equal(old.mode, 'ac');
    assert.equal(old.counts.secure, 2);
    const back = store.n1.getRecords(4);
    assert.deepEqual(back.map((r) => [r.branch, r.verdict, r.iterations, r.judgedBy, r.probability]), [[1, 'secure', 3, 'exact', null], [2, 'secure', 3, 'exact', null]]);

    // A screen: its config says how it split, its records how each was judged.
    const c = makeCase('mig3', 10);
    const caseId = store.cases.import({ text: caseText(c), parsed: c }).id;
    const screen = { modelId: 2, threshold: 0.4, band: 0.1, exact: 1, surrogate: 1 };
    const id = store.n1.createRun({ caseId, mode: 'screen', kind: 'branch', elements: [1, 2], options: {}, screen }, 2);
    assert.ok(id > 9, `ids are not reused: ${id}`);
    const kept = surrogateRecord({ branch: 2, from: 1, to: 3, probability: 0.05, maxLoading: 0.7 });
    store.n1.appendRecords(id, [{ ...makeRecord('branch', 1), probability: 0.6 }, kept]);
    const recs = store.n1.getRecords(id, { orderBy: 'element' });
    assert.deepEqual(recs.map((r) => [r.judgedBy, r.probability]), [['exact', 0.6], ['surrogate', 0.05]]);
    assert.deepEqual(recs[1], kept);
    assert.deepEqual(store.n1.getRun(id)!.config.screen, screen);
    const code = (e: unknown) => (e instanceof StoreError ? e.code : String(e));
    assert.throws(() => store.n1.createRun({ caseId, mode: 'screen', kind: 'branch', elements: [1], options: {} }, 1), (e) => code(e) === 'INVALID');
    assert.throws(() => store.n1.createRun({ caseId, mode: 'ac', kind: 'branch', elements: [1], options: {}, screen }, 1), (e) => code(e) === 'INVALID');
    const other = store.n1.createRun({ caseId, mode: 'ac', kind: 'branch', elements: [3], options: {} }, 1);
    assert.throws(() => store.n1.appendRecords(other, [{ ...makeRecord('branch', 3), judgedBy: 'guess' as never }]), (e) => code(e) === 'INVALID');
    assert.throws(() => store.n1.appendRecords(other, [{ ...makeRecord('branch', 3), probability: 1.5 }]), (e) => code(e) === 'INVALID');
    assert.equal(store.n1.countRecords(other), 0, 'a refused batch stores nothing');
    // Deleting a run still takes its records (the rebuilt reference cascades).
    store.n1.deleteRun(4);
    assert.deepEqual(store.n1.getRecords(4), []);
    assert.deepEqual(store.integrityCheck(), ['ok']);
    store.close();

    const after = new Database(path);
    assert.deepEqual(after.pragma('foreign_key_check'), []);
    assert.throws(() => after.prepare("UPDATE n1_records SET judged_by = 'guess' WHERE run_id = ?").run(id), /CHECK constraint/);
    const fk = after.prepare("SELECT \"table\" FROM pragma_foreign_key_list('n1_records')").pluck().all();
    assert.deepEqual(fk, ['n1_runs']);
    after.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
