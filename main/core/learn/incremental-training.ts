// Exact incremental training: gradients of a batch of samples that differ
// from their scenario's base sample in a few rows (N-1 outages), equal to
// the batched full-graph forward and backward (GraphNet) up to rounding.
//
// Per scenario in the batch, the base graph's forward runs once (every row,
// the layers' inner rows kept). Per sample, the forward runs over the rows
// its change can reach (incremental.ts, the same code inference uses); the
// loss, whose targets cover every branch and bus, is taken on the full
// output vectors (the base's outputs where nothing was recomputed), and the
// backward runs over the sample's rows (incremental-backward.ts). Where a
// gradient reaches a base row (the outputs far from the outage, the
// messages from base rows into the neighbourhood, the pooled means, which
// reach every row, and a pooled maximum won by a base row), it is added to
// the base's upstream buffers: the backward through fixed base activations
// is linear in what arrives, so after the scenario's samples one backward
// of the base graph carries all of them. A pooled mean's share of the
// sample's own rows is taken out of the base's (it went through the
// sample's rows instead).
//
// The loss of a batch divides each term by its number of targets (and
// their weights), which depend on the targets alone: they are counted
// first, so samples are then taken one at a time with one set of buffers.

import { LearnError } from './errors';
import { offsetPoolGain, worstOffsetMargin, type GraphNet } from './gnn';
import type { GraphSample, GraphTopology } from './graph';
import {
  backwardRows, linearBackward, type BackwardBuffers, type BackwardNet, type LayerGrads, type RowsView,
} from './incremental-backward';
import { trainingKernels, type TrainingKernels } from './training-kernels';
import { IncrementalForward, forwardStages, kernelsFor, type ForwardStages, type SampleDelta } from './incremental';
import { CHANGED, FEATURED, RECOMPUTED, netDims, onArena, type Alloc, type NetDims, type NetStage } from './incremental-stages';
import type { InferenceKernels, KernelChoice } from './kernels';
import { emptyScale, graphTerm, regressionTerms, type LossConfig, type LossScale } from './loss';

/** One sample's targets (as GraphSample.targets, with the per-edge weights of the loading loss). */
export interface DeltaTargets {
  edge?: Float32Array;
  node?: Float32Array;
  graph?: number;
  edgeWeight?: Float32Array;
}

/**
 * Samples given as scenario bases and deltas (grid-data.SurrogateSamples):
 * sample j is base(scenario(j)) + delta(j). Edge targets count where the
 * edge is present and the target finite; node targets where finite.
 */
export interface DeltaSource {
  readonly length: number;
  readonly graph: GraphTopology;
  scenario(j: number): number;
  /** The scenario's sample with nothing changed (every edge present). */
  base(s: number): GraphSample;
  delta(j: number): SampleDelta;
  targets(j: number): DeltaTargets;
}

export function isDeltaSource(x: unknown): x is DeltaSource {
  return typeof x === 'object' && x !== null && typeof (x as DeltaSource).delta === 'function' && typeof (x as DeltaSource).scenario === 'function';
}

/** One sample's full outputs, as the batched forward gives them. */
export interface SampleOutputs {
  edge: Float32Array | null;
  node: Float32Array | null;
  logit: number | null;
  /** The sample's counted targets (1) per edge and node. */
  edgeOn: Uint8Array;
  nodeOn: Uint8Array;
}

/**
 * Per layer of the model (room for any connectivity), f64 sums of its
 * weight and bias gradients over a call, added to the model's grads at its
 * end; and the edge head's three column blocks, whose sums go back to
 * head.edge.hidden's connections (NetStage.blockParent).
 */
class GradSums {
  readonly byLayer = new Map<string, { gW: Float64Array; gB: Float64Array }>();
  readonly blocks: { gW: Float64Array; gB: Float64Array }[];

  constructor(A: Alloc, model: GraphNet) {
    for (const l of model.layers) this.byLayer.set(l.name, { gW: A.f64(l.nIn * l.nOut), gB: A.f64(l.nOut) });
    const eh = model.layer('head.edge.hidden'), H = model.cfg.hidden;
    this.blocks = [0, 1, 2].map(() => ({ gW: A.f64(H * eh.nOut), gB: A.f64(eh.nOut) }));
  }

  clear(): void {
    for (const a of [...this.byLayer.values(), ...this.blocks]) { a.gW.fill(0); a.gB.fill(0); }
  }

  /** Adds the sums into the model's grad arrays. */
  addTo(model: GraphNet, net: NetStage): void {
    for (const l of model.layers) {
      const a = this.byLayer.get(l.name)!, gW = l.weight.grad, gB = l.bias.grad;
      for (let k = 0; k < gW.length; k++) gW[k] += a.gW[k];
      for (let o = 0; o < gB.length; o++) gB[o] += a.gB[o];
    }
    const eh = model.layer('head.edge.hidden');
    for (let j = 0; j < 3; j++) {
      const map = net.blockParent[j], B = net.edgeBlocks[j], n = B.rowPtr[B.nOut], gb = this.blocks[j].gW;
      for (let k = 0; k < n; k++) eh.weight.grad[map[k]] += gb[k];
    }
    const gB = this.blocks[2].gB;
    for (let o = 0; o < gB.length; o++) eh.bias.grad[o] += gB[o];
  }
}

