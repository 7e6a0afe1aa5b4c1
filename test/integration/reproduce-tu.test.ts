// runTuStudy end to end on MUTAG's first folds (the fixture): a short dense
// run learns well above the 0.665 majority rate; a RunStore holding fold 1
// makes the runner skip it and use the stored outcome; a stop request ends
// the study between epochs with the finished folds kept; bad options are
// refused in one line before anything runs, the store untouched.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli } from '../helpers/cli';
import { userErrorLine } from '../../main/cli';
import type { ReproduceProgress, RunOutcome, RunStore } from '../../main/core/learn/reproduce/types';
import { type TuRow, bestMeanEpoch, runTuStudy } from '../../main/services/reproduce/tu-study';

const dataDir = join(__dirname, '..', 'fixtures', 'tu');

function memoryStore(init: Record<string, RunOutcome> = {}): RunStore & { runs: Record<string, RunOutcome>; puts: string[] } {
  const runs = { ...init }, puts: string[] = [];
  return { runs, puts, get: (k) => runs[k], put: (k, o) => { runs[k] = o; puts.push(k); } };
}

test('a short dense run on the first two folds learns (test accuracy well above 0.665)', async () => {
  const progress: ReproduceProgress[] = [];
  const store = memoryStore();
  const res = await runTuStudy('mutag', { methods: ['dense'], folds: 2, epochs: 10, dataDir }, { runStore: store, onProgress: (p) => progress.push(p) });
  assert.equal(res.rows.length, 1);
  const row = res.rows[0];
  assert.equal(row.method, 'dense');
  assert.equal(row.runs, 2);
  assert.ok(row.accuracy >= 0.8, `accuracy ${row.accuracy}`);
  assert.equal(row.epochs, 10);
  assert.ok(row.params > 8000 && row.params < 9000, `params ${row.params}`);
  // Progress after every epoch of both folds, and both folds stored.
  assert.equal(progress.length, 20);
  assert.deepEqual(progress.slice(0, 2).map((p) => [p.run, p.runs, p.epoch, p.epochs]), [[1, 2, 1, 10], [1, 2, 2, 10]]);
  assert.equal(store.puts.length, 2);
  assert.match(store.puts[0], /^tu\/mutag\/dense\/0\/rep1\/fold1\/[0-9a-f]{12}$/);
  assert.equal(store.runs[store.puts[0]].curve.length, 10);
  // GIN's reporting (the epoch of the best mean over the folds) is at least the last epoch's mean.
  const gin = row as TuRow;
  assert.ok(gin.bestMeanEpochAccuracy >= row.accuracy && gin.bestMeanEpoch >= 1 && gin.bestMeanEpoch <= 10);
});

test("GIN's reporting: the epoch where the mean over the runs peaks, over the epochs all runs reached", () => {
  assert.deepEqual(bestMeanEpoch([[0.5, 0.8, 0.6], [0.7, 0.6, 0.9]]), { epoch: 3, accuracy: 0.75 });
  assert.deepEqual(bestMeanEpoch([[0.5, 0.9, 0.2, 1], [0.7, 0.7]]), { epoch: 2, accuracy: 0.8 });
});

test('a run store holding fold 1 makes the runner skip it and use the stored outcome', async () => {
  const opts = { methods: ['fixed'], sparsities: [0.34], folds: 2, epochs: 2, limit: 60, dataDir };
  const first = memoryStore();
  await runTuStudy('mutag', opts, { runStore: first });
  assert.equal(first.puts.length, 2);
  const fold1 = first.puts.find((k) => k.includes('/fold1/'))!;
  // Keep fold 1 only, with a marked accuracy no real fold of 6 test graphs can give (0.123).
  const second = memoryStore({ [fold1]: { ...first.runs[fold1], accuracy: 0.123 } });
  const runs = new Set<number>();
  const res = await runTuStudy('mutag', opts, { runStore: second, onProgress: (p) => runs.add(p.run) });
  assert.deepEqual([...runs], [2]);
  assert.deepEqual(second.puts, [first.puts.find((k) => k.includes('/fold2/'))]);
  const fold2 = second.runs[second.puts[0]].accuracy;
  assert.ok(Math.abs(res.rows[0].accuracy - (0.123 + fold2) / 2) < 1e-12);
  // Another config (epochs) is another key: nothing reused.
  const third = memoryStore(second.runs);
  await runTuStudy('mutag', { ...opts, epochs: 3 }, { runStore: third });
  assert.equal(third.puts.length, 2);
});

