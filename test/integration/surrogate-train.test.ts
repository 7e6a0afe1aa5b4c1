// The surrogate end to end through the store on a small case: dataset build
// (labels by the exact engine, split by scenario), training with checkpoints,
// resume from a mid-epoch checkpoint giving bit-for-bit the uninterrupted
// result, data-parallel gradients equal to the single-thread ones, and
// predictions (refusing another grid; incremental = full forward; the same
// on worker threads).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore, type Store } from '../../main/store';
import { buildDataset, loadDataset, splitCounts } from '../../main/services/dataset';
import { trainSurrogate } from '../../main/services/train';
import { loadSurrogate, predictCase, predictCaseInWorkers, predictWorkers, surrogateThreads, PredictError } from '../../main/services/predict';
import { runScreen } from '../../main/services/screen';
import { SurrogateSamples, fitNormaliser, SurrogateFeatures, EDGE_FEAT_DIM, NODE_FEAT_DIM } from '../../main/core/learn/grid-data';
import { applyDelta } from '../../main/core/learn/incremental';
import { Trainer, averageGradients } from '../../main/core/learn/trainer';
import { GradientGroup } from '../../main/jobs/train-job';
import { MIN_RECALL, surrogateTrainerConfig } from '../../main/services/train';
import { streamDataset } from '../../main/services/training-data';
import { POS_WEIGHT_CAP, evaluateSurrogate } from '../../main/core/learn/surrogate';
import { THRESHOLD_RULE, chooseThreshold } from '../../main/core/learn/threshold';
import { LH } from '../../main/core/learn/grid-data';
import { N1Engine } from '../../main/core/grid/contingency';
import { SETTLED_MISMATCH, acStepFeatureOptions, outageRecord, recordBuses, scenarioState, staticFeatures } from '../../main/core/grid/features';
import { AcOutageStep } from '../../main/core/grid/ac-step';
import { DcScreen } from '../../main/core/grid/lodf';
import { islandedByTopology } from '../../main/core/grid/islands';
import { caseText, loadCase } from '../helpers/shared';

const dir = mkdtempSync(join(tmpdir(), 'gridrewire-surrogate-'));
let store: Store;
let datasetId = 0;
const small = { hidden: 8, layers: 2, batchSize: 16, seed: 3 } as const;