/** What training adds to the forward's stages: the gradient buffers of a sample and of the base, and the base's identity view. */
class GradientStage {
  // The base's upstream: what samples leave at base rows, then the base's own gradients.
  readonly GyE: Float32Array;
  readonly GyN: Float32Array;
  readonly GaE: Float32Array;
  readonly Gps: Float32Array;
  readonly Gpd: Float32Array;
  readonly Gpe: Float32Array;
  readonly Gh: Float32Array[];
  readonly Ge: Float32Array;
  /** Pooled means' gradients, summed over samples, for every row. */
  readonly Uh: Float64Array;
  readonly Ua: Float64Array;
  // One sample's compact gradients.
  readonly dyR: Float32Array;
  readonly dyNR: Float32Array;
  readonly daE: Float32Array;
  readonly dps: Float32Array;
  readonly dpd: Float32Array;
  readonly dpe: Float32Array;
  readonly dh: [Float32Array, Float32Array];
  readonly de: Float32Array;
  readonly dc: Float32Array;
  readonly da: Float32Array;
  readonly dz: Float32Array;
  readonly daN: Float32Array;
  readonly h0: Float32Array;
  // One sample's full outputs, counted targets and output gradients.
  readonly outE: Float32Array;
  readonly outN: Float32Array;
  readonly onE: Uint8Array;
  readonly onN: Uint8Array;
  readonly dyE: Float32Array;
  readonly dyN: Float32Array;
  // Positions in the compact rows.
  readonly posN: Int32Array;
  readonly posE: Int32Array;
  readonly posR: Int32Array;
  // The base as a view: every node and edge inside.
  readonly allN: Int32Array;
  readonly allE: Int32Array;
  readonly onesN: Uint8Array;
  readonly featAll: Uint8Array;
  readonly noneE: Uint8Array;
  readonly countsAll: Int32Array;
  readonly counts: Int32Array;
  // Graph head.
  readonly dlogit: Float32Array;
  readonly daG: Float32Array;
  readonly dpool: Float32Array;
  readonly dpred: Float32Array;
  readonly hArg: Int32Array;
  readonly aEArg: Int32Array;
  /** Parameter gradient sums; f64 scratch of the widest layer input; the encoders' inputs of the rows being run. */
  readonly sums: GradSums;
  readonly t: Float64Array;
  readonly nodeIn: Float32Array;
  readonly edgeIn: Float32Array;

  constructor(A: Alloc, { N, E, H, Hh, L, P, nPred, Fn, Fe }: NetDims, model: GraphNet) {
    const W = Math.max(H, Hh);
    this.GyE = A.f32(E);
    this.GyN = A.f32(N);
    this.GaE = A.f32(E * Hh);
    this.Gps = A.f32(N * Hh);
    this.Gpd = A.f32(N * Hh);
    this.Gpe = A.f32(E * Hh);
    this.Gh = Array.from({ length: L + 1 }, () => A.f32(N * H));
    this.Ge = A.f32(E * H);
    this.Uh = A.f64(H);
    this.Ua = A.f64(Hh);
    this.dyR = A.f32(E);
    this.dyNR = A.f32(N);
    this.daE = A.f32(E * Hh);
    this.dps = A.f32(N * Hh);
    this.dpd = A.f32(N * Hh);
    this.dpe = A.f32(E * Hh);
    this.dh = [A.f32(N * H), A.f32(N * H)];
    this.de = A.f32(E * H);
    this.dc = A.f32(N * W);
    this.da = A.f32(N * W);
    this.dz = A.f32(N * W);
    this.daN = A.f32(N * Hh);
    this.h0 = A.f32(N * H);
    this.outE = A.f32(E);
    this.outN = A.f32(N);
    this.onE = A.u8(E);
    this.onN = A.u8(N);
    this.dyE = A.f32(E);
    this.dyN = A.f32(N);
    this.posN = A.i32(N);
    this.posE = A.i32(E);
    this.posR = A.i32(E);
    this.allN = A.i32(N);
    this.allE = A.i32(E);
    this.onesN = A.u8(N);
    this.featAll = A.u8(E);
    this.noneE = A.u8(E);
    this.countsAll = A.i32(L + 1);
    this.counts = A.i32(L + 1);
    this.dlogit = A.f32(1);
    this.daG = A.f32(Hh);
    this.dpool = A.f32(P);
    this.dpred = A.f32(Math.max(nPred, 1));
    this.hArg = A.i32(H);
    this.aEArg = A.i32(Hh);
    this.sums = new GradSums(A, model);
    this.t = A.f64(4 * Math.max(...model.layers.map((l) => l.nIn)));
    this.nodeIn = A.f32(N * Fn);
    this.edgeIn = A.f32(E * Fe);
  }