test('a stop request ends the study between epochs; the finished fold is kept', async () => {
  const ctl = new AbortController();
  const store = memoryStore();
  let err: unknown = null;
  await runTuStudy('mutag', { methods: ['dense'], folds: 2, epochs: 3, limit: 60, dataDir, signal: ctl.signal }, {
    runStore: store,
    onProgress: (p) => { if (p.run === 2 && p.epoch === 1) ctl.abort(); },
  }).catch((e) => { err = e; });
  assert.equal(userErrorLine(err), 'the study was stopped');
  assert.equal(store.puts.length, 1);
  assert.match(store.puts[0], /fold1/);
});

test('bad options are refused in one line before anything runs; the store is untouched', async () => {
  const cases: [Parameters<typeof runTuStudy>[0], Parameters<typeof runTuStudy>[1], RegExp][] = [
    ['mnist', {}, /^the graph study runs mutag or proteins, not 'mnist'$/],
    ['mutag', { methods: ['set'] }, /^unknown method 'set' for mutag \(have dense, fixed, adaptive\)$/],
    ['mutag', { sparsities: [1] }, /^sparsity must be in \(0, 1\), got 1$/],
    ['mutag', { epochs: 0 }, /^epochs must be a positive integer, got 0$/],
    ['mutag', { folds: 11 }, /^folds must be an integer in 1\.\.10, got 11$/],
    ['mutag', { seeds: 1.5 }, /^seeds must be a positive integer, got 1\.5$/],
    ['mutag', { limit: 5 }, /^limit must be an integer >= 20 graphs, got 5$/],
    ['mutag', { dataDir: join(dataDir, 'nowhere') }, /nowhere\/MUTAG\/MUTAG_graph_indicator\.txt: file not found$/],
  ];
  const kept = { 'tu/mutag/dense/0/rep1/fold1/x': { accuracy: 0.9, params: 1, epochs: 1, seconds: 1, curve: [0.9] } };
  for (const [dataset, opts, re] of cases) {
    const store = memoryStore(kept);
    let err: unknown = null, ran = false;
    await runTuStudy(dataset, { dataDir, ...opts }, { runStore: store, onProgress: () => { ran = true; } }).catch((e) => { err = e; });
    const line = userErrorLine(err);
    assert.ok(line !== null && re.test(line), `${dataset} ${JSON.stringify(opts)}: ${line}`);
    assert.equal(ran, false);
    assert.deepEqual(store.runs, kept);
  }
});

test('gridrewire reproduce mutag: the built CLI runs the graph study, prints the table, stores it, and resumes from the store', () => {
  const work = mkdtempSync(join(tmpdir(), 'gridrewire-reproduce-tu-cli-'));
  try {
    const db = join(work, 'r.db');
    const args = ['reproduce', 'mutag', '--methods', 'dense', '--folds', '2', '--epochs', '2', '--limit', '60', '--json', '--db', db];
    const r = cli(args);
    assert.equal(r.code, 0, r.stderr);
    const doc = JSON.parse(r.stdout) as { dataset: string; rows: { method: string; sparsity: number; accuracy: number; std: number; params: number; epochs: number; seconds: number }[]; study: number };
    assert.equal(doc.dataset, 'mutag');
    assert.deepEqual(doc.rows.map((x) => [x.method, x.sparsity]), [['dense', 0]]);
    assert.ok(doc.rows[0].accuracy > 0 && doc.rows[0].accuracy <= 1 && doc.rows[0].params > 0);
    assert.match(r.stderr, /epoch +2\/2/, 'progress per epoch');
    // A second call finds both folds in the store: no epoch is trained again.
    const again = cli(args);
    assert.equal(again.code, 0, again.stderr);
    assert.doesNotMatch(again.stderr, /epoch +1\/2/);
    assert.equal((JSON.parse(again.stdout) as { rows: { accuracy: number }[] }).rows[0].accuracy, doc.rows[0].accuracy);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
});
