// The compression study of a stored surrogate: each combination of magnitude
// pruning (per layer or global, optionally fine-tuned with its mask fixed)
// and weight quantization is stored as a model of its own (compact format:
// predict, screening and explanations read it like any other), read back
// from the store, and measured there: test figures at the model's
// threshold, verdict flips against the uncompressed model on the same test
// outages, loading error, the bytes of its stored blobs, and the inference
// time over every branch outage of the case with the same kernels. The
// table is kept with the source model.

import { L_INSECURE } from '../core/learn/grid-data';
import type { GraphNet } from '../core/learn/gnn';
import { deserializeModel, serializeModel } from '../core/learn/serialize';
import { QUANTIZATIONS, pruneModel, serializeCompact, type PruneScope, type PruneSpec, type Quantization } from '../core/learn/studies/compress';
import { flipRate } from '../core/learn/studies/evaluation';
import { regressionErrors, verdictMetrics, type SurrogateEvaluation } from '../core/learn/surrogate';
import { defaultOptimizer } from '../core/learn/optim';
import { Trainer, type TrainerConfigInput } from '../core/learn/trainer';
import type { Store } from '../store';
import { loadSurrogate, predictCase } from './predict';
import type { StudyControl } from './studies';
import { StudyError, studyData, type StudyData } from './study-data';
import type { SurrogateModelConfig } from './train';
import type { CompressionRow, CompressionStudy } from '../core/learn/studies/types';
export type { CompressionRow, CompressionStudy } from '../core/learn/studies/types';

export interface CompressRequest {
  model: number;
  /** Prunings to try (default: per layer and global at 25, 50 and 75%). */
  prune?: PruneSpec[];
  /** Quantizations to try (default: each of int8, int8-affine, fp16). */
  quantize?: Quantization[];
  /** Epochs of fine-tuning after pruning (mask fixed); 0: none. Each pruned row is then also given fine-tuned. */
  finetune?: number;
}



/** Timed passes per row (the fastest is reported). */
const LATENCY_RUNS = 2;

export const DEFAULT_PRUNE: PruneSpec[] = [0.25, 0.5, 0.75].flatMap((fraction) => (['layer', 'global'] as PruneScope[]).map((scope) => ({ scope, fraction })));

export const pruneName = (p: PruneSpec) => `prune-${p.scope}-${Math.round(p.fraction * 100)}`;

export function compressionKey(c: { prune: PruneSpec[]; quantize: readonly string[]; finetune: number }): string {
  return `prune:${c.prune.map(pruneName).join(',')}:quantize:${c.quantize.join(',')}:finetune:${c.finetune}`;
}

interface Candidate {
  name: string;
  prune: PruneSpec | null;
  quantize: Quantization | null;
  finetune: number;
}

/** Every pruning alone, every quantization alone, and each pruning with each quantization (and their fine-tuned twins). */
function candidates(prune: PruneSpec[], quantize: Quantization[], finetune: number): Candidate[] {
  const out: Candidate[] = [];
  const tunes = finetune > 0 ? [0, finetune] : [0];
  for (const q of quantize) out.push({ name: q, prune: null, quantize: q, finetune: 0 });
  for (const p of prune) {
    for (const ft of tunes) {
      const base = `${pruneName(p)}${ft ? `+ft${ft}` : ''}`;
      out.push({ name: base, prune: p, quantize: null, finetune: ft });
      for (const q of quantize) out.push({ name: `${base}+${q}`, prune: p, quantize: q, finetune: ft });
    }
  }
  return out;
}

const storedBytes = (store: Store, id: number) => store.models.get(id)!.tensors.reduce((a, t) => a + t.bytes, 0);