  /** The identity view's fixed parts. */
  init(N: number, E: number): void {
    for (let v = 0; v < N; v++) { this.allN[v] = v; this.onesN[v] = 1; }
    for (let e = 0; e < E; e++) { this.allE[e] = e; this.featAll[e] = FEATURED | RECOMPUTED; }
    this.noneE.fill(0);
    this.countsAll.fill(N);
  }

  /** Zeroes the base's upstream before a scenario's samples. */
  clearBase(): void {
    for (const a of [this.GyE, this.GyN, this.GaE, this.Gps, this.Gpd, this.Gpe, this.Ge, ...this.Gh]) a.fill(0);
    this.Uh.fill(0);
    this.Ua.fill(0);
  }
}

export interface IncrementalTrainingOptions {
  kernels?: KernelChoice;
}

/** The result of gradients(): the batch's mean loss and how many samples it had (gradients are in the model's params). */
export interface IncrementalLoss {
  loss: number;
  samples: number;
}

/** Sums over evaluated samples (evaluate()). */
export interface EvaluationSums {
  graph: number;
  edge: number;
  node: number;
  scale: LossScale;
  edgeAbs: number;
  nodeAbs: number;
}

export class IncrementalGradients {
  readonly kernels: InferenceKernels;
  readonly training: TrainingKernels;
  readonly dims: NetDims;
  private readonly st: ForwardStages;
  private readonly gs: GradientStage;
  private readonly fwd: IncrementalForward;
  private readonly graph: GraphTopology;
  /** The scenario (of which source) whose base pass the stages hold, at the weights last loaded. */
  private baseScenario: number | null = null;
  private baseSource: DeltaSource | null = null;
  /** Where gradients() spent its time: base passes (forward and backward) and samples' neighbourhoods. */
  readonly timing = { bases: 0, baseSeconds: 0, samples: 0, sampleSeconds: 0 };
  /** The last sample's present edges, and the edge and nodes that won its pooled predictions (-1: none). */
  private present = 0;
  private readonly predArg = new Int32Array(3);

  constructor(model: GraphNet, graph: GraphTopology, opts: IncrementalTrainingOptions = {}) {
    this.dims = netDims(model, graph);
    const { kernels, stages } = onArena((A) => ({ fwd: forwardStages(A, model, this.dims, true), grad: new GradientStage(A, this.dims, model) }), kernelsFor(model, opts.kernels));
    this.kernels = kernels;
    this.training = trainingKernels(kernels);
    this.st = stages.fwd;
    this.gs = stages.grad;
    this.gs.init(this.dims.N, this.dims.E);
    this.graph = graph;
    this.fwd = new IncrementalForward(model.cfg, kernels, this.st, graph, this.dims);
  }

  /** True when `model` has the architecture these stages were built for. */
  fits(model: GraphNet): boolean {
    const d = netDims(model, this.graph), a = this.dims;
    return d.N === a.N && d.E === a.E && d.H === a.H && d.Hh === a.Hh && d.L === a.L && d.Fn === a.Fn && d.Fe === a.Fe && d.P === a.P && d.nPred === a.nPred
      && model.cfg.eps === this.fwd.cfg.eps && model.cfg.residual === this.fwd.cfg.residual && model.cfg.predPoolGain === this.fwd.cfg.predPoolGain && !!model.cfg.offsetPool === !!this.fwd.cfg.offsetPool && offsetPoolGain(model.cfg) === offsetPoolGain(this.fwd.cfg)
      && model.cfg.heads.edge === this.fwd.cfg.heads.edge && model.cfg.heads.node === this.fwd.cfg.heads.node && model.cfg.heads.graph === this.fwd.cfg.heads.graph;
  }

  private load(model: GraphNet): void {
    if (!this.fits(model)) throw new LearnError('bad-model', 'incremental training: the model does not have the architecture the engine was built for');
    this.st.net.load(model);
    this.baseScenario = null;
    this.baseSource = null;
  }

  private setBase(src: DeltaSource, s: number): void {
    if (this.baseSource === src && this.baseScenario === s) return;
    this.fwd.setBase(src.base(s));
    this.baseSource = src;
    this.baseScenario = s;
  }

