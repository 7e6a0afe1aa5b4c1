// The class weight of the verdict loss through the store: the class ratio by
// default; given; or chosen on validation by pilots (--pos-weight auto),
// recorded with the run and the model, kept by a resume, and leaving no
// trace in the run it chose for (the same model as a run given that weight).
// Bad weights: one clear error, nothing stored.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore, type Store } from '../../main/store';
import { buildDataset } from '../../main/services/dataset';
import { trainSurrogate, TrainError } from '../../main/services/train';
import { chooseWeight, weightCandidates } from '../../main/core/learn/class-weight';
import { caseText } from '../helpers/shared';
import { cli } from '../helpers/cli';

const dir = mkdtempSync(join(tmpdir(), 'gridrewire-class-weight-'));
let store: Store;
let datasetId = 0;
const small = { hidden: 8, layers: 2, batchSize: 16, seed: 3, epochs: 2, workers: 1 } as const;

test.before(async () => {
  store = openStore(join(dir, 'test.db'));
  // case118 at 0.8-1.2: 27 of 531 training and 11 of 177 validation samples insecure (three candidate weights).
  datasetId = (await buildDataset({ store, caseText: caseText('case118'), fileName: 'case118.m', random: 5, seed: 7, workers: 0, randomLoad: { levelMin: 0.8, levelMax: 1.2 } })).datasetId;
});
test.after(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

test('default: the class ratio, on record; given: that weight', async () => {
  const o = await trainSurrogate({ store, datasetId, ...small });
  assert.equal(o.classBalance.chosenBy, 'ratio');
  assert.equal(o.classBalance.posWeight, Math.min(100, Math.max(1, o.classBalance.negatives / o.classBalance.positives)));
  assert.equal(o.classBalance.trials, undefined);
  const g = await trainSurrogate({ store, datasetId, ...small, posWeight: 2.5 });
  assert.deepEqual({ by: g.classBalance.chosenBy, w: g.classBalance.posWeight }, { by: 'given', w: 2.5 });
  const cfg = store.training.get(g.runId)!.config as { trainer: { loss: { posWeight: number } } };
  assert.equal(cfg.trainer.loss.posWeight, 2.5, 'the run trains with it');
});

test('auto: pilots per candidate scored on validation, the best trains the model, recorded; the pilots leave the run as a given weight would', async () => {
  const pilots: { index: number; posWeight: number; done: boolean }[] = [];
  const o = await trainSurrogate({ store, datasetId, ...small, posWeight: 'auto', pilotSteps: 4, onPilot: (p) => pilots.push({ index: p.index, posWeight: p.posWeight, done: p.trial !== null }) });
  const cb = o.classBalance;
  assert.equal(cb.chosenBy, 'validation', JSON.stringify(cb));
  const candidates = weightCandidates(cb.positives, cb.negatives);
  assert.ok(candidates.length >= 2, `${candidates} (case30's ratio gives several candidates)`);
  assert.deepEqual(cb.trials!.map((t) => t.posWeight), candidates);
  assert.equal(cb.pilotSteps, 4);
  assert.equal(pilots.length, 2 * candidates.length, 'told when each pilot starts and when it is scored');
  for (const t of cb.trials!) {
    assert.ok(t.balancedAccuracy >= 0 && t.balancedAccuracy <= 1 && t.recall >= 0.995 - 1e-12, JSON.stringify(t));
  }
  assert.equal(cb.posWeight, chooseWeight(cb.trials!).posWeight);
  const model = store.models.get(o.modelId!)!;
  assert.deepEqual((model.config as { classBalance: unknown }).classBalance, cb, 'recorded with the model');
  // Deterministic pilots, and no side effect on the run: the same model as a run given the chosen weight.
  const again = await trainSurrogate({ store, datasetId, ...small, posWeight: 'auto', pilotSteps: 4 });
  assert.deepEqual(again.classBalance.trials, cb.trials);
  const given = await trainSurrogate({ store, datasetId, ...small, posWeight: cb.posWeight });
  const ta = store.models.getTensors(o.modelId!), tb = store.models.getTensors(given.modelId!);
  for (const [k, v] of ta) assert.deepEqual(tb.get(k), v, `tensor ${k}`);
  assert.equal(given.threshold, o.threshold);

  // A resume keeps the choice and runs no pilot again.
  const cut = await trainSurrogate({ store, datasetId, ...small, posWeight: 'auto', pilotSteps: 4, stopAfterSteps: 5 });
  assert.ok(cut.cancelled);
  let told = 0;
  const resumed = await trainSurrogate({ store, resume: cut.runId, workers: 1, onPilot: () => told++ });
  assert.equal(told, 0);
  assert.deepEqual(resumed.classBalance, cb);
  const tr = store.models.getTensors(resumed.modelId!);
  for (const [k, v] of ta) assert.deepEqual(tr.get(k), v, `resumed tensor ${k}`);
});

test('bad weights: one clear error, no training run stored', async () => {
  const before = store.training.list().length;
  for (const w of [-1, 0, Number.NaN]) {
    await assert.rejects(trainSurrogate({ store, datasetId, ...small, posWeight: w }), (e: unknown) => e instanceof TrainError && /--pos-weight must be a positive number or 'auto'/.test(e.message));
  }
  assert.equal(store.training.list().length, before);
  const db = join(dir, 'test.db');
  for (const [flag, why] of [['abc', /--pos-weight must be 'auto' or a number from 0.001 to 10000, got 'abc'/], ['0', /got '0'/], ['1e9', /got '1e9'/]] as const) {
    const r = cli(['train', '--db', db, '--dataset', String(datasetId), '--pos-weight', flag, '--epochs', '1']);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, why);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  }
  const r = cli(['train', '--db', db, '--resume', '1', '--pos-weight', '3']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--resume continues a run with its own settings: drop .*--pos-weight/);
  assert.equal(store.training.list().length, before);
});