export async function compressionStudy(store: Store, req: CompressRequest, ctl: StudyControl = {}): Promise<CompressionStudy> {
  const t0 = performance.now();
  const prune = req.prune ?? DEFAULT_PRUNE, quantize = req.quantize ?? [...QUANTIZATIONS], finetune = req.finetune ?? 0;
  for (const p of prune) if (!(p.fraction > 0 && p.fraction < 1) || (p.scope !== 'layer' && p.scope !== 'global')) throw new StudyError(`a pruning is a scope (layer or global) and a fraction in (0, 1), got ${p.scope}:${p.fraction}`);
  for (const q of quantize) if (!QUANTIZATIONS.includes(q)) throw new StudyError(`unknown quantization '${q}' (one of ${QUANTIZATIONS.join(', ')})`);
  if (!(Number.isInteger(finetune) && finetune >= 0)) throw new StudyError(`finetune must be a whole number of epochs, got ${finetune}`);
  const d = studyData(store, req.model);
  const src = d.surrogate;
  if (src.config.compression) throw new StudyError(`model ${req.model} is itself a compressed model (of model ${(src.config.compression as { of: number }).of}); compress the model it came from`);
  const caseId = d.dataset.caseId;
  const baseCase = store.cases.getParsed(caseId);
  const list = candidates(prune, quantize, finetune);
  const total = list.length + 1;
  let done = 0, cancelled = false;
  const tick = async (stage: string) => {
    done++;
    const sec = (performance.now() - t0) / 1000, rate = done / Math.max(sec, 1e-9);
    ctl.onProgress?.({ stage, done, total, rate, etaSeconds: (total - done) / rate });
    await new Promise<void>((r) => setImmediate(r));
    if (ctl.signal?.aborted) cancelled = true;
  };
  const th = d.threshold;
  // The fastest of a few timed passes over every outage of the case (the first after a warm-up one: JIT and caches settled).
  const measure = (model: GraphNet) => {
    const ev = d.evaluate(model);
    let best = Infinity, outages = 0;
    for (let r = 0; r < LATENCY_RUNS; r++) {
      const p = predictCase({ ...src, model }, baseCase);
      best = Math.min(best, p.seconds.inference * 1000);
      outages = p.contingencies.filter((c) => c.verdict !== 'islanded').length;
    }
    return { ev, latencyMs: best, outages };
  };
  predictCase(src, baseCase);
  const ref = measure(src.model);
  const noneBytes = storedBytes(store, req.model);
  const rows: CompressionRow[] = [row({ name: 'none', prune: null, quantize: null, finetune: 0 }, null, noneBytes, noneBytes, connectionsOf(src.model), ref.ev, ref.ev, th, ref.latencyMs)];
  await tick('none');
  const pruned = new Map<string, GraphNet>();
  for (const c of list) {
    if (cancelled) break;
    const key = c.prune ? `${pruneName(c.prune)}+${c.finetune}` : '';
    let net = c.prune ? pruned.get(key) : src.model;
    if (!net) {
      net = pruneModel(src.model, c.prune!);
      if (c.finetune > 0) net = fineTune(store, d, net, c.finetune);
      pruned.set(key, net);
    }
    const id = saveCompressed(store, req.model, src.name, src.config, c, net);
    // Measured as read back from the store: what predict and explain will load.
    const back = loadSurrogate(store, id);
    const m = measure(back.model);
    // Its test figures beside it, as a trained model has them (the Train tab lists it with them).
    store.models.setMetrics(id, { compression: { of: req.model, name: c.name }, test: { ...verdictMetrics(m.ev.prob, m.ev.label, th), ...regressionErrors(m.ev) } });
    rows.push(row(c, id, storedBytes(store, id), noneBytes, connectionsOf(back.model), m.ev, ref.ev, th, m.latencyMs));
    await tick(c.name);
  }
  const none = rows[0];
  const goal = { maxBytes: none.bytes / 4, minBalancedAccuracy: none.balancedAccuracy - 0.005, minRecall: none.recall, met: [] as string[], smallest: null as string | null };
  for (const r of rows) {
    r.meetsGoal = r.name !== 'none' && r.bytes <= goal.maxBytes && r.balancedAccuracy >= goal.minBalancedAccuracy - 1e-12 && r.recall >= goal.minRecall - 1e-12;
    if (r.meetsGoal) goal.met.push(r.name);
  }
  goal.smallest = rows.filter((r) => r.meetsGoal).sort((a, b) => a.bytes - b.bytes)[0]?.name ?? null;
  const study: CompressionStudy = {
    format: 'gridrewire-compression', version: 1, modelId: req.model, modelName: src.name, method: src.config.method,
    config: { prune, quantize, finetune, testOutages: d.indices.length, insecure: countInsecure(d), threshold: th, outagesTimed: ref.outages },
    rows, goal, seconds: (performance.now() - t0) / 1000, cancelled,
  };
  if (!cancelled) store.results.put(req.model, 'compression', compressionKey({ prune, quantize, finetune }), study);
  return study;
}

