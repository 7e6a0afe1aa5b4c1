// The dataset job on worker threads: progress to the last scenario; the
// scenarios stored in the plan's order whatever order they finish in (the
// same seed, the same rows in the same order); a cancel keeps the scenarios
// that finished (each stored whole, compactly) and leaves the dataset
// unfinished, which training refuses; Ctrl-C on the real CLI does the same
// and says so.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '../../main/store';
import { buildDataset, loadDataset, SampleWriter, type DatasetProgress } from '../../main/services/dataset';
import { fitNormaliser, type SplitName } from '../../main/core/learn/grid-data';
import type { LabelledScenario } from '../../main/jobs/dataset-job';
import { BIN, ROOT } from '../helpers/cli';
import { CASES, caseText, loadCase } from '../helpers/shared';

const dir = mkdtempSync(join(tmpdir(), 'gridrewire-dataset-job-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

const g200 = { caseText: caseText('case_ACTIVSg200'), fileName: 'case_ACTIVSg200.m', seed: 2 };

test('progress on worker threads reaches every scenario; a cancel keeps whole scenarios and the dataset stays unfinished', async () => {
  const store = openStore(join(dir, 'job.db'));
  try {
    const seen: DatasetProgress[] = [];
    const whole = await buildDataset({ store, ...g200, random: 4, workers: 2, onProgress: (p) => seen.push(p) });
    assert.equal(whole.workers, 2);
    assert.deepEqual(seen.map((p) => p.done), [1, 2, 3, 4]);
    assert.ok(seen.every((p) => p.total === 4 && p.rate > 0 && p.etaSeconds >= 0));
    assert.equal(loadDataset(store, whole.datasetId).packed.sampleBranch.length, 4 * 245);
    // Stored in the plan's order whatever order the workers finish in, so the same seed stores the same rows in the same order (training reads them in it).
    const order = (id: number) => store.datasets.getSamples(id).map((r) => `${r.scenario}:${r.branch}`);
    const stored = store.datasets.getSamples(whole.datasetId).map((r) => r.scenario);
    assert.ok(stored.every((sc, i) => i === 0 || sc >= stored[i - 1]), `scenarios stored in order: ${[...new Set(stored)]}`);
    const again = await buildDataset({ store, ...g200, random: 4, workers: 2 });
    assert.deepEqual(order(again.datasetId), order(whole.datasetId));
    const a = loadDataset(store, whole.datasetId), b = loadDataset(store, again.datasetId);
    assert.deepEqual(fitNormaliser(b.packed), fitNormaliser(a.packed), 'the same normaliser to the last bit');
    store.datasets.delete(again.datasetId);

    const ac = new AbortController();
    const cut = await buildDataset({ store, ...g200, random: 12, workers: 2, signal: ac.signal, onProgress: (p) => { if (p.done === 2) ac.abort(); } });
    assert.ok(cut.cancelled);
    const d = store.datasets.get(cut.datasetId)!;
    assert.equal(d.status, 'building');
    const rows = store.datasets.getSamples(cut.datasetId);
    const scenarios = new Set(rows.map((r) => r.scenario));
    assert.ok(scenarios.size >= 2 && scenarios.size < 12, `${scenarios.size} scenarios kept`);
    assert.equal(rows.length, scenarios.size * (245 + 1), 'each kept scenario whole: its static row and every outage');
    assert.equal(cut.samples, scenarios.size * 245);
    assert.throws(() => loadDataset(store, cut.datasetId), /dataset \d+ was not finished \(its build was cancelled or killed\); build it again/);
  } finally {
    store.close();
  }
});

test('Ctrl-C on `gridrewire dataset` stops after the scenarios in progress and says the dataset is incomplete', async () => {
  const db = join(dir, 'sigint.db');
  const child = spawn(process.execPath, [BIN, 'dataset', join(CASES, 'case_ACTIVSg200.m'), '--random', '200', '--workers', '2', '--db', db], { cwd: ROOT });
  let stderr = '';
  let sent = false;
  child.stderr.on('data', (b: Buffer) => {
    stderr += b.toString();
    if (!sent && /labelling scenarios \d+\/200/.test(stderr)) { sent = true; child.kill('SIGINT'); }
  });
  const code = await new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
  assert.ok(sent, stderr);
  assert.equal(code, 130, stderr);
  assert.match(stderr, /stopping after the scenarios in progress/);
  const m = /cancelled: dataset (\d+) is incomplete \((\d+) samples stored\) and cannot be trained on; build it again/.exec(stderr);
  assert.ok(m, stderr);
  const store = openStore(db);
  try {
    assert.equal(store.datasets.countSamples(Number(m[1])), (Number(m[2]) / 245) * 246);
    assert.equal(store.datasets.get(Number(m[1]))!.status, 'building');
  } finally {
    store.close();
  }
});

test('scenarios finished out of order are stored in the plan\'s order; a cancel stores what waits after a gap', () => {
  const store = openStore(join(dir, 'order.db'));
  try {
    const caseId = store.cases.import({ text: caseText('case9'), parsed: loadCase('case9'), sourceFile: 'case9.m' }).id;
    const mk = () => store.datasets.create({ caseId, name: 'order', config: {}, seed: 1, sizes: { train: 0, val: 0, test: 0 } });
    const scenario = (id: number): LabelledScenario => ({
      id, static: Float32Array.of(id), base: { iterations: 3, maxLoading: 0.5, nOverloads: 0, nVoltageViolations: 0 },
      outages: [{ row: 1, record: Float32Array.of(id, 1), labels: Float32Array.of(0, 0, 0, 0, 0, 0, 0, 0) }],
    });
    const split = new Map([[4, 'train'], [7, 'val'], [9, 'test'], [11, 'train']] as [number, SplitName][]);
    const seen: number[] = [];
    const id1 = mk();
    const w = new SampleWriter(store, id1, split, [4, 7, 9, 11], performance.now(), (p) => seen.push(p.done));
    const stored = (id: number) => [...new Set(store.datasets.getSamples(id).map((r) => r.scenario))];
    w.write(scenario(9));
    w.write(scenario(7));
    assert.deepEqual(stored(id1), [], '4 not in yet: 7 and 9 wait');
    w.write(scenario(4));
    assert.deepEqual(stored(id1), [4, 7, 9]);
    w.write(scenario(11));
    w.finish();
    assert.deepEqual(stored(id1), [4, 7, 9, 11]);
    assert.deepEqual(seen, [1, 2, 3, 4], 'progress counts scenarios as they finish');
    assert.equal(w.counts.train.scenarios + w.counts.val.scenarios + w.counts.test.scenarios, 4);
    // Cancelled with 7 missing: 11 and 9 wait behind the gap, and finish() keeps them, in order.
    const id2 = mk();
    const c = new SampleWriter(store, id2, split, [4, 7, 9, 11], performance.now());
    c.write(scenario(11));
    c.write(scenario(4));
    c.write(scenario(9));
    assert.deepEqual(stored(id2), [4]);
    c.finish();
    assert.deepEqual(stored(id2), [4, 9, 11]);
  } finally {
    store.close();
  }
});
