// Bench section 'learn' (npm run bench -- learn):
//  1. Training throughput (samples/s, one thread: gradients + optimiser step)
//     of the N-1 surrogate on real case_ACTIVSg200 samples at 0%, 90% and 99%
//     sparsity with the same architecture, for the shipped width (hidden 48)
//     and a wide one (hidden 256) where the layers dominate the cost.
//     Target: 99% sparse at least 5x the dense throughput.
//  2. Surrogate inference over every branch outage of case_ACTIVSg2000 (3206):
//     base case, DC-LODF features and incremental inference, one thread,
//     best of three rounds (the first printed beside it), and the TypeScript
//     kernels' times for the same work, beside the exact AC engine (N1Engine)
//     on the same outages, one thread. Target: at most 1 s. The network is a
//     fresh 90%-sparse model of the shipped architecture: the time does not
//     depend on the weight values.
//  3. Labelling one scenario for a dataset (every branch outage of
//     case_ACTIVSg500: the exact verdict and post-outage state from one AC
//     solve each, the DC screen's verdict, the features), one thread, median of 5.
//  4. Incremental training (learn-train.ts): samples/s on every thread,
//     incremental beside the full-graph pass, on case_ACTIVSg200,
//     case_ACTIVSg2000 and case9241pegase; resident memory of `train` on a
//     stored case_ACTIVSg2000 dataset.
// Standalone: `node --import tsx bench/learn.ts`.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseMatpower } from '../main/core/grid/matpower';
import { N1Engine } from '../main/core/grid/contingency';
import { OutageFeaturizer, defaultFeatureOptions, gridSignature, scenarioState, staticFeatures } from '../main/core/grid/features';
import { compile } from '../main/core/grid/network';
import { serializeModel } from '../main/core/learn/serialize';
import { defaultWorkers } from '../main/jobs/pool';
import { predictCaseInWorkers, type LoadedSurrogate } from '../main/services/predict';
import type { SurrogateModelConfig } from '../main/services/train';
import { DcScreen } from '../main/core/grid/lodf';
import { islandedByTopology } from '../main/core/grid/islands';
import { GraphNet, resolveGraphNet } from '../main/core/learn/gnn';
import { labelScenario, labelLength, staticLength, SurrogateFeatures, SurrogateSamples, fitNormaliser, type PackedDataset } from '../main/core/learn/grid-data';
import { IncrementalPredictor } from '../main/core/learn/incremental';
import type { KernelChoice } from '../main/core/learn/kernels';
import { parameterCounts } from '../main/core/learn/metrics';
import { Rng } from '../main/core/learn/rng';
import { hiddenSparsityFor, surrogateModel, surrogateLoss } from '../main/core/learn/surrogate';
import { Trainer } from '../main/core/learn/trainer';
import type { GraphSample } from '../main/core/learn/graph';
import type { Row } from './run';
import { runTrainingBench } from './learn-train';


const ROOT = process.env.GRIDREWIRE_BENCH_ROOT ?? join(__dirname, '..');
const CASES = join(ROOT, '..', 'shared', 'cases');
const caseText = (name: string) => readFileSync(join(CASES, `${name}.m`), 'utf8');

/** One scenario of case_ACTIVSg200 labelled by the exact engine, packed as a dataset. */
export function acti200Samples(): { data: SurrogateSamples; samples: GraphSample[] } {
  const c = parseMatpower(caseText('case_ACTIVSg200'), 'case_ACTIVSg200.m');
  const lab = labelScenario(c);
  const net = lab.net, nb = net.nb, nl = net.nl;
  const outs = lab.outages.filter((o) => !o.labels[2]);
  const recPtr = new Int32Array(outs.length + 1);
  outs.forEach((o, i) => (recPtr[i + 1] = recPtr[i] + o.record.length));
  const rec = new Float32Array(recPtr[outs.length]);
  outs.forEach((o, i) => rec.set(o.record, recPtr[i]));
  const LL = labelLength(nb, nl);
  const labels = new Float32Array(outs.length * LL);
  outs.forEach((o, i) => labels.set(o.labels, i * LL));
  const packed: PackedDataset = {
    nb, nl, src: net.f, dst: net.t, scenarioIds: Int32Array.of(1), scenarioSplit: Uint8Array.of(0), statics: lab.static,
    sampleScenario: new Int32Array(outs.length), sampleBranch: Int32Array.from(outs, (o) => o.k), sampleSplit: new Uint8Array(outs.length),
    recPtr, rec, labels,
  };
  if (lab.static.length !== staticLength(nb, nl)) throw new Error('static length');
  const data = new SurrogateSamples(packed, fitNormaliser(packed));
  return { data, samples: Array.from({ length: outs.length }, (_, i) => data.sample(i)) };
}