  /**
   * Accumulates into the model's parameter gradients (the caller zeroes
   * them) the gradients of the mean loss over the samples at `positions`,
   * as computeLoss and GraphNet.backward give them for the batch of full
   * samples. Returns the loss.
   */
  gradients(model: GraphNet, src: DeltaSource, positions: ArrayLike<number>, lossCfg: LossConfig): IncrementalLoss {
    this.load(model);
    const n = positions.length;
    if (n === 0) throw new LearnError('bad-sample', 'a batch needs at least one sample');
    // The divisors of the loss terms, from the targets alone.
    const deltas: SampleDelta[] = [], targets: DeltaTargets[] = [];
    const scale = emptyScale();
    for (let j = 0; j < n; j++) {
      const d = src.delta(positions[j]), t = src.targets(positions[j]);
      deltas.push(d);
      targets.push(t);
      this.countTargets(d, t, scale);
    }
    // Scenario by scenario (first appearance order), each base once.
    const order = Array.from({ length: n }, (_, j) => j);
    const scen = order.map((j) => src.scenario(positions[j]));
    const firstAt = new Map<number, number>();
    scen.forEach((s, j) => { if (!firstAt.has(s)) firstAt.set(s, j); });
    order.sort((a, b) => firstAt.get(scen[a])! - firstAt.get(scen[b])! || a - b);
    const grads = this.layerGrads(model);
    this.gs.sums.clear();
    let sum = 0;
    for (let i = 0; i < n; ) {
      const s = scen[order[i]];
      const t0 = performance.now();
      this.setBase(src, s);
      this.gs.clearBase();
      const t1 = performance.now();
      for (; i < n && scen[order[i]] === s; i++) {
        const j = order[i];
        sum += this.sample(deltas[j], targets[j], scale, lossCfg, grads);
        this.timing.samples++;
      }
      const t2 = performance.now();
      this.baseBackward(src.base(s), grads);
      const t3 = performance.now();
      this.timing.bases++;
      this.timing.baseSeconds += (t1 - t0 + t3 - t2) / 1000;
      this.timing.sampleSeconds += (t2 - t1) / 1000;
    }
    this.gs.sums.addTo(model, this.st.net);
    return { loss: sum, samples: n };
  }

  /**
   * Runs the samples at `positions` forward; `onSample` sees each one's
   * outputs (valid during the call). Returns the loss sums of each run of
   * `chunk` consecutive positions (one run by default).
   */
  evaluate(model: GraphNet, src: DeltaSource, positions: ArrayLike<number>, lossCfg: LossConfig, onSample?: (j: number, out: SampleOutputs, t: DeltaTargets) => void, chunk = Infinity): EvaluationSums[] {
    this.load(model);
    const all: EvaluationSums[] = [];
    let sums: EvaluationSums | null = null;
    for (let j = 0; j < positions.length; j++) {
      if (!sums || j % chunk === 0) all.push((sums = { graph: 0, edge: 0, node: 0, scale: emptyScale(), edgeAbs: 0, nodeAbs: 0 }));
      const p = positions[j];
      this.setBase(src, src.scenario(p));
      const d = src.delta(p), t = src.targets(p);
      const one = emptyScale();
      this.countTargets(d, t, one);
      this.fwd.forward(d);
      const out = this.outputs(d, t);
      // Sums of the terms: the loss of a set is each sum over its divisor.
      const g = this.gs;
      if (out.edge && t.edge && one.edgeN > 0) {
        sums.edge += regressionTerms(out.edge, t.edge, g.onE, t.edgeWeight ?? null, 0, 1, lossCfg, g.dyE);
        for (let e = 0; e < out.edge.length; e++) if (g.onE[e]) sums.edgeAbs += Math.abs(out.edge[e] - t.edge[e]);
      }
      if (out.node && t.node && one.nodeN > 0) {
        sums.node += regressionTerms(out.node, t.node, g.onN, null, 0, 1, lossCfg, g.dyN);
        for (let v = 0; v < out.node.length; v++) if (g.onN[v]) sums.nodeAbs += Math.abs(out.node[v] - t.node[v]);
      }
      if (out.logit !== null && t.graph !== undefined) sums.graph += graphTerm(out.logit, t.graph, lossCfg, 1).loss;
      for (const k of ['graph', 'edgeN', 'edgeW', 'nodeN', 'nodeW'] as const) sums.scale[k] += one[k];
      onSample?.(j, out, t);
      this.fwd.restore(d);
    }
    return all;
  }

  /** Counts a sample's targets into `scale` and leaves its counted-target flags in onE / onN. */
  private countTargets(d: SampleDelta, t: DeltaTargets, scale: LossScale): void {
    const { N, E } = this.dims, g = this.gs;
    if (t.graph !== undefined) {
      if (t.graph !== 0 && t.graph !== 1) throw new LearnError('bad-sample', `graph target must be 0 or 1, got ${t.graph}`);
      scale.graph++;
    }
    if (t.edge) {
      if (t.edge.length !== E) throw new LearnError('bad-sample', `edge target has ${t.edge.length} values, expected ${E}`);
      const on = g.onE, tw = t.edgeWeight;
      for (let e = 0; e < E; e++) on[e] = Number.isFinite(t.edge[e]) ? 1 : 0;
      for (let j = 0; j < d.removed.length; j++) on[d.removed[j]] = 0;
      for (let e = 0; e < E; e++) if (on[e]) { scale.edgeN++; scale.edgeW += tw ? tw[e] : 1; }
    }
    if (t.node) {
      if (t.node.length !== N) throw new LearnError('bad-sample', `node target has ${t.node.length} values, expected ${N}`);
      for (let v = 0; v < N; v++) if ((g.onN[v] = Number.isFinite(t.node[v]) ? 1 : 0)) { scale.nodeN++; scale.nodeW += 1; }
    }
  }