function countInsecure(d: StudyData): number {
  let n = 0;
  for (const i of d.indices) if (d.data.head(i)[L_INSECURE]) n++;
  return n;
}

function connectionsOf(m: GraphNet): number {
  return m.layers.reduce((a, l) => a + l.nnz(), 0);
}

function row(c: Candidate, modelId: number | null, bytes: number, noneBytes: number, connections: number, ev: SurrogateEvaluation, ref: SurrogateEvaluation, th: number, latencyMs: number): CompressionRow {
  const v = verdictMetrics(ev.prob, ev.label, th);
  return {
    name: c.name, modelId, prune: c.prune, quantize: c.quantize, finetune: c.finetune, bytes, sizeRatio: bytes / noneBytes, connections,
    accuracy: v.accuracy, balancedAccuracy: v.balancedAccuracy, recall: v.recall, flipRate: flipRate(ev.prob, ref.prob, null, th),
    loadingMae: regressionErrors(ev).loadingMae, latencyMs, meetsGoal: false,
  };
}

/** The compressed model as a stored model: the source's config with the compact network and what was done; an identical earlier one is reused. */
function saveCompressed(store: Store, of: number, ofName: string, cfg: SurrogateModelConfig, c: Candidate, net: GraphNet): number {
  const compression = { of, name: c.name, prune: c.prune, quantize: c.quantize, finetune: c.finetune };
  const same = store.models.list().find((m) => {
    const x = (m.config as { compression?: typeof compression }).compression;
    return x && x.of === of && x.name === c.name;
  });
  if (same) return same.id;
  const ser = serializeCompact(net, c.quantize);
  const config: SurrogateModelConfig = { ...cfg, model: ser.config, compression };
  return store.models.save({
    name: `${ofName} · ${c.name}`,
    config, tensors: new Map(ser.blobs.map((b) => [b.name, b.data])), metrics: { compression }, datasetId: cfg.datasetId,
  });
}

/** A few epochs of training with the pruned mask fixed ('static'), from the source run's configuration at a tenth of its learning rate. */
function fineTune(store: Store, d: StudyData, net: GraphNet, epochs: number): GraphNet {
  const m = store.models.get(d.surrogate.id)!;
  const run = m.trainingRunId === null ? undefined : store.training.get(m.trainingRunId);
  const trainer = (run?.config as { trainer?: TrainerConfigInput } | undefined)?.trainer;
  if (!trainer) throw new StudyError(`model ${d.surrogate.id} has no stored training run to fine-tune from (its configuration is needed)`);
  const train = d.data.indices('train'), val = d.data.indices('val');
  const opt = trainer.optimizer ?? defaultOptimizer;
  const steps = epochs * Math.ceil(train.length / (trainer.batchSize ?? 32));
  const cfg: TrainerConfigInput = {
    ...trainer, epochs, patience: epochs + 1,
    topology: { method: 'static' },
    optimizer: { ...opt, lr: opt.lr / 10, warmupSteps: 0, decaySteps: Math.max(1, steps) },
  };
  const copy = pruneCopy(net);
  const t = new Trainer(cfg, { graph: d.data.graph, train: d.data.source(train), val: val.length ? d.data.source(val) : undefined }, { model: copy });
  t.fit();
  return t.model;
}

/** A deep copy through the float32 serialization (the trainer updates weights in place). */
function pruneCopy(net: GraphNet): GraphNet {
  const ser = serializeModel(net);
  return deserializeModel(ser.config, ser.blobs);
}
