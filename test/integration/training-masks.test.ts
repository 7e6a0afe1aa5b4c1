// A training run keeps its sparse masks as it goes: the start (epoch 0) and
// each epoch that rewired them, the last one equal to the trained network's
// when the best epoch is the last. A run resumed from before masks were kept
// gets no false start: the masks it resumes with are not its epoch 0.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openStore } from '../../main/store';
import { buildDataset } from '../../main/services/dataset';
import { trainSurrogate } from '../../main/services/train';
import { caseText } from '../helpers/shared';

test('masks at the start and after each rewiring; none invented for a run resumed from before they were kept', async () => {
  const store = openStore(':memory:');
  try {
    const ds = await buildDataset({ store, caseText: caseText('case30'), fileName: 'case30.m', random: 4, seed: 2, workers: 0, randomLoad: { levelMin: 0.9, levelMax: 1.4 } });
    const o = { store, datasetId: ds.datasetId, epochs: 3, workers: 1, hidden: 8, layers: 1, batchSize: 16, seed: 3, method: 'set' as const, regrow: 'random' as const };
    const full = await trainSurrogate(o);
    const kept = store.training.getMasks(full.runId);
    assert.deepEqual(kept.map((e) => e.epoch), [0, 1, 2]);
    assert.ok(kept.every((e) => e.layers.length > 0 && e.layers.every((l) => l.positions.length > 0)));
    const dense = await trainSurrogate({ ...o, method: 'dense' });
    assert.deepEqual(store.training.getMasks(dense.runId), [], 'a dense run has no mask');

    const cut = await trainSurrogate({ ...o, stopAfterSteps: 3 });
    assert.equal(cut.cancelled, true);
    // As a run stored before masks were kept: none.
    store.training.truncateEpochsAfter(cut.runId, -1);
    assert.deepEqual(store.training.getMasks(cut.runId), []);
    const resumed = await trainSurrogate({ store, resume: cut.runId, workers: 1 });
    assert.equal(resumed.cancelled, false);
    const after = store.training.getMasks(cut.runId).map((e) => e.epoch);
    assert.ok(!after.includes(0), `no epoch 0 for a resumed run: ${after}`);
    assert.deepEqual(after, [1, 2], 'the epochs it rewired after resuming');
  } finally {
    store.close();
  }
});
