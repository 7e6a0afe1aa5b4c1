// The robustness study on more than one thread gives the same figures as on
// one (the perturbations are drawn in one order on the main thread; workers
// only evaluate), and removal through the compacted layers (sparse and, now,
// dense ones) gives the figures of the uncompacted network the study used to
// evaluate; a bad --workers is refused.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { openStore, type Store } from '../../main/store';
import { buildDataset } from '../../main/services/dataset';
import { trainSurrogate } from '../../main/services/train';
import { Studies, StudyError } from '../../main/services/studies';
import { studyData } from '../../main/services/study-data';
import { studyMetrics } from '../../main/core/learn/studies/evaluation';
import { PerturbableNet } from '../../main/core/learn/studies/perturb';
import { Rng } from '../../main/core/learn/rng';
import { caseText } from '../helpers/shared';

let store: Store;
const ids = { set: 0, dense: 0 };

before(async () => {
  store = openStore(':memory:');
  const ds = await buildDataset({ store, caseText: caseText('case30'), fileName: 'case30.m', random: 5, seed: 1, workers: 0, randomLoad: { levelMin: 0.9, levelMax: 1.4 } });
  const o = { store, datasetId: ds.datasetId, epochs: 1, workers: 1, hidden: 8, layers: 1, batchSize: 16, seed: 1 };
  ids.set = (await trainSurrogate({ ...o, method: 'set', regrow: 'random' })).modelId!;
  ids.dense = (await trainSurrogate({ ...o, method: 'dense' })).modelId!;
});
after(() => store.close());

test('robustness: the same curves on 1 and 3 threads, for a sparse and a dense model', async () => {
  const studies = new Studies(store);
  for (const model of [ids.set, ids.dense]) {
    const req = { model, perturbations: ['random', 'weight', 'shuffle', 'noise'] as const, draws: 2, outages: 0 };
    const one = await studies.robustness({ ...req, perturbations: [...req.perturbations], workers: 1 });
    const three = await studies.robustness({ ...req, perturbations: [...req.perturbations], workers: 3 });
    assert.equal(three.config.workers, 3);
    assert.equal(one.evaluations, 1 + 19 * (2 + 1 + 2 + 2));
    assert.deepEqual(three.curves, one.curves, `model ${model}`);
    assert.ok(one.curves.every((c) => c.points.length === 20));
  }
});

test('removal through compacted layers: the figures of the uncompacted network', async () => {
  for (const model of [ids.set, ids.dense]) {
    const d = studyData(store, model, { outages: 0 });
    const net = PerturbableNet.ofGraphNet(d.surrogate.model);
    const s = await new Studies(store).robustness({ model, perturbations: ['weight'], outages: 0, workers: 1 });
    for (const f of [0.25, 0.6]) {
      net.apply('weight', f, new Rng(1));
      const plain = studyMetrics(d.evaluate(d.surrogate.model), d.sample.weight, d.threshold);
      const p = s.curves[0].points.find((x) => Math.abs(x.fraction - f) < 1e-9)!;
      assert.deepEqual({ accuracy: p.accuracy, balancedAccuracy: p.balancedAccuracy, recall: p.recall, loadingMae: p.loadingMae }, plain, `model ${model} at ${f}`);
    }
    net.restore();
  }
});

test('robustness refuses a bad number of workers, storing nothing', async () => {
  const before = store.results.list(ids.set, 'robustness').length;
  await assert.rejects(new Studies(store).robustness({ model: ids.set, workers: 0 }), (e: unknown) => e instanceof StudyError && /workers must be a whole number of at least 1, got 0/.test(e.message));
  assert.equal(store.results.list(ids.set, 'robustness').length, before);
});