test.before(async () => {
  store = openStore(join(dir, 'test.db'));
  const r = await buildDataset({ store, caseText: caseText('case30'), fileName: 'case30.m', random: 5, seed: 7, workers: 0, randomLoad: { levelMin: 0.9, levelMax: 1.5 } });
  datasetId = r.datasetId;
});
test.after(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

test('dataset: split by scenario, reproducible from the seed, stored and read back', async () => {
  const a = loadDataset(store, datasetId);
  const other = await buildDataset({ store, caseText: caseText('case30'), fileName: 'case30.m', random: 5, seed: 7, workers: 0, randomLoad: { levelMin: 0.9, levelMax: 1.5 } });
  const b = loadDataset(store, other.datasetId);
  assert.deepEqual(a.config.scenarios, b.config.scenarios, 'same seed, same scenarios and splits');
  assert.deepEqual(a.packed.labels, b.packed.labels);
  const splitOf = new Map<number, number>();
  a.packed.sampleScenario.forEach((s, i) => {
    const sp = a.packed.sampleSplit[i];
    if (splitOf.has(s)) assert.equal(splitOf.get(s), sp, 'a scenario never spans two splits');
    splitOf.set(s, sp);
    assert.equal(a.packed.scenarioSplit[s], sp);
  });
  const counts = splitCounts(a.packed);
  assert.deepEqual([counts.train.scenarios, counts.val.scenarios, counts.test.scenarios], [3, 1, 1]);
  assert.equal(counts.train.samples + counts.val.samples + counts.test.samples, 5 * 41);
  assert.equal(a.config.grid.nl, 41);
  store.datasets.delete(other.datasetId);
});

test('training through the store; a mid-epoch cancel then resume gives exactly the uninterrupted model', async () => {
  const whole = await trainSurrogate({ store, datasetId, epochs: 2, workers: 1, ...small });
  assert.ok(whole.modelId !== null && !whole.cancelled);
  assert.equal(whole.epochs, 2);
  assert.ok(whole.params.fraction < 0.5, `sparse model keeps ${whole.params.fraction}`);
  assert.ok(whole.test && Number.isFinite(whole.test.loadingMae));
  assert.equal(store.training.getEpochs(whole.runId).length, 2);

  const cut = await trainSurrogate({ store, datasetId, epochs: 2, workers: 1, ...small, stopAfterSteps: 11 });
  assert.ok(cut.cancelled && cut.modelId === null);
  const run = store.training.get(cut.runId)!;
  assert.equal(run.status, 'cancelled');
  assert.equal(run.checkpointEpoch, 1, 'checkpoint mid-way through epoch 2');
  const resumed = await trainSurrogate({ store, resume: cut.runId, workers: 1 });
  assert.ok(!resumed.cancelled && resumed.modelId !== null);
  assert.equal(store.training.get(cut.runId)!.status, 'done');
  const ta = store.models.getTensors(whole.modelId!), tb = store.models.getTensors(resumed.modelId!);
  assert.deepEqual([...ta.keys()], [...tb.keys()]);
  for (const [k, v] of ta) assert.deepEqual(tb.get(k), v, `tensor ${k}`);
  assert.equal(resumed.threshold, whole.threshold);
  assert.deepEqual(resumed.test, whole.test);
  await assert.rejects(trainSurrogate({ store, resume: cut.runId, workers: 1 }), /already done/);
});

test('labels streamed from the store (a bounded cache of scenarios) train the model the in-memory dataset trains; the class weighting is recorded with the model', async () => {
  const ds = loadDataset(store, datasetId);
  // Read back: every label as loadDataset holds it, with at most `capacity` scenarios held.
  const st = streamDataset(store, datasetId, 1);
  assert.equal(st.labels.capacity, 2, 'one byte of budget still holds two scenarios');
  assert.equal(st.packed.labels.length, 0);
  const LL = ds.packed.labels.length / ds.packed.sampleBranch.length;
  assert.deepEqual(st.packed.heads!.length, ds.packed.sampleBranch.length * LH);
  for (let i = ds.packed.sampleBranch.length - 1; i >= 0; i -= 3) {
    assert.deepEqual(st.labels.read(i), ds.packed.labels.subarray(i * LL, (i + 1) * LL), `sample ${i}`);
    assert.ok(st.labels.held <= 2);
  }
  assert.ok(st.labels.stats.loads >= 5, `${st.labels.stats.loads} scenario reads`);
  for (const k of ['sampleScenario', 'sampleBranch', 'sampleSplit', 'recPtr', 'rec', 'statics'] as const) assert.deepEqual(st.packed[k], ds.packed[k], k);
  // The same training, streamed and in memory.
  const streamed = await trainSurrogate({ store, datasetId, epochs: 2, workers: 2, ...small });
  const inMemory = await trainSurrogate({ store, datasetId, epochs: 2, workers: 2, ...small, loaded: ds });
  const ta = store.models.getTensors(streamed.modelId!), tb = store.models.getTensors(inMemory.modelId!);
  for (const [k, v] of ta) assert.deepEqual(tb.get(k), v, `tensor ${k}`);
  assert.deepEqual(streamed.test, inMemory.test);
  // Class weighting: the ratio of the training samples, on record.
  const cb = streamed.classBalance;
  assert.ok(cb.positives > 0 && cb.negatives > 0, JSON.stringify(cb));
  assert.equal(cb.posWeight, Math.min(POS_WEIGHT_CAP, Math.max(1, cb.negatives / cb.positives)));
  const cfg = store.models.get(streamed.modelId!)!.config as Record<string, unknown>;
  assert.deepEqual(cfg.classBalance, cb);
  assert.deepEqual((cfg.thresholdRule as { minRecall: number }).minRecall, MIN_RECALL);
  // The stored threshold is the rule's on the stored model's validation predictions.
  assert.equal((cfg.thresholdRule as { rule: string }).rule, THRESHOLD_RULE);
  const s = loadSurrogate(store, streamed.modelId!);
  const vdata = new SurrogateSamples(ds.packed, s.config.normaliser);
  const val = evaluateSurrogate(s.model, vdata, vdata.indices('val'));
  assert.equal(s.config.threshold, chooseThreshold(val.prob, val.label, MIN_RECALL));
  assert.equal(streamed.threshold, s.config.threshold);
});

test('data-parallel gradients equal the single-thread gradients of the same shards (workers get the labels with each step)', async () => {
  const ds = loadDataset(store, datasetId);
  const norm = fitNormaliser(ds.packed);
  const data = new SurrogateSamples(ds.packed, norm);
  const train = data.indices('train');
  const src = data.source(train);
  const cfg = surrogateTrainerConfig({ ...small, method: 'set' }, 10, 100);
  const trainer = new Trainer(cfg, { graph: data.graph, train: src });
  assert.ok(trainer.usesIncremental);
  trainer.rewire(0.3); // the workers must pick up a changed connectivity
  const LL = ds.packed.labels.length / ds.packed.sampleBranch.length;
  const labelsAt = (pos: Int32Array) => {
    const out = new Float32Array(pos.length * LL);
    pos.forEach((p, j) => out.set(data.labels(train[p]), j * LL));
    return out;
  };
  // The workers hold no labels: they come with each step.
  const init = { packed: { ...ds.packed, labels: new Float32Array(0) }, norm, config: trainer.cfg, train };
  await assert.rejects(GradientGroup.start(trainer, init, 2), /need the labels/);
  const group = await GradientGroup.start(trainer, init, 2, labelsAt);
  try {
    const pos = Int32Array.from([5, 1, 9, 30, 2, 11, 7]);
    const g = await group.gradients(pos);
    const one = trainer.gradientsAt(pos.subarray(0, 4));
    const a = { loss: one.loss, samples: one.samples, grads: one.grads.map((x) => x.slice()) };
    const two = trainer.gradientsAt(pos.subarray(4));
    const ref = averageGradients([a, two]);
    assert.equal(g.samples, 7);
    assert.equal(g.loss, ref.loss);
    g.grads.forEach((x, i) => assert.deepEqual(x, ref.grads[i]));
  } finally {
    await group.close();
  }
});

test('predict: every branch, islanded by topology, incremental = full forward; another grid is refused', async () => {
  const o = await trainSurrogate({ store, datasetId, epochs: 1, workers: 1, ...small });
  const s = loadSurrogate(store, o.modelId!);
  assert.ok(!s.model.cfg.offsetPool, 'DC records keep the readout they had');
  const c = loadCase('case30');
  const r = predictCase(s, c);
  assert.equal(r.contingencies.length, 41);
  const engine = N1Engine.forCase(c);
  const isl = islandedByTopology(engine.net);
  for (const x of r.contingencies) {
    const k = engine.net.branchOfRow[x.branch - 1];
    assert.equal(x.verdict === 'islanded', isl[k] === 1, `branch ${x.branch}`);
    assert.ok(x.pInsecure >= 0 && x.pInsecure <= 1);
  }
  // The same outages through the batched forward on full samples.
  const state = scenarioState(engine), stat = staticFeatures(state);
  const feats = new SurrogateFeatures(engine.net.nb, engine.net.nl, engine.net.f, engine.net.t, s.config.normaliser);
  const base = feats.base(stat);
  const screen = new DcScreen(engine.net);
  for (const k of [0, 5, 17, 30]) {
    if (isl[k]) continue;
    const full = applyDelta(base, feats.delta(base, stat, outageRecord(state, screen, k, s.config.features)), NODE_FEAT_DIM, EDGE_FEAT_DIM);
    const p = s.model.predict(feats.graph, [full]).graphProb![0];
    const got = r.contingencies.find((x) => x.branch === engine.net.branchRow[k] + 1)!;
    assert.ok(Math.abs(got.pInsecure - p) < 1e-5, `branch ${k}: ${got.pInsecure} vs ${p}`);
  }
  assert.throws(() => predictCase(s, loadCase('case39')), (e: Error) => e instanceof PredictError && /not the grid model .* 39 in-service buses/.test(e.message));
  // On worker threads: the same predictions, in the same order.
  const w = await predictCaseInWorkers(s, c, 2);
  assert.equal(w.workers, 2);
  assert.deepEqual(w.contingencies, r.contingencies);
  await assert.rejects(predictCaseInWorkers(s, loadCase('case39'), 2), (e: Error) => e instanceof PredictError && /39 in-service buses/.test(e.message));
});

test('AC-step records with bus voltages: the options are kept with the model, and predict gives the full forward on records that list buses', async () => {
  // A wide voltageNear so that case30's buses are listed.
  const features = { ...acStepFeatureOptions, watchLoading: 0.5, voltageNear: 0.2 };
  const ds = await buildDataset({ store, caseText: caseText('case30'), fileName: 'case30.m', random: 5, seed: 8, workers: 0, randomLoad: { levelMin: 0.9, levelMax: 1.3 }, features });
  const o = await trainSurrogate({ store, datasetId: ds.datasetId, epochs: 1, workers: 1, ...small });
  const s = loadSurrogate(store, o.modelId!);
  assert.deepEqual(s.config.features, features);
  // AC-step records: the verdict head reads the estimate's margins (surrogate.ts acStepReadout).
  assert.equal(s.model.cfg.offsetPool, true);
  const c = loadCase('case30'), engine = N1Engine.forCase(c);
  const r = predictCase(s, c), isl = islandedByTopology(engine.net);
  const state = scenarioState(engine), stat = staticFeatures(state), screen = new DcScreen(engine.net);
  const feats = new SurrogateFeatures(engine.net.nb, engine.net.nl, engine.net.f, engine.net.t, s.config.normaliser);
  const base = feats.base(stat);
  let withBuses = 0;
  for (let k = 0; k < engine.net.nl; k++) {
    if (isl[k]) continue;
    const rec = outageRecord(state, screen, k, s.config.features);
    if (recordBuses(rec)!.m > 0) withBuses++;
    const p = s.model.predict(feats.graph, [applyDelta(base, feats.delta(base, stat, rec), NODE_FEAT_DIM, EDGE_FEAT_DIM)]).graphProb![0];
    const got = r.contingencies.find((x) => x.branch === engine.net.branchRow[k] + 1)!;
    assert.ok(Math.abs(got.pInsecure - p) < 1e-5, `branch ${k}: ${got.pInsecure} vs ${p}`);
  }
  assert.ok(withBuses > 5, `${withBuses} records list buses`);
  // AC-step records cost enough to predict on every core by default (DC-LODF ones stay in this thread).
  assert.equal(predictWorkers(s, undefined, 4), 4);
  assert.equal(predictWorkers(s, 1, 4), 1);
  const dc = { ...s, config: { ...s.config, features: { ...s.config.features!, estimate: 'dc' as const } } };
  assert.equal(predictWorkers(dc, undefined, 4), 1);
  assert.equal(predictWorkers(dc, 3, 4), 3, 'asked: as many as asked');
  // The screen: a share of the cores for AC-step records, one thread for DC-LODF ones whatever the share.
  assert.deepEqual([surrogateThreads(s, 2), surrogateThreads(dc, 2)], [2, 1]);
  // The verified screen then predicts on workers and its exact engine solves its own base case: the same run as in one thread.
  const text = caseText('case30');
  const one = await runScreen(store, { caseText: text, fileName: 'case30.m', modelId: o.modelId!, workers: 1 });
  const two = await runScreen(store, { caseText: text, fileName: 'case30.m', modelId: o.modelId!, workers: 2 });
  const key = (x: typeof one.records[number]) => JSON.stringify({ ...x, seconds: undefined });
  assert.deepEqual(two.records.map(key).sort(), one.records.map(key).sort());
  assert.deepEqual(two.screen, one.screen);
});

test('AC-step estimates that do not settle: predict says which, and the verified screen solves them exactly whatever the network says', async () => {
  // case39's base case: two outages whose chord steps are still 0.012-0.014 p.u. from a solution after five steps.
  const ds = await buildDataset({ store, caseText: caseText('case39'), fileName: 'case39.m', random: 5, seed: 4, workers: 0, randomLoad: { levelMin: 0.9, levelMax: 1.2 }, features: acStepFeatureOptions });
  const o = await trainSurrogate({ store, datasetId: ds.datasetId, epochs: 1, workers: 1, ...small });
  const s = loadSurrogate(store, o.modelId!);
  const c = loadCase('case39'), engine = N1Engine.forCase(c), net = engine.net;
  // The truth, from the estimate itself: the residual its last chord step measured.
  const state = scenarioState(engine), screen = new DcScreen(net), step = new AcOutageStep(net, state.Vm, state.Va), isl = islandedByTopology(net);
  const unsettled = new Set<number>();
  for (let k = 0; k < net.nl; k++) {
    if (isl[k] || screen.isBridge[k]) continue;
    if (!step.estimate(k, state.pf[k], state.qf[k], state.pt[k], state.qt[k], acStepFeatureOptions.acSteps) || step.residual > SETTLED_MISMATCH) unsettled.add(net.branchRow[k] + 1);
  }
  assert.deepEqual([...unsettled].sort((a, b) => a - b), [35, 45]);
  const r = predictCase(s, c);
  for (const p of r.contingencies) {
    const k = net.branchRow.indexOf(p.branch - 1);
    const expected = p.verdict === 'islanded' || screen.isBridge[k] ? null : !unsettled.has(p.branch);
    assert.equal(p.estimateSettled, expected, `branch ${p.branch}`);
  }
  const scr = await runScreen(store, { caseText: caseText('case39'), fileName: 'case39.m', modelId: o.modelId!, workers: 1 });
  const byBranch = new Map(scr.records.map((x) => [x.branch!, x]));
  for (const b of unsettled) assert.equal(byBranch.get(b)!.judgedBy, 'exact', `branch ${b}: solved exactly`);
  // Counted apart only below the band: flagged or in-band ones are counted there.
  const edge = scr.screen.threshold - scr.screen.band;
  assert.equal(scr.screen.why.unsettled, r.contingencies.filter((p) => unsettled.has(p.branch) && p.pInsecure < edge).length);
  assert.equal(scr.screen.why.flagged + scr.screen.why.inBand + scr.screen.why.unsettled, scr.screen.exact);
  // Every outage the surrogate kept had a settled estimate (or none: a non-islanding bridge).
  for (const x of scr.records) if (x.judgedBy === 'surrogate') assert.ok(!unsettled.has(x.branch!), `branch ${x.branch}`);
});

test('demo plumbing: bundled case, dataset, adaptive+ch3l3 training, results in the store', async () => {
  const { runDemo } = await import('../../main/services/demo');
  const stages: string[] = [];
  const r = await runDemo({ store, workers: 1, onStage: (s) => stages.push(s), overrides: { caseFile: 'case30.m', scenarioFile: null, random: 5, epochs: 1 } });
  assert.equal(stages.length, 2);
  assert.ok(r.training && !r.training.cancelled && r.training.modelId);
  assert.equal(r.training.method, 'adaptive');
  assert.equal(r.training.regrow, 'ch3l3');
  assert.equal(store.models.get(r.training.modelId!)!.datasetId, r.dataset.datasetId);
  assert.ok(r.training.params.fraction <= 0.1 + 1e-9, `kept ${r.training.params.fraction}`);
});