  /** The sample's full outputs (base outputs where nothing was recomputed) and its logit; sets the counted-target flags and the pooled arguments. */
  private outputs(d: SampleDelta, t: DeltaTargets): SampleOutputs {
    const { N, E } = this.dims, fwd = this.fwd, { net, head, scratch: sc } = this.st, g = this.gs;
    let edge: Float32Array | null = null, node: Float32Array | null = null;
    if (net.edgeOut) {
      edge = g.outE;
      edge.set(head.yE);
      for (let j = 0; j < fwd.nY; j++) edge[fwd.edgeAt(j)] = sc.yEBuf[j];
    }
    if (net.nodeOut) {
      node = g.outN;
      node.set(head.yN);
      const Si = sc.S.items;
      for (let r = 0; r < fwd.nL; r++) node[Si[r]] = sc.yNBuf[r];
    }
    // Counted targets: present edges with a finite target, nodes with one.
    if (t.edge) {
      for (let e = 0; e < E; e++) g.onE[e] = Number.isFinite(t.edge[e]) ? 1 : 0;
      for (let j = 0; j < d.removed.length; j++) g.onE[d.removed[j]] = 0;
    } else g.onE.fill(0);
    if (t.node) for (let v = 0; v < N; v++) g.onN[v] = Number.isFinite(t.node[v]) ? 1 : 0;
    else g.onN.fill(0);
    const logit = net.graphHidden && net.graphOut ? this.poolForward(d, edge, node) : null;
    return { edge, node, logit, edgeOn: g.onE, nodeOn: g.onN };
  }

  /**
   * The graph readout of the sample and the graph head's logit, with the
   * row that wins each pooled maximum (ties: the lowest index, as the
   * batched forward's first-maximum scan).
   */
  private poolForward(d: SampleDelta, edge: Float32Array | null, node: Float32Array | null): number {
    const { N, E, H, Hh, L, P, nPred } = this.dims;
    const k = this.kernels, cfg = this.fwd.cfg, { net, base: B, head, pool: PS, scratch: sc } = this.st, g = this.gs;
    const pool = PS.pool, nL = this.fwd.nL, m = this.fwd.m;
    const Si = sc.S.items, Ei = sc.rowsE.items, removed = sc.removedMark, edgeMark = sc.edgeMark, nodeMark = sc.nodeMark;
    const hL = B.hWork[L], hLBase = B.h[L];
    // Node states: mean by differences; max over S_L, then the best base row outside it.
    const mx = PS.poolMax, sum = PS.poolSum, arg = g.hArg;
    for (let f = 0; f < H; f++) { sum[f] = PS.hSum[f]; mx[f] = -Infinity; arg[f] = -1; }
    for (let r = 0; r < nL; r++) {
      const v = Si[r], o = v * H;
      for (let f = 0; f < H; f++) {
        const x = hL[o + f];
        sum[f] += x - hLBase[o + f];
        if (x > mx[f] || (x === mx[f] && v < arg[f])) { mx[f] = x; arg[f] = v; }
      }
    }
    for (let f = 0; f < H; f++) {
      const v = PS.hTop.best(f, nodeMark, 0xff);
      if (v >= 0) {
        const x = hLBase[v * H + f];
        if (x > mx[f] || (x === mx[f] && v < arg[f])) { mx[f] = x; arg[f] = v; }
      }
      pool[f] = sum[f] / N;
      pool[H + f] = mx[f];
    }
    // Edge-head states over present edges.
    let present = E;
    for (let j = 0; j < d.removed.length; j++) if (removed[d.removed[j]] === 1) { removed[d.removed[j]] = 2; present--; } // each removed edge once
    for (let j = 0; j < d.removed.length; j++) removed[d.removed[j]] = 1;
    this.present = present;
    const aEB = head.aE, aE = sc.aEBuf, earg = g.aEArg;
    for (let f = 0; f < Hh; f++) { sum[f] = PS.aESum[f]; mx[f] = -Infinity; earg[f] = -1; }
    for (let j = 0; j < m; j++) {
      const e = Ei[j], b = e * Hh, o = j * Hh;
      for (let f = 0; f < Hh; f++) sum[f] -= aEB[b + f];
      if (removed[e]) continue;
      for (let f = 0; f < Hh; f++) {
        const x = aE[o + f];
        sum[f] += x;
        if (x > mx[f] || (x === mx[f] && e < earg[f])) { mx[f] = x; earg[f] = e; }
      }
    }
    for (let f = 0; f < Hh; f++) {
      const e = PS.aETop.best(f, edgeMark, CHANGED | RECOMPUTED);
      if (e >= 0) {
        const x = aEB[e * Hh + f];
        if (x > mx[f] || (x === mx[f] && e < earg[f])) { mx[f] = x; earg[f] = e; }
      }
      pool[2 * H + f] = present > 0 ? sum[f] / present : 0;
      pool[2 * H + Hh + f] = earg[f] >= 0 ? mx[f] : 0;
    }
    // Pooled predictions, over the full outputs (first extreme, as the batched forward).
    let at = 2 * H + 2 * Hh;
    const gain = cfg.predPoolGain;
    this.predArg[0] = this.predArg[1] = this.predArg[2] = -1;
    if (cfg.heads.edge && edge) {
      const lim = this.fwd.edgeLimit;
      let best = -Infinity, a = -1;
      for (let e = 0; e < E; e++) {
        if (removed[e]) continue;
        const x = lim ? edge[e] - lim[e] : edge[e];
        if (x > best) { best = x; a = e; }
      }
      pool[at++] = a >= 0 ? gain * best : 0;
      this.predArg[0] = a;
    }
    if (cfg.heads.node && node) {
      const up = this.fwd.nodeUpper, low = this.fwd.nodeLower;
      let hi = -Infinity, lo = Infinity, ahi = 0, alo = 0;
      for (let v = 0; v < N; v++) {
        const y = node[v];
        const mh = up ? y - up[v] : y, ml = low ? y - low[v] : y;
        if (mh > hi) { hi = mh; ahi = v; }
        if (ml < lo) { lo = ml; alo = v; }
      }
      pool[at++] = gain * hi;
      pool[at++] = gain * lo;
      this.predArg[1] = ahi;
      this.predArg[2] = alo;
    }
    // The offsets' margins: inputs, so the backward sends them nothing.
    if (cfg.offsetPool) {
      const om = this.fwd.offsetMargins(d);
      if (cfg.heads.edge && edge) pool[at++] = offsetPoolGain(cfg) * om.edge;
      if (cfg.heads.node && node) { pool[at++] = offsetPoolGain(cfg) * om.up; pool[at++] = offsetPoolGain(cfg) * om.low; }
      if ((cfg.heads.edge && edge) || (cfg.heads.node && node)) pool[at++] = offsetPoolGain(cfg) * worstOffsetMargin(om, cfg.heads).value;
    }
    k.spmm(net.graphHidden!, pool, 1, PS.aG, true);
    k.spmm(net.graphOut!, PS.aG, 1, PS.one, false);
    let logit = PS.one[0];
    if (nPred > 0 && net.graphSkip) {
      PS.skipIn.set(pool.subarray(P - nPred));
      k.spmm(net.graphSkip, PS.skipIn, 1, PS.one, false);
      logit = Math.fround(logit + PS.one[0]); // the batched forward adds the two in f32
    }
    return logit;
  }

