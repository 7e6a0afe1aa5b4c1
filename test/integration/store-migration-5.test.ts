// Migration 5 (after 3 and 4) on a version-2 file with reports in it: every report is kept
// (ids too), the one naming a run in its source gets that run; xlsx becomes
// a kind; N-1 runs record their machine from then on; deleting a run leaves
// its reports, without the run.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { databaseAtVersion } from '../helpers/old-schema';
import { openStore } from '../../main/store';
import { caseText } from '../helpers/shared';
import { parseMatpower } from '../../main/core/grid/matpower';

test('a version-2 database gets xlsx reports with their run and the machine of each run', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gridrewire-mig5-'));
  try {
    const path = join(dir, 'v2.db');
    const raw = databaseAtVersion(path, 2);
    raw.prepare("INSERT INTO cases (id, hash, name, text_gz, parsed_gz, nbus, nbranch, ngen, imported_at) VALUES (1, 'h', 'c', x'00', x'00', 1, 1, 1, 't')").run();
    raw.prepare("INSERT INTO n1_runs (id, case_id, mode, kind, config, status, total, started_at, updated_at) VALUES (4, 1, 'ac', 'branch', '{}', 'done', 0, 't', 't')").run();
    raw.prepare("INSERT INTO reports (id, kind, file_name, path, size, source, created_at) VALUES (3, 'html', 'a.html', '/x/a.html', 10, '{\"runId\":4}', 't')").run();
    raw.prepare("INSERT INTO reports (id, kind, file_name, path, size, source, created_at) VALUES (5, 'pdf', 'b.pdf', '/x/b.pdf', 20, '{\"modelId\":2}', 't')").run();
    raw.prepare("INSERT INTO reports (id, kind, file_name, path, size, source, created_at) VALUES (6, 'csv', 'c.csv', '/x/c.csv', 20, '{\"runId\":77}', 't')").run();
    assert.throws(() => raw.prepare("INSERT INTO reports (kind, file_name, path, size, created_at) VALUES ('xlsx', 'd.xlsx', '/x', 1, 't')").run(), /CHECK constraint/);
    raw.close();

    const store = openStore(path);
    assert.ok(store.schemaVersion >= 3);
    assert.deepEqual(store.reports.list().map((r) => [r.id, r.kind, r.runId]), [[3, 'html', 4], [5, 'pdf', null], [6, 'csv', null]]);
    const x = store.reports.add({ kind: 'xlsx', fileName: 'r.xlsx', bytes: new Uint8Array([1, 2, 3]), runId: 4 });
    assert.ok(x > 6);
    assert.deepEqual(store.reports.list({ runId: 4 }).map((r) => r.id), [3, x]);
    assert.equal(store.n1.getRun(4)!.machine, null, 'a run stored before machines were recorded says so');
    const { id: caseId } = store.cases.import({ text: caseText('case9'), parsed: parseMatpower(caseText('case9'), 'case9.m'), sourceFile: 'case9.m' });
    const run = store.n1.createRun({ caseId, mode: 'ac', kind: 'branch', elements: [1], options: {} }, 1);
    assert.match(store.n1.getRun(run)!.machine!, /\(\d+ cores\), \w+-\w+, Node v/);
    store.n1.deleteRun(4);
    assert.deepEqual(store.reports.list().filter((r) => r.id === 3 || r.id === x).map((r) => r.runId), [null, null], 'reports outlive their run');
    assert.deepEqual(store.integrityCheck(), ['ok']);
    store.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
