// What compact labels read back trains to the same model as the full f32
// labels, within noise: the same dataset (same seed, same scenarios) stored
// both ways, the same model trained on each from the same seed; the
// differences in its test metrics and in its predictions on an operating
// point are within the spread that changing the training seed alone gives.
// And the label precision itself moves the metrics of one model by less than
// the tolerance: the classification metrics not at all.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore, type Store } from '../../main/store';
import { buildDataset, loadDataset } from '../../main/services/dataset';
import { trainSurrogate, type TrainOutcome } from '../../main/services/train';
import { loadSurrogate, predictWithStore } from '../../main/services/predict';
import { SurrogateSamples, fitNormaliser } from '../../main/core/learn/grid-data';
import { evaluateSurrogate, regressionErrors } from '../../main/core/learn/surrogate';
import { LABEL_TOLERANCE } from '../../main/core/learn/label-codec';
import { caseText, loadCase } from '../helpers/shared';

const dir = mkdtempSync(join(tmpdir(), 'gridrewire-compact-train-'));
let store: Store;
const ids = { compact: 0, f32: 0 };
// case_ACTIVSg200 as its README builds it (proportional generation: the reference area exports at peak load):
// insecure outages in every split, and a small model learns them in 3 epochs (balanced accuracy about 0.9).
const build = {
  caseText: caseText('case_ACTIVSg200'), fileName: 'case_ACTIVSg200.m', random: 10, seed: 5, workers: 0,
  dispatch: 'proportional', randomLoad: { levelMin: 1.1, levelMax: 1.55, regionNoise: 0, noise: 0.1 },
} as const;
const small = { hidden: 8, layers: 2, batchSize: 32, epochs: 3, workers: 1, method: 'adaptive', regrow: 'ch3l3', sparsity: 0.8 } as const;

test.before(async () => {
  store = openStore(join(dir, 'test.db'));
  ids.compact = (await buildDataset({ store, ...build })).datasetId;
  ids.f32 = (await buildDataset({ store, ...build, labelEncoding: 'f32' })).datasetId;
});
test.after(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

test('the label precision moves one model\'s metrics by less than the tolerance; the verdict metrics not at all', async () => {
  const trained = await trainSurrogate({ store, datasetId: ids.f32, ...small, seed: 3 });
  const model = loadSurrogate(store, trained.modelId!).model;
  const evalOn = (id: number) => {
    const d = loadDataset(store, id);
    const data = new SurrogateSamples(d.packed, fitNormaliser(d.packed));
    return evaluateSurrogate(model, data, data.indices('test'));
  };
  const a = evalOn(ids.compact), b = evalOn(ids.f32);
  assert.deepEqual(a.label, b.label);
  assert.deepEqual(a.prob, b.prob, 'the inputs are the same bit for bit');
  const ea = regressionErrors(a), eb = regressionErrors(b);
  assert.ok(Math.abs(ea.loadingMae - eb.loadingMae) <= LABEL_TOLERANCE, `loading MAE ${ea.loadingMae} vs ${eb.loadingMae}`);
  assert.ok(Math.abs(ea.vmMae - eb.vmMae) <= LABEL_TOLERANCE, `Vm MAE ${ea.vmMae} vs ${eb.vmMae}`);
});

test('trained on compact labels or on f32 labels from the same seed: the same model within the noise of the seed', async () => {
  const run = (id: number, seed: number) => trainSurrogate({ store, datasetId: id, ...small, seed });
  const onCompact = await run(ids.compact, 3), onF32 = await run(ids.f32, 3);
  const others = [await run(ids.f32, 4), await run(ids.f32, 6)];
  const metrics = (o: TrainOutcome) => ({ balancedAccuracy: o.test!.balancedAccuracy, recall: o.test!.recall, loadingMae: o.test!.loadingMae, vmMae: o.test!.vmMae });
  const m = metrics(onCompact), f = metrics(onF32);
  for (const k of Object.keys(m) as (keyof typeof m)[]) {
    const noise = Math.max(...others.map((o) => Math.abs(metrics(o)[k] - f[k])));
    // At least the label tolerance for the errors, one insecure test sample for recall (half of it for balanced accuracy).
    const one = 1 / onF32.test!.insecure;
    const floor = k.endsWith('Mae') ? LABEL_TOLERANCE : k === 'recall' ? one : one / 2;
    assert.ok(Math.abs(m[k] - f[k]) <= Math.max(noise, floor), `${k}: compact ${m[k]}, f32 ${f[k]}; other seeds differ by up to ${noise}`);
  }
  assert.ok(f.balancedAccuracy > 0.75 && f.recall > 0.5, `the model learnt the verdict (${JSON.stringify(f)}), so the comparison means something`);
  // Predictions on an operating point neither dataset holds: the base case at 1.45 of its load.
  const c = loadCase('case_ACTIVSg200');
  const point = { ...c, bus: c.bus.map((r) => { const o = r.slice(); o[2] *= 1.45; o[3] *= 1.45; return o; }) };
  const p = (o: TrainOutcome) => predictWithStore(store, o.modelId!, point).contingencies.map((x) => x.pInsecure);
  const pc = p(onCompact), pf = p(onF32);
  const gap = (x: number[], y: number[]) => Math.max(...x.map((v, i) => Math.abs(v - y[i])));
  const noise = Math.max(...others.map((o) => gap(p(o), pf)));
  assert.ok(gap(pc, pf) <= noise, `probabilities differ by up to ${gap(pc, pf)}; other seeds by up to ${noise}`);
});
