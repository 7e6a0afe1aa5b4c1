// Migration 7 on a version-6 file with a screen in it: every record is kept
// as it was (judged by, probability, NULL loadings), 'topology' becomes a way
// a record is judged, any other stays refused, and deleting the run still
// takes its records with it.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { MIGRATIONS } from '../../main/store/migrations';
import { databaseAtVersion } from '../helpers/old-schema';
import { openStore, StoreError } from '../../main/store';
import { makeRecord } from '../fixtures/store/fixtures';

const V7 = MIGRATIONS.findIndex((m) => m.description.includes("'topology'"));

test("a version-6 database keeps its records and accepts records judged by 'topology'", () => {
  assert.ok(V7 > 0, 'the migration exists');
  const dir = mkdtempSync(join(tmpdir(), 'gridrewire-mig7-'));
  try {
    const path = join(dir, 'v6.db');
    const raw = databaseAtVersion(path, MIGRATIONS[V7 - 1].version);
    raw.prepare("INSERT INTO cases (id, hash, name, text_gz, parsed_gz, nbus, nbranch, ngen, imported_at) VALUES (1, 'h', 'c', x'00', x'00', 1, 3, 1, 't')").run();
    const config = JSON.stringify({ caseId: 1, mode: 'screen', kind: 'branch', elements: [1, 2, 3], options: {}, screen: { modelId: 1, threshold: 0.5, band: 0.1, exact: 2, surrogate: 1 } });
    raw.prepare("INSERT INTO n1_runs (id, case_id, mode, kind, config, status, total, done, started_at, updated_at) VALUES (4, 1, 'screen', 'branch', ?, 'running', 3, 2, 't', 't')").run(config);
    const ins = raw.prepare(`INSERT INTO n1_records (run_id, kind, element, from_bus, to_bus, verdict, converged, iterations, islanded, cut_buses, lost_load_mw, lost_gen_mw,
      max_loading, n_overloads, worst_branch, min_vm, max_vm, n_voltage_violations, mismatch, severity, judged_by, probability) VALUES (4, 'branch', ?, 1, 2, ?, 1, 3, 0, 0, 0, 0, ?, 0, NULL, 0.95, 1.05, 0, 1e-10, ?, ?, ?)`);
    ins.run(1, 'secure', 0.5, 0.5, 'exact', 0.2);
    ins.run(2, 'secure', null, 0.6, 'surrogate', 0.01);
    assert.throws(() => ins.run(3, 'islanded', null, 30, 'topology', null), /CHECK constraint/, 'version 6 knows no topology');
    raw.close();

    const store = openStore(path);
    assert.ok(store.schemaVersion >= MIGRATIONS[V7].version);
    const kept = store.n1.getRecords(4);
    assert.deepEqual(kept.map((r) => [r.branch, r.verdict, r.judgedBy, r.probability, r.maxLoading, r.severity]), [[1, 'secure', 'exact', 0.2, 0.5, 0.5], [2, 'secure', 'surrogate', 0.01, NaN, 0.6]]);
    assert.equal(store.n1.getRun(4)!.done, 2);

    // The running run is this process's once claimed; a topology record joins it.
    store.markStaleRunsInterrupted();
    store.n1.claimRun(4);
    const island = { ...makeRecord('branch', 3), verdict: 'islanded' as const, islanded: true, cutBuses: 1, maxLoading: NaN, minVm: NaN, maxVm: NaN, judgedBy: 'topology' as const, probability: null };
    assert.equal(store.n1.appendRecords(4, [island]), 1);
    const back = store.n1.getRecords(4).find((r) => r.branch === 3)!;
    assert.deepEqual([back.judgedBy, back.verdict, back.maxLoading, back.minVm, back.probability], ['topology', 'islanded', NaN, NaN, null]);
    assert.throws(() => store.n1.appendRecords(4, [{ ...makeRecord('branch', 3), judgedBy: 'guess' as never }]), (e) => e instanceof StoreError && e.code === 'INVALID');
    store.n1.finishRun(4, 'done', 1);
    assert.deepEqual(store.integrityCheck(), ['ok']);
    store.n1.deleteRun(4);
    assert.equal(store.n1.countRecords(4), 0, 'the records go with their run');
    store.close();

    const after = new Database(path);
    try {
      assert.throws(() => after.prepare("INSERT INTO n1_records (run_id, kind, element, from_bus, to_bus, verdict, converged, iterations, islanded, cut_buses, n_overloads, n_voltage_violations, judged_by) VALUES (99, 'branch', 1, 1, 2, 'secure', 0, 0, 0, 0, 0, 0, 'guess')").run(), /CHECK constraint/);
    } finally {
      after.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
