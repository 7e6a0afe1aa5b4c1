// Bench rows of incremental training (part of section 'learn'):
//  1. Training throughput (samples/s: gradients on every thread + the
//     optimiser step) of the shipped surrogate (hidden 48, 3 layers,
//     adaptive + CH3-L3 at 90% sparsity, batches of 32 = two groups of one
//     scenario each) on case_ACTIVSg200, case_ACTIVSg2000 and
//     case9241pegase: incremental beside the full-graph pass, with the cost
//     of one base pass and of one outage's neighbourhood. Target on
//     case_ACTIVSg2000: >= 250 samples/s on 2 threads. The samples are real
//     outages of two operating points (the case, and its load scaled by
//     0.95): DC-LODF records from the featurizer; their labels are
//     synthetic (base loadings and voltages), since the cost of a step does
//     not depend on the label values.
//  2. Resident memory of `gridrewire train` (a child process, peak RSS read
//     from /proc) on a stored case_ACTIVSg2000 dataset of 4 scenarios x
//     3206 outages (22 KB of labels each), whose labels stream from the
//     store a window of scenarios at a time.

import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Case } from '../main/core/grid/case';
import { N1Engine } from '../main/core/grid/contingency';
import { OutageFeaturizer, EDGE_OUTAGE, EDGE_STATIC, NODE_OUTAGE, NODE_STATIC, defaultFeatureOptions, gridSignature, scenarioState, staticFeatures } from '../main/core/grid/features';
import { islandedByTopology } from '../main/core/grid/islands';
import { DcScreen } from '../main/core/grid/lodf';
import { parseMatpower } from '../main/core/grid/matpower';
import { LABEL_HEAD, LH, L_INSECURE, SurrogateSamples, fitNormaliser, labelLength, staticLength, type PackedDataset } from '../main/core/learn/grid-data';
import { Rng } from '../main/core/learn/rng';
import { Trainer } from '../main/core/learn/trainer';
import { defaultWorkers } from '../main/jobs/pool';
import { GradientGroup } from '../main/jobs/train-job';
import type { DatasetConfig } from '../main/services/dataset';
import { surrogateTrainerConfig } from '../main/services/train';
import { openStore } from '../main/store';
import type { Row } from './run';

const E_LOADF = 7, E_LOADT = 8, N_VM = 4, NS = NODE_STATIC.length, ES = EDGE_STATIC.length;

/** The case with every load scaled by f (generation follows at the reference bus). */
function scaledLoad(c: Case, f: number): Case {
  return { ...c, bus: c.bus.map((r) => { const o = r.slice(); o[2] *= f; o[3] *= f; return o; }) };
}

/** One operating point: its static features and the records and synthetic labels of `outages` non-islanded branch outages. */
function scenario(c: Case, outages: number, rng: Rng) {
  const engine = N1Engine.forCase(c);
  const net = engine.net, state = scenarioState(engine);
  const stat = staticFeatures(state);
  const fz = new OutageFeaturizer(state, new DcScreen(net));
  const islanded = islandedByTopology(net);
  const ks = Array.from({ length: net.nl }, (_, k) => k).filter((k) => !islanded[k]);
  rng.shuffle(ks as unknown as Int32Array);
  const LL = labelLength(net.nb, net.nl);
  const picked = ks.slice(0, outages).sort((a, b) => a - b);
  const rows = picked.map((k) => {
    const labels = new Float32Array(LL);
    labels[L_INSECURE] = rng.float() < 0.02 ? 1 : 0;
    for (let e = 0; e < net.nl; e++) {
      const o = net.nb * NS + e * ES;
      labels[LH + e] = e === k ? NaN : Math.max(stat[o + E_LOADF], stat[o + E_LOADT]) * (1 + 0.05 * rng.normal());
    }
    for (let v = 0; v < net.nb; v++) labels[LH + net.nl + v] = stat[v * NS + N_VM];
    return { k, row: net.branchRow[k] + 1, record: fz.record(k), labels };
  });
  return { net, stat, rows };
}

/** Two operating points of a case as a packed training set. */
export function throughputDataForTest(c: Case, outages: number): PackedDataset {
  return throughputData(c, outages);
}