  /** Forward, loss and backward of one sample; what reaches base rows stays in the base's upstream. Returns its share of the batch loss. */
  private sample(d: SampleDelta, t: DeltaTargets, scale: LossScale, lossCfg: LossConfig, grads: NetGrads): number {
    const { N, E, H, Hh, L, P, nPred } = this.dims;
    const fwd = this.fwd, cfg = fwd.cfg, { net, base: B, pool: PS, scratch: sc } = this.st, g = this.gs;
    fwd.forward(d);
    const out = this.outputs(d, t);
    // Loss and the gradients of the outputs.
    let loss = 0;
    g.dyE.fill(0);
    g.dyN.fill(0);
    if (out.edge && t.edge && scale.edgeN > 0 && scale.edgeW > 0) {
      loss += (lossCfg.edgeWeight * regressionTerms(out.edge, t.edge, g.onE, t.edgeWeight ?? null, lossCfg.edgeWeight, scale.edgeW, lossCfg, g.dyE)) / scale.edgeW;
    }
    if (out.node && t.node && scale.nodeN > 0 && scale.nodeW > 0) {
      loss += (lossCfg.nodeWeight * regressionTerms(out.node, t.node, g.onN, null, lossCfg.nodeWeight, scale.nodeW, lossCfg, g.dyN)) / scale.nodeW;
    }
    let dlogit = 0;
    if (out.logit !== null && t.graph !== undefined && scale.graph > 0) {
      const gt = graphTerm(out.logit, t.graph, lossCfg, scale.graph);
      loss += (lossCfg.graphWeight * gt.loss) / scale.graph;
      dlogit = Math.fround(gt.grad);
    }

    const nL = fwd.nL, m = fwd.m, ne = d.edges.length, nd = sc.layerCount[0];
    const Si = sc.S.items, Ei = sc.rowsE.items, nodeMark = sc.nodeMark, edgeMark = sc.edgeMark;
    for (let r = 0; r < nL; r++) g.posN[Si[r]] = r;
    for (let j = 0; j < m; j++) g.posR[Ei[j]] = j;
    for (let j = 0; j < ne; j++) g.posE[d.edges[j]] = j;
    const dhL = g.dh[L % 2];
    dhL.fill(0, 0, nL * H);
    g.daE.fill(0, 0, m * Hh);

    // Graph head and readout.
    if (out.logit !== null && dlogit !== 0) {
      const gh = grads.graph!;
      g.dlogit[0] = dlogit;
      const tk = this.training;
      g.daG.fill(0);
      linearBackward(tk, net.graphOut!, gh.out, PS.aG, g.dlogit, 1, g.daG, g.t);
      for (let f = 0; f < Hh; f++) g.daG[f] *= +(PS.aG[f] > 0);
      g.dpool.fill(0);
      linearBackward(tk, net.graphHidden!, gh.hidden, PS.pool, g.daG, 1, g.dpool, g.t);
      if (nPred > 0 && net.graphSkip) {
        g.dpred.fill(0);
        linearBackward(tk, net.graphSkip, gh.skip!, PS.skipIn, g.dlogit, 1, g.dpred, g.t);
        for (let j = 0; j < nPred; j++) g.dpool[P - nPred + j] += g.dpred[j];
      }
      const dp = g.dpool, GhL = g.Gh[L];
      // Mean of node states: every node; the sample's rows here, the others through the base.
      for (let f = 0; f < H; f++) {
        const u = dp[f] / N;
        if (u === 0) continue;
        g.Uh[f] += u;
        for (let r = 0; r < nL; r++) { dhL[r * H + f] += u; GhL[Si[r] * H + f] -= u; }
      }
      // Max of node states: its winner.
      for (let f = 0; f < H; f++) {
        const v = g.hArg[f], x = dp[H + f];
        if (v < 0 || x === 0) continue;
        if (nodeMark[v] & 1) dhL[g.posN[v] * H + f] += x;
        else GhL[v * H + f] += x;
      }
      // Mean of edge-head states over present edges.
      const removed = sc.removedMark;
      if (this.present > 0) {
        for (let f = 0; f < Hh; f++) {
          const u = dp[2 * H + f] / this.present;
          if (u === 0) continue;
          g.Ua[f] += u;
          for (let j = 0; j < m; j++) {
            const e = Ei[j];
            if (!removed[e]) g.daE[j * Hh + f] += u;
            g.GaE[e * Hh + f] -= u;
          }
        }
      }
      for (let f = 0; f < Hh; f++) {
        const e = g.aEArg[f], x = dp[2 * H + Hh + f];
        if (e < 0 || x === 0) continue;
        if (edgeMark[e] & RECOMPUTED) g.daE[g.posR[e] * Hh + f] += x;
        else g.GaE[e * Hh + f] += x;
      }
      // Pooled predictions: their winners' outputs.
      let at = 2 * H + 2 * Hh;
      const gain = cfg.predPoolGain;
      if (cfg.heads.edge && out.edge) { if (this.predArg[0] >= 0) g.dyE[this.predArg[0]] += gain * dp[at]; at++; }
      if (cfg.heads.node && out.node) { g.dyN[this.predArg[1]] += gain * dp[at++]; g.dyN[this.predArg[2]] += gain * dp[at++]; }
    }

    // Outputs: recomputed rows here, the others through the base.
    if (out.edge) {
      for (let j = 0; j < m; j++) g.dyR[j] = g.dyE[Ei[j]];
      for (let e = 0; e < E; e++) if (!(edgeMark[e] & RECOMPUTED)) g.GyE[e] += g.dyE[e];
    }
    if (out.node) {
      for (let r = 0; r < nL; r++) g.dyNR[r] = g.dyN[Si[r]];
      for (let v = 0; v < N; v++) if (!(nodeMark[v] & 1)) g.GyN[v] += g.dyN[v];
    }
    // The encoder's states of S_0 (for its ReLU).
    this.kernels.gather(Si, nd, B.hWork[0], g.h0, H);
    g.dps.fill(0, 0, nL * Hh);
    g.dpd.fill(0, 0, nL * Hh);
    g.dpe.fill(0, 0, ne * Hh);
    g.de.fill(0, 0, ne * H);
    g.nodeIn.set(d.nodeFeat);
    g.edgeIn.set(d.edgeFeat);
    const view: RowsView = {
      S: Si, counts: sc.layerCount, nodeMark, posN: g.posN, R: Ei, m, F: sc.listE, ne, edgeMark, posE: g.posE, removed: sc.removedMark,
      h: B.hWork, e: B.eWork, z: sc.rows.z, a: sc.rows.a, c: sc.rows.c, hL: sc.xBuf, eF: sc.xeBuf, aE: sc.aEBuf, aN: sc.aNBuf,
      h0: g.h0, nodeIn: g.nodeIn, edgeIn: g.edgeIn,
    };
    const bufs: BackwardBuffers = {
      dyE: out.edge ? g.dyR : null, daE: g.daE, dyN: out.node ? g.dyNR : null, dps: g.dps, dpd: g.dpd, dpe: g.dpe,
      dh: Array.from({ length: L + 1 }, (_, l) => g.dh[l % 2]), zeroLayers: true, de: g.de, dc: g.dc, da: g.da, dz: g.dz, daN: g.daN, t: g.t,
      outPs: g.Gps, outPd: g.Gpd, outPe: g.Gpe, outH: g.Gh, outE: g.Ge,
    };
    backwardRows(this.training, grads.rows, view, bufs, this.dims, this.st.graph.src, this.st.graph.dst, this.adj, 1 + cfg.eps, cfg.residual);
    fwd.restore(d);
    return loss;
  }

