// Bench section 'tfjs' (npm run bench -- tfjs): the TensorFlow.js learning
// backend beside ours, for every TensorFlow.js backend that loads here
// (tfjs-node-gpu, tfjs-node, pure JS), with the device named.
//  1. Training throughput (samples/s, one thread, gradients + Adam step) of
//     the shipped surrogate (hidden 48, 90% sparse) on real case_ACTIVSg200
//     outage samples, batches of 16: ours (Trainer.computeGradients + our
//     Adam) and each tfjs backend (TfjsTraining: tfjs autodiff + tfjs Adam).
//  2. Inference over every branch outage of case_ACTIVSg2000: ours is the
//     shipped path (incremental, bench 'learn' has the full breakdown); tfjs
//     runs the full-graph network per outage in batches of 32. A backend that
//     would take longer than BUDGET_S is timed on the outages it reaches in
//     that time and the total extrapolated (the note says so).
// Standalone: `node --import tsx bench/tfjs.ts`.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { OutageFeaturizer } from '../main/core/grid/features';
import { DcScreen } from '../main/core/grid/lodf';
import { parseMatpower } from '../main/core/grid/matpower';
import { GraphNet, resolveGraphNet } from '../main/core/learn/gnn';
import { EDGE_FEAT_DIM, NODE_FEAT_DIM } from '../main/core/learn/grid-data';
import { IncrementalPredictor, applyDelta } from '../main/core/learn/incremental';
import { Rng } from '../main/core/learn/rng';
import { hiddenSparsityFor, surrogateLoss, surrogateModel } from '../main/core/learn/surrogate';
import { TfjsNet } from '../main/core/learn/tfjs/net';
import { TfjsTraining } from '../main/core/learn/tfjs/training';
import { Trainer } from '../main/core/learn/trainer';
import { listBackends, loadBackend } from '../main/services/backend';
import { acti200Samples, surrogateInputs } from './learn';
import type { Row } from './run';

const ROOT = process.env.GRIDREWIRE_BENCH_ROOT ?? join(__dirname, '..');
const CASES = join(ROOT, '..', 'shared', 'cases');
const BUDGET_S = 20;
const BATCH = 16;

function trainer(data: ReturnType<typeof acti200Samples>): Trainer {
  const arch = surrogateModel({ hidden: 48, headHidden: 48 });
  return new Trainer(
    { model: { ...arch, sparsity: hiddenSparsityFor(arch, 0.9) }, topology: { method: 'static' }, loss: surrogateLoss(1, 10), batchSize: BATCH, seed: 1, optimizer: { kind: 'adam', lr: 3e-3, clipNorm: 1 } },
    { graph: data.data.graph, train: data.samples },
  );
}

/** Samples/s of `step` over about `budget` seconds after two warm-up steps. */
function rate(step: (i: number) => void, budget: number): number {
  step(0);
  step(1);
  let n = 0;
  const t0 = performance.now();
  while ((performance.now() - t0) / 1000 < budget || n < 2) step(2 + n++);
  return (n * BATCH) / ((performance.now() - t0) / 1000);
}

