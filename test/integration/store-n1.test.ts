// N-1 runs and records on a real file: the engine's contract (createRun,
// appendRecords, missingElements, finishRun), exact record round-trip,
// ordering and counts checked against plain-JS references.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ContingencyRecord, Verdict } from '../../main/core/grid/contingency-types';
import { VERDICTS } from '../../main/core/grid/contingency-types';
import { openStore, StoreError } from '../../main/store';
import type { Store } from '../../main/store';
import { caseText, makeCase, makeRecord, range1 } from '../fixtures/store/fixtures';

function setup(t: { after: (fn: () => void) => void }, nbus = 40): { store: Store; caseId: number; path: string } {
  const dir = mkdtempSync(join(tmpdir(), 'gr-store-n1-'));
  const path = join(dir, 'n1.db');
  const store = openStore(path);
  t.after(() => {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const c = makeCase('n1case', nbus);
  return { store, caseId: store.cases.import({ text: caseText(c), parsed: c }).id, path };
}

const code = (e: unknown) => (e instanceof StoreError ? e.code : String(e));

test('records round-trip exactly, including NaN, Infinity, null worstBranch and gen runs', (t) => {
  const { store, caseId } = setup(t);
  const elements = range1(60);
  const runId = store.n1.createRun({ caseId, mode: 'ac', kind: 'branch', elements, options: { enforceQLimits: true, tol: 1e-8 } }, 60);
  const recs = elements.map((e) => makeRecord('branch', e));
  assert.ok(recs.some((r) => Number.isNaN(r.maxLoading)) && recs.some((r) => r.severity === Infinity) && recs.some((r) => r.worstBranch === null));
  assert.equal(store.n1.appendRecords(runId, recs), 60);
  assert.deepEqual(store.n1.getRecords(runId, { orderBy: 'element' }), recs);
  assert.deepEqual(store.n1.getRun(runId)?.config, { caseId, mode: 'ac', kind: 'branch', elements, options: { enforceQLimits: true, tol: 1e-8 } });

  const genRun = store.n1.createRun({ caseId, mode: 'dc', kind: 'gen', elements: [1, 2], options: {} }, 2);
  const genRecs = [makeRecord('gen', 1), makeRecord('gen', 2)];
  store.n1.appendRecords(genRun, genRecs);
  const back = store.n1.getRecords(genRun);
  assert.deepEqual(back, genRecs);
  assert.equal(back[0].branch, undefined);
  // A branch record sent to a gen run is refused.
  assert.throws(() => store.n1.appendRecords(genRun, [makeRecord('branch', 1)]), (e) => code(e) === 'INVALID');
});

test('appendRecords is idempotent: replayed and overlapping batches never duplicate', (t) => {
  const { store, caseId } = setup(t);
  const runId = store.n1.createRun({ caseId, mode: 'ac', kind: 'branch', elements: range1(30), options: {} }, 30);
  assert.equal(store.n1.appendRecords(runId, range1(10).map((e) => makeRecord('branch', e))), 10);
  assert.equal(store.n1.appendRecords(runId, range1(10).map((e) => makeRecord('branch', e))), 0);
  assert.equal(store.n1.appendRecords(runId, range1(15).map((e) => makeRecord('branch', e))), 5);
  const run = store.n1.getRun(runId)!;
  assert.equal(run.done, 15);
  assert.equal(store.n1.countRecords(runId), 15);
  // Counts per verdict follow the rows actually inserted, not the rows sent.
  const expected = Object.fromEntries(VERDICTS.map((v) => [v, 0])) as Record<Verdict, number>;
  for (const e of range1(15)) expected[makeRecord('branch', e).verdict]++;
  assert.deepEqual(run.counts, expected);
});

test('missingElements is what a resume still has to compute; finishRun done needs all of them', (t) => {
  const { store, caseId } = setup(t);
  const elements = [3, 7, 11, 12, 20, 25];
  const runId = store.n1.createRun({ caseId, mode: 'ac', kind: 'branch', elements, options: {} }, elements.length);
  assert.deepEqual(store.n1.missingElements(runId), elements);
  store.n1.appendRecords(runId, [7, 20].map((e) => makeRecord('branch', e)));
  assert.deepEqual(store.n1.missingElements(runId), [3, 11, 12, 25]);
  assert.deepEqual(store.n1.missingElements(runId, [25, 20, 3]), [25, 3]);
  assert.throws(() => store.n1.finishRun(runId, 'done', 1), (e) => code(e) === 'INVALID' && /2 of 6/.test((e as Error).message));
  store.n1.finishRun(runId, 'cancelled', 1.5);
  let run = store.n1.getRun(runId)!;
  assert.equal(run.status, 'cancelled');
  assert.ok(run.finishedAt !== null);
  // A cancelled run takes no records until it is claimed again.
  assert.throws(() => store.n1.appendRecords(runId, [makeRecord('branch', 3)]), (e) => code(e) === 'INVALID' && /claimRun/.test((e as Error).message));
  store.n1.claimRun(runId);
  store.n1.appendRecords(runId, store.n1.missingElements(runId).map((e) => makeRecord('branch', e)));
  assert.deepEqual(store.n1.missingElements(runId), []);
  store.n1.finishRun(runId, 'done', 2.25);
  run = store.n1.getRun(runId)!;
  assert.equal(run.status, 'done');
  assert.equal(run.seconds, 3.75); // sessions add up
  assert.deepEqual(store.n1.getRecords(runId).map((r) => r.branch), elements);
  assert.throws(() => store.n1.claimRun(runId), (e) => code(e) === 'INVALID' && /already done/.test((e as Error).message));
  // Elements outside the run are refused rather than stored.
  assert.throws(() => store.n1.appendRecords(runId, [makeRecord('branch', 4)]), (e) => code(e) === 'INVALID');
});

test('getRecords orders by severity (worst first) or element, filters and pages like a JS sort', (t) => {
  const { store, caseId } = setup(t);
  const n = 500;
  const runId = store.n1.createRun({ caseId, mode: 'ac', kind: 'branch', elements: range1(n), options: {} }, n);
  // Insert in a scrambled order: storage order must not leak into results.
  // Some severities are NaN (stored as NULL): they must come last.
  const mk = (e: number) => (e % 50 === 0 ? { ...makeRecord('branch', e), severity: NaN } : makeRecord('branch', e));
  const scrambled = range1(n).sort((a, b) => ((a * 7919) % n) - ((b * 7919) % n));
  for (let i = 0; i < n; i += 64) store.n1.appendRecords(runId, scrambled.slice(i, i + 64).map(mk));

  const all = range1(n).map(mk);
  // Reference: severity descending, NaN last, ties by element.
  const sev = (r: ContingencyRecord) => (Number.isNaN(r.severity) ? -Infinity : r.severity);
  const bySeverity = [...all].sort((a, b) => sev(b) - sev(a) || a.branch! - b.branch!);
  assert.deepEqual(store.n1.getRecords(runId, { orderBy: 'severity' }), bySeverity);
  assert.deepEqual(store.n1.getRecords(runId, { orderBy: 'severity', limit: 25, offset: 50 }), bySeverity.slice(50, 75));
  assert.deepEqual(store.n1.getRecords(runId), all);
  const insecure: Verdict[] = ['overload', 'overload+voltage'];
  const filtered = all.filter((r) => insecure.includes(r.verdict));
  assert.ok(filtered.length > 0);
  assert.deepEqual(store.n1.getRecords(runId, { verdicts: insecure }), filtered);
  assert.equal(store.n1.countRecords(runId, insecure), filtered.length);
  assert.throws(() => store.n1.getRecords(runId, { verdicts: ['bogus' as Verdict] }), (e) => code(e) === 'INVALID');
});

test('listRuns shows status, progress and counts per verdict equal to a recount of the records', (t) => {
  const { store, caseId } = setup(t);
  const a = store.n1.createRun({ caseId, mode: 'ac', kind: 'branch', elements: range1(120), options: {} }, 120);
  const b = store.n1.createRun({ caseId, mode: 'dc', kind: 'branch', elements: range1(40), options: {} }, 40);
  const written = new Map([[a, range1(120).map((e) => makeRecord('branch', e))], [b, range1(25).map((e) => makeRecord('branch', e))]]);
  store.n1.appendRecords(a, written.get(a)!);
  store.n1.appendRecords(b, written.get(b)!);
  store.n1.finishRun(a, 'done', 0.5);
  store.n1.finishRun(b, 'failed', 0.1, 'Jacobian is singular');
  const runs = store.n1.listRuns();
  assert.deepEqual(runs.map((r) => [r.id, r.status, r.done, r.total, r.caseName]), [
    [a, 'done', 120, 120, 'n1case'],
    [b, 'failed', 25, 40, 'n1case'],
  ]);
  assert.equal(runs[1].error, 'Jacobian is singular');
  for (const r of runs) {
    // Recounted from the records the test wrote, not read back through the store.
    const recount = Object.fromEntries(VERDICTS.map((v) => [v, 0])) as Record<Verdict, number>;
    for (const rec of written.get(r.id)!) recount[rec.verdict]++;
    assert.ok(Object.values(recount).filter((n) => n > 0).length >= 3, `run ${r.id}: the records spread over several verdicts`);
    assert.deepEqual(r.counts, recount);
  }
  assert.deepEqual(store.n1.listRuns({ status: 'failed' }).map((r) => r.id), [b]);
  assert.equal(store.n1.deleteRun(a), true);
  assert.equal(store.n1.countRecords(a), 0);
});

test('createRun checks its config: unknown case, duplicate elements, total mismatch', (t) => {
  const { store, caseId } = setup(t);
  const bad = (fn: () => unknown, c: string, re?: RegExp) => assert.throws(fn, (e) => code(e) === c && (!re || re.test((e as Error).message)));
  bad(() => store.n1.createRun({ caseId: 999, mode: 'ac', kind: 'branch', elements: [1], options: {} }, 1), 'NOT_FOUND', /case 999/);
  bad(() => store.n1.createRun({ caseId, mode: 'ac', kind: 'branch', elements: [1, 1], options: {} }, 2), 'INVALID', /twice/);
  bad(() => store.n1.createRun({ caseId, mode: 'ac', kind: 'branch', elements: [1, 2], options: {} }, 3), 'INVALID', /total/);
  bad(() => store.n1.createRun({ caseId, mode: 'ac', kind: 'branch', elements: [0], options: {} }, 1), 'INVALID', /positive integer/);
  bad(() => store.n1.createRun({ caseId, mode: 'xx' as 'ac', kind: 'branch', elements: [1], options: {} }, 1), 'INVALID', /mode/);
  bad(() => store.n1.appendRecords(12345, [makeRecord('branch', 1)]), 'NOT_FOUND');
});

test('a batch that fails half-way leaves nothing behind (one transaction per batch)', (t) => {
  const { store, caseId } = setup(t);
  const runId = store.n1.createRun({ caseId, mode: 'ac', kind: 'branch', elements: range1(10), options: {} }, 10);
  const batch = range1(5).map((e) => makeRecord('branch', e));
  batch[3] = { ...batch[3], iterations: NaN }; // NaN is stored as NULL: NOT NULL column fails mid-batch
  assert.throws(() => store.n1.appendRecords(runId, batch), (e) => code(e) === 'INVALID');
  assert.equal(store.n1.countRecords(runId), 0);
  assert.equal(store.n1.getRun(runId)!.done, 0);
});

test('stale runs: a dead owner is marked interrupted, a live one is not', (t) => {
  const { store, caseId } = setup(t);
  const runId = store.n1.createRun({ caseId, mode: 'ac', kind: 'branch', elements: [1, 2], options: {} }, 2);
  // Owned by this (live) process: not stale, and this process may re-claim it.
  assert.deepEqual(store.markStaleRunsInterrupted(), { n1: [], training: [] });
  assert.equal(store.n1.claimRun(runId).ownerPid, process.pid);
  assert.equal(store.n1.getRun(runId)!.status, 'running');
});