function throughput(data: SurrogateSamples, samples: GraphSample[], hidden: number, overall: number, budgetSec: number) {
  const batch = 16;
  const arch = surrogateModel({ hidden, headHidden: hidden });
  const tr = new Trainer(
    {
      model: { ...arch, sparsity: hiddenSparsityFor(arch, overall) },
      topology: { method: overall > 0 ? 'static' : 'dense' },
      loss: surrogateLoss(1, 10), batchSize: batch, seed: 1,
    },
    { graph: data.graph, train: samples },
  );
  const step = (i: number) => {
    const at = (i * batch) % (samples.length - batch);
    tr.applyGradients(tr.computeGradients(samples.slice(at, at + batch)));
  };
  step(0);
  step(1); // warm-up (JIT)
  let n = 0;
  const t0 = performance.now();
  while ((performance.now() - t0) / 1000 < budgetSec || n < 2) step(2 + n++);
  const sec = (performance.now() - t0) / 1000;
  return { perSec: (n * batch) / sec, counts: parameterCounts(tr.model.layers) };
}

/** What a surrogate's inference over a case's outages starts from: its base state, features and islanding (one scenario). */
export function surrogateInputs(c: ReturnType<typeof parseMatpower>) {
  const engine = N1Engine.forCase(c);
  const net = engine.net;
  const state = scenarioState(engine);
  const stat = staticFeatures(state);
  const packed = { nb: net.nb, nl: net.nl, src: net.f, dst: net.t, scenarioIds: Int32Array.of(1), scenarioSplit: Uint8Array.of(0), statics: stat } as PackedDataset;
  const feats = new SurrogateFeatures(net.nb, net.nl, net.f, net.t, fitNormaliser(packed));
  return { engine, net, state, stat, feats, base: feats.base(stat), islanded: islandedByTopology(net) };
}