function throughputData(c: Case, outages: number): PackedDataset {
  const rng = new Rng(7);
  const scs = [scenario(c, outages, rng), scenario(scaledLoad(c, 0.95), outages, rng)];
  const { nb, nl } = scs[0].net;
  const LL = labelLength(nb, nl), SL = staticLength(nb, nl);
  const all = scs.flatMap((s, si) => s.rows.map((r) => ({ ...r, si })));
  const recPtr = new Int32Array(all.length + 1);
  all.forEach((r, i) => (recPtr[i + 1] = recPtr[i] + r.record.length));
  const rec = new Float32Array(recPtr[all.length]), labels = new Float32Array(all.length * LL), statics = new Float32Array(2 * SL);
  all.forEach((r, i) => { rec.set(r.record, recPtr[i]); labels.set(r.labels, i * LL); });
  scs.forEach((s, i) => statics.set(s.stat, i * SL));
  return {
    nb, nl, src: scs[0].net.f, dst: scs[0].net.t, scenarioIds: Int32Array.of(1, 2), scenarioSplit: Uint8Array.of(0, 0), statics,
    sampleScenario: Int32Array.from(all, (r) => r.si), sampleBranch: Int32Array.from(all, (r) => r.k), sampleSplit: new Uint8Array(all.length),
    recPtr, rec, labels,
  };
}

/** Samples per second of training steps on `threads` threads, after `warm` steps, for at least `seconds` and `minSteps`. */
async function throughput(packed: PackedDataset, engine: 'incremental' | 'full', threads: number, seconds: number, minSteps: number) {
  const norm = fitNormaliser(packed);
  const data = new SurrogateSamples(packed, norm);
  const train = data.indices('train');
  const src = data.source(train);
  let pos = 0;
  for (const i of train) pos += data.head(i)[L_INSECURE];
  // No early stop: a small grid goes through its epochs within the timing.
  const cfg = { ...surrogateTrainerConfig({ method: 'adaptive', regrow: 'ch3l3', sparsity: 0.9 }, pos, train.length - pos, 2), patience: 0, epochs: 10000 };
  const trainer = new Trainer(cfg, { graph: data.graph, train: src, engine });
  const LL = labelLength(packed.nb, packed.nl);
  const labelsAt = (p: Int32Array) => {
    const out = new Float32Array(p.length * LL);
    p.forEach((q, j) => out.set(data.labels(train[q]), j * LL));
    return out;
  };
  const group = threads > 1 ? await GradientGroup.start(trainer, { packed: { ...packed, labels: new Float32Array(0) }, norm, config: trainer.cfg, train, engine }, threads, labelsAt) : null;
  try {
    // Steps only are timed (an epoch's end, with its rewiring, is not).
    let sec = 0;
    const step = async () => {
      let p = trainer.nextBatchIndices();
      if (!p) {
        const rec = trainer.endEpoch();
        p = trainer.nextBatchIndices()!;
        if (!p) throw new Error(`bench: training stopped (${trainer.stopReason}) after epoch ${rec.epoch}`);
      }
      const t0 = performance.now();
      const g = group ? await group.gradients(p) : trainer.gradientsAt(p);
      trainer.applyGradients(g);
      sec += (performance.now() - t0) / 1000;
      return p.length;
    };
    await step(); // warm-up: JIT, workers' arenas
    sec = 0;
    let n = 0, steps = 0;
    while (sec < seconds || steps < minSteps) { n += await step(); steps++; }
    return { perSec: n / sec, steps, timing: trainer.engineTiming };
  } finally {
    await group?.close();
  }
}

/** Writes a case_ACTIVSg2000 dataset of `scenarios` x every non-islanded outage (synthetic labels) into a new store; returns its path and dataset id. */
function storeDataset(dir: string, c: Case, text: string, scenarios: number): { db: string; id: number; outages: number } {
  const db = join(dir, 'train-memory.db');
  const store = openStore(db);
  try {
    const rng = new Rng(11);
    const net0 = N1Engine.forCase(c).net;
    const splits = ['train', 'val', 'test', 'train'] as const;
    const config: DatasetConfig = {
      format: 'gridrewire-n1-dataset', version: 1, caseName: c.name, sourceFile: `${c.name}.m`, grid: gridSignature(net0), features: defaultFeatureOptions,
      featureNames: { nodeStatic: [...NODE_STATIC], nodeOutage: [...NODE_OUTAGE], edgeStatic: [...EDGE_STATIC], edgeOutage: [...EDGE_OUTAGE] },
      labelHead: [...LABEL_HEAD], sources: {},
      scenarios: Array.from({ length: scenarios }, (_, s) => ({ id: s + 1, kind: 'random', level: 1 - 0.02 * s, totalLoadMW: 0, split: splits[s % 4] })), skipped: [],
    };
    const caseId = store.cases.import({ text, parsed: c, sourceFile: `${c.name}.m` }).id;
    const id = store.datasets.create({ caseId, name: 'bench', config, seed: 1, sizes: { train: 0, val: 0, test: 0 } });
    let outages = 0;
    for (let s = 0; s < scenarios; s++) {
      const sc = scenario(scaledLoad(c, 1 - 0.02 * s), net0.nl, rng);
      const split = splits[s % 4];
      store.datasets.appendSamples(id, [
        { scenario: s + 1, branch: 0, split, features: sc.stat, labels: Float32Array.of(0, 0, 0, 0) },
        ...sc.rows.map((r) => ({ scenario: s + 1, branch: r.row, split, features: r.record, labels: r.labels })),
      ]);
      outages += sc.rows.length;
    }
    store.datasets.markDone(id);
    return { db, id, outages };
  } finally {
    store.close();
  }
}