  private get adj() {
    const gr = this.st.graph;
    return { ptr: gr.adjPtr, edge: gr.adjEdge, other: gr.adjOther };
  }

  /** One backward of the base graph carrying what the scenario's samples left at its rows. */
  private baseBackward(base: GraphSample, grads: NetGrads): void {
    const { H, Hh, L, N, E } = this.dims, g = this.gs, { base: B, head } = this.st, cfg = this.fwd.cfg;
    // The pooled means' shares of every row.
    for (let e = 0; e < E; e++) for (let f = 0; f < Hh; f++) g.GaE[e * Hh + f] += g.Ua[f];
    const GhL = g.Gh[L];
    for (let v = 0; v < N; v++) for (let f = 0; f < H; f++) GhL[v * H + f] += g.Uh[f];
    const rows = B.rows!;
    g.nodeIn.set(base.nodeFeat);
    g.edgeIn.set(base.edgeFeat);
    const view: RowsView = {
      S: g.allN, counts: g.countsAll, nodeMark: g.onesN, posN: g.allN, R: g.allE, m: E, F: g.allE, ne: E, edgeMark: g.featAll, posE: g.allE, removed: g.noneE,
      h: B.h, e: B.e, z: rows.z, a: rows.a, c: rows.c, hL: B.h[L], eF: B.e, aE: head.aE, aN: head.aN,
      h0: B.h[0], nodeIn: g.nodeIn, edgeIn: g.edgeIn,
    };
    const bufs: BackwardBuffers = {
      dyE: this.st.net.edgeOut ? g.GyE : null, daE: g.GaE, dyN: this.st.net.nodeOut ? g.GyN : null, dps: g.Gps, dpd: g.Gpd, dpe: g.Gpe,
      dh: g.Gh, zeroLayers: false, de: g.Ge, dc: g.dc, da: g.da, dz: g.dz, daN: g.daN, t: g.t,
      outPs: g.Gps, outPd: g.Gpd, outPe: g.Gpe, outH: g.Gh, outE: g.Ge,
    };
    backwardRows(this.training, grads.rows, view, bufs, this.dims, this.st.graph.src, this.st.graph.dst, this.adj, 1 + cfg.eps, cfg.residual);
  }