export async function runLearnBench(record: (r: Row) => void): Promise<void> {
  const { data, samples } = acti200Samples();
  for (const hidden of [48, 256]) {
    const budget = hidden > 100 ? 6 : 4;
    const rows = [0, 0.9, 0.99].map((s) => ({ s, ...throughput(data, samples, hidden, s, budget) }));
    const dense = rows[0].perSec;
    for (const r of rows) {
      record({
        section: 'learn',
        what: `train case_ACTIVSg200 outages, hidden ${hidden}, ${(r.s * 100).toFixed(0)}% sparse, 1 thread`,
        value: r.perSec,
        unit: 'samples/s',
        target: r.s === 0.99 ? '>= 5x dense' : undefined,
        note: `${r.counts.kept} of ${r.counts.dense} parameters; ${(r.perSec / dense).toFixed(1)}x dense`,
      });
    }
  }

  // Inference over every outage of case_ACTIVSg2000: base case, DC-LODF
  // features, network. Three rounds in this process: the first pays the JIT
  // warm-up of this code, later ones show the steady state (the app predicts
  // many operating points in one process).
  const text = caseText('case_ACTIVSg2000');
  const c = parseMatpower(text, 'case_ACTIVSg2000.m');
  const arch = surrogateModel();
  const model = GraphNet.create(resolveGraphNet({ ...arch, sparsity: hiddenSparsityFor(arch, 0.9) }), new Rng(1));
  const round = (kernels: KernelChoice) => {
    const t0 = performance.now();
    const { net, state, stat, feats, base, islanded } = surrogateInputs(c);
    const t1 = performance.now();
    const fz = new OutageFeaturizer(state, new DcScreen(net), undefined, kernels === 'js' ? 'js' : 'wasm');
    const records: Float32Array[] = [];
    for (let k = 0; k < net.nl; k++) records.push(islanded[k] ? Float32Array.of(k, 0) : fz.record(k));
    const t2 = performance.now();
    const inc = new IncrementalPredictor(model, feats.graph, base, { kernels });
    let touched = 0;
    for (let k = 0; k < net.nl; k++) {
      if (islanded[k]) continue;
      touched += inc.predict(feats.delta(base, stat, records[k])).touched;
    }
    const t3 = performance.now();
    const nIsl = islanded.reduce((a, b) => a + b, 0);
    return { total: (t3 - t0) / 1000, base: (t1 - t0) / 1000, features: (t2 - t1) / 1000, network: (t3 - t2) / 1000, kind: inc.kernels.kind, nl: net.nl, judged: net.nl - nIsl, islanded: nIsl, touched };
  };
  const rounds = [round('wasm-simd'), round('wasm-simd'), round('wasm-simd')];
  const best = rounds.reduce((a, b) => (b.total < a.total ? b : a));
  const js = round('js');
  const f = (x: number) => x.toFixed(2);
  record({
    section: 'learn',
    what: `surrogate N-1 case_ACTIVSg2000, all ${best.nl} branches, 1 thread, best of 3`,
    value: best.total,
    unit: 's',
    target: '<= 1 s',
    note: `first round ${f(rounds[0].total)} s; base case ${f(best.base)} s, DC-LODF features ${f(best.features)} s, network ${f(best.network)} s (${best.kind} kernels; ${best.judged} outages, ${(best.touched / best.judged).toFixed(0)} buses recomputed each, ${best.islanded} islanded by topology); TypeScript kernels: features ${f(js.features)} s, network ${f(js.network)} s`,
  });
  // The same on worker threads (predict --workers): each worker solves the
  // base case and builds its predictor, then takes chunks of outages.
  const net0 = compile(c);
  const stat0 = staticFeatures(scenarioState(N1Engine.forCase(c)));
  const packed0 = { nb: net0.nb, nl: net0.nl, src: net0.f, dst: net0.t, scenarioIds: Int32Array.of(1), scenarioSplit: Uint8Array.of(0), statics: stat0 } as PackedDataset;
  const surrogate: LoadedSurrogate = {
    id: 0, name: 'bench', model,
    config: {
      format: 'gridrewire-n1-surrogate', version: 1, model: serializeModel(model).config as unknown as SurrogateModelConfig['model'],
      normaliser: fitNormaliser(packed0), threshold: 0.5, grid: gridSignature(net0), features: defaultFeatureOptions,
      datasetId: 0, method: 'static', regrow: 'random', sparsity: 0.9,
    },
  };
  const nw = defaultWorkers();
  if (nw > 1) {
    const par: number[] = [];
    for (let i = 0; i < 3; i++) par.push((await predictCaseInWorkers(surrogate, c, nw)).seconds.total);
    record({
      section: 'learn',
      what: `surrogate N-1 case_ACTIVSg2000, all ${best.nl} branches, ${nw} worker threads, best of 3`,
      value: Math.min(...par),
      unit: 's',
      note: `first ${f(par[0])} s; each worker receives the parsed case, solves its base case and builds its predictor, then predicts chunks (predict --workers)`,
    });
  }
  // The exact engine on the same outages.
  const a0 = performance.now();
  const ac = N1Engine.forCase(c);
  for (const row of ac.defaultBranches()) ac.branchOutage(row);
  const acSec = (performance.now() - a0) / 1000;
  record({
    section: 'learn',
    what: `AC N-1 (N1Engine) case_ACTIVSg2000, all ${best.nl} branches, 1 thread`,
    value: acSec,
    unit: 's',
    note: `surrogate (best round) ${(acSec / best.total).toFixed(1)}x faster`,
  });

  // Dataset labelling: one scenario, every branch outage.
  const c500 = parseMatpower(caseText('case_ACTIVSg500'), 'case_ACTIVSg500.m');
  const nl500 = labelScenario(c500).outages.length; // warm up
  const label: number[] = [];
  for (let i = 0; i < 5; i++) { const t0 = performance.now(); labelScenario(c500); label.push((performance.now() - t0) / 1000); }
  label.sort((a, b) => a - b);
  record({
    section: 'learn',
    what: `label one case_ACTIVSg500 scenario (all ${nl500} branch outages), 1 thread`,
    value: label[2] * 1000,
    unit: 'ms',
    note: `median of 5; ${((label[2] * 1e6) / nl500).toFixed(0)} us per outage: one AC solve gives verdict and post-outage state, plus the DC screen and features`,
  });

  await runTrainingBench(record, caseText, ROOT);
}

// Run directly (not when bundled into bench/run.ts).
if (process.argv[1]?.endsWith(join('bench', 'learn.ts'))) {
  runLearnBench((r) => console.log(`${r.what.padEnd(70)} ${r.value.toFixed(r.value >= 100 ? 0 : 2).padStart(9)} ${r.unit.padEnd(10)} ${(r.target ?? '').padEnd(12)} ${r.note ?? ''}`)).catch((e) => {
    console.error(e);
    process.exitCode = 1;
  });
}