/** Runs the CLI and returns its peak resident memory (VmHWM from /proc, MB; NaN where there is no /proc) and its exit code. */
function peakRss(args: string[], cwd: string): Promise<{ mb: number; code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
    let peak = NaN, stderr = '';
    child.stderr.on('data', (d) => { stderr += String(d); });
    const read = () => {
      try {
        const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
        if (m) peak = Math.max(Number.isNaN(peak) ? 0 : peak, Number(m[1]) / 1024);
      } catch { /* gone, or no /proc */ }
    };
    const timer = setInterval(read, 100);
    child.on('exit', (code) => { clearInterval(timer); resolve({ mb: peak, code, stderr }); });
  });
}

export async function runTrainingBench(record: (r: Row) => void, caseText: (name: string) => string, root: string): Promise<void> {
  const threads = defaultWorkers();
  const f = (x: number) => (x >= 100 ? x.toFixed(0) : x.toFixed(1));
  for (const [name, outages, fullSteps] of [['case_ACTIVSg200', 245, 8], ['case_ACTIVSg2000', 1024, 3], ['case9241pegase', 400, 2]] as const) {
    const c = parseMatpower(caseText(name), `${name}.m`);
    const packed = throughputData(c, outages);
    const inc = await throughput(packed, 'incremental', threads, 6, 10);
    const full = await throughput(packed, 'full', threads, 4, fullSteps);
    const t = inc.timing;
    record({
      section: 'learn',
      what: `train ${name} (${packed.nb} buses), ${threads} threads, incremental`,
      value: inc.perSec,
      unit: 'samples/s',
      target: name === 'case_ACTIVSg2000' ? '>= 250' : undefined,
      note: `full-graph ${f(full.perSec)} samples/s: ${(inc.perSec / full.perSec).toFixed(1)}x; on the main thread one base pass (forward + backward) ${(1000 * t.baseSeconds / Math.max(1, t.bases)).toFixed(1)} ms per group of 16, one outage's neighbourhood ${(1000 * t.sampleSeconds / Math.max(1, t.samples)).toFixed(2)} ms; ${inc.steps} steps of 32`,
    });
  }

  // Memory: the real command on a stored dataset, labels streamed.
  const dir = mkdtempSync(join(tmpdir(), 'gridrewire-bench-train-'));
  try {
    const name = 'case_ACTIVSg2000', text = caseText(name);
    const { db, id, outages } = storeDataset(dir, parseMatpower(text, `${name}.m`), text, 4);
    const r = await peakRss([join(root, 'bin', 'gridrewire.js'), 'train', '--db', db, '--dataset', String(id), '--method', 'adaptive', '--regrow', 'ch3l3', '--sparsity', '0.9', '--epochs', '1'], root);
    if (r.code !== 0) throw new Error(`bench: train exited ${r.code}: ${r.stderr.slice(-500)}`);
    const LL = labelLength(2000, 3206);
    record({
      section: 'learn',
      what: `train ${name} from the store (4 scenarios, ${outages} outages), peak resident`,
      value: r.mb,
      unit: 'MB',
      note: `one epoch on ${threads} threads; labels ${((outages * LL * 4) / 2 ** 20).toFixed(0)} MB in the store, read a window of scenarios at a time (${((3206 * LL * 4) / 2 ** 20).toFixed(0)} MB each)`,
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// Run directly: `node --import tsx bench/learn-train.ts` (after npm run build: the workers are the bundled ones).
if (process.argv[1]?.endsWith(join('bench', 'learn-train.ts'))) {
  const root = join(__dirname, '..');
  const text = (name: string) => readFileSync(join(root, '..', 'shared', 'cases', `${name}.m`), 'utf8');
  runTrainingBench((r) => console.log(`${r.what.padEnd(64)} ${r.value.toFixed(r.value >= 100 ? 0 : 2).padStart(9)} ${r.unit.padEnd(10)} ${(r.target ?? '').padEnd(8)} ${r.note ?? ''}`), text, root).catch((e) => {
    console.error(e);
    process.exitCode = 1;
  });
}