  /** Where each packed layer's gradients go: the call's f64 sums (and a RigL layer's dense gradient). */
  private layerGrads(model: GraphNet): NetGrads {
    const net = this.st.net, sums = this.gs.sums;
    const of = (name: string): LayerGrads => {
      const l = model.layer(name), a = sums.byLayer.get(name)!;
      return { gW: a.gW, gB: a.gB, dense: denseOf(l, 0) };
    };
    const L = this.dims.L, H = this.dims.H;
    const eh = model.layer('head.edge.hidden');
    const block = (j: number): LayerGrads => ({ gW: sums.blocks[j].gW, gB: sums.blocks[j].gB, dense: denseOf(eh, j * H) });
    return {
      rows: {
        encNode: net.encNode, encEdge: net.encEdge, lin1: net.lin1, lin2: net.lin2, blocks: net.edgeBlocks,
        edgeOut: net.edgeOut, nodeHidden: net.nodeHidden, nodeOut: net.nodeOut,
        g: {
          encNode: of('enc.node'), encEdge: of('enc.edge'),
          lin1: Array.from({ length: L }, (_, l) => of(`mp${l}.lin1`)), lin2: Array.from({ length: L }, (_, l) => of(`mp${l}.lin2`)),
          blocks: [block(0), block(1), block(2)],
          edgeOut: net.edgeOut ? of('head.edge.out') : null,
          nodeHidden: net.nodeHidden ? of('head.node.hidden') : null,
          nodeOut: net.nodeOut ? of('head.node.out') : null,
        },
      },
      graph: net.graphHidden && net.graphOut ? { hidden: of('head.graph.hidden'), out: of('head.graph.out'), skip: net.graphSkip ? of('head.graph.skip') : null } : null,
    };
  }
}

interface NetGrads {
  rows: BackwardNet;
  graph: { hidden: LayerGrads; out: LayerGrads; skip: LayerGrads | null } | null;
}

/** The dense gradient a RigL regrowth asked the layer for (SparseLayer.denseGrad), if any. */
function denseOf(l: { denseGrad?: Float32Array | null; nIn: number }, c0: number): LayerGrads['dense'] {
  const G = (l as { denseGrad?: Float32Array | null }).denseGrad;
  return G ? { G, nFull: l.nIn, c0 } : null;
}