export async function runTfjsBench(record: (r: Row) => void): Promise<void> {
  const tfjs = listBackends().filter((b) => b.name !== 'cpu');
  const usable = tfjs.filter((b) => b.loaded);
  for (const b of tfjs.filter((x) => !x.loaded)) record({ section: 'tfjs', what: `${b.name}: not loaded`, value: NaN, unit: '-', note: b.note });

  // 1. Training throughput.
  const data = acti200Samples();
  const S = data.samples;
  const ours = trainer(data);
  const at = (i: number) => (i * BATCH) % (S.length - BATCH);
  const cpuRate = rate((i) => ours.applyGradients(ours.computeGradients(S.slice(at(i), at(i) + BATCH))), 4);
  record({ section: 'tfjs', what: 'train case_ACTIVSg200 outages, hidden 48, 90% sparse: cpu (ours)', value: cpuRate, unit: 'samples/s', note: 'CPU (sparse kernels), 1 thread' });
  for (const b of usable) {
    const r = loadBackend(b.name as 'tfjs-node-gpu' | 'tfjs-node' | 'tfjs-cpu');
    if (!('tf' in r)) continue;
    const t = trainer(data);
    const back = new TfjsTraining(r.tf, t, { graph: data.data.graph, train: S });
    const idx = (i: number) => Int32Array.from({ length: BATCH }, (_, j) => at(i) + j);
    const tfRate = rate((i) => t.applyGradients(back.gradientsAt(idx(i))), 8);
    back.dispose();
    record({ section: 'tfjs', what: `train case_ACTIVSg200 outages, hidden 48, 90% sparse: ${b.name}`, value: tfRate, unit: 'samples/s', note: `${b.device}; ${(cpuRate / tfRate).toFixed(1)}x slower than ours` });
  }

  // 2. Inference over every outage of case_ACTIVSg2000.
  const c = parseMatpower(readFileSync(join(CASES, 'case_ACTIVSg2000.m'), 'utf8'), 'case_ACTIVSg2000.m');
  const arch = surrogateModel();
  const model = GraphNet.create(resolveGraphNet({ ...arch, sparsity: hiddenSparsityFor(arch, 0.9) }), new Rng(1));
  const t0 = performance.now();
  const { net, state, stat, feats, base, islanded } = surrogateInputs(c);
  const fz = new OutageFeaturizer(state, new DcScreen(net));
  const outages: number[] = [];
  const records: Float32Array[] = [];
  for (let k = 0; k < net.nl; k++) if (!islanded[k]) { outages.push(k); records.push(fz.record(k)); }
  const tFeat = (performance.now() - t0) / 1000;
  const t1 = performance.now();
  const inc = new IncrementalPredictor(model, feats.graph, base, {});
  for (const r of records) inc.predict(feats.delta(base, stat, r));
  const cpuNet = (performance.now() - t1) / 1000;
  record({ section: 'tfjs', what: `surrogate N-1 case_ACTIVSg2000, ${outages.length} outages: cpu (ours, incremental)`, value: tFeat + cpuNet, unit: 's', note: `features ${tFeat.toFixed(2)} s + network ${cpuNet.toFixed(2)} s (${inc.kernels.kind} kernels), 1 thread` });
  for (const b of usable) {
    const r = loadBackend(b.name as 'tfjs-node-gpu' | 'tfjs-node' | 'tfjs-cpu');
    if (!('tf' in r)) continue;
    const tnet = new TfjsNet(r.tf, model);
    const sample = (j: number) => applyDelta(base, feats.delta(base, stat, records[j]), NODE_FEAT_DIM, EDGE_FEAT_DIM);
    tnet.predict(feats.graph, [sample(0)], 1); // warm-up
    const t2 = performance.now();
    let done = 0;
    while (done < outages.length && (performance.now() - t2) / 1000 < BUDGET_S) {
      const chunk = Array.from({ length: Math.min(32, outages.length - done) }, (_, j) => sample(done + j));
      tnet.predict(feats.graph, chunk, 32);
      done += chunk.length;
    }
    const sec = (performance.now() - t2) / 1000;
    const total = (sec * outages.length) / done;
    tnet.dispose();
    record({
      section: 'tfjs', what: `surrogate N-1 case_ACTIVSg2000, ${outages.length} outages: ${b.name} (full graph)`, value: tFeat + total, unit: 's',
      note: `${b.device}; network ${done < outages.length ? `${total.toFixed(1)} s extrapolated from ${done} outages in ${sec.toFixed(1)} s` : `${total.toFixed(1)} s`}; ${((tFeat + total) / (tFeat + cpuNet)).toFixed(0)}x ours`,
    });
  }
}

if (process.argv[1]?.endsWith(join('bench', 'tfjs.ts'))) {
  runTfjsBench((r) => console.log(JSON.stringify(r))).catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
