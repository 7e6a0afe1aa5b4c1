// Edge-aware message-passing network (GINE-like, Hu et al. 2020) whose
// weight matrices are sparse layers. For a batch of graphs stacked
// block-diagonally:
//
//   h0 = ReLU(EncN x_v)               e = ReLU(EncE x_uv)        (hidden H)
//   z_v = (1 + eps) h_v + sum_{u in N(v)} ReLU(h_u + e_uv)       (present edges only)
//   h_v' = ReLU(Lin2 ReLU(Lin1 z_v)) (+ h_v with residual)       (L times)
//   edge head:  a_e = ReLU(HE [h_u, h_v, e_uv]),   y_e = offset_e + OutE a_e
//   node head:  a_v = ReLU(HN h_v),                y_v = offset_v + OutN a_v
//               (offsets: optional per-sample baselines, e.g. a physics estimate)
//   graph head: p = [mean_v h, max_v h, mean_e a_e, max_e a_e, max_e y_e,
//               max_v y_v, min_v y_v] over present edges;
//               logit = OutG ReLU(HG p) + Skip [max_e y_e, max_v y_v, min_v y_v]
//
// Forward keeps what backward needs; backward is written by hand, layer by
// layer, and checked against finite differences in the tests. All hidden
// layers are sparse when sparsity > 0 (ERK densities); the scalar readouts
// (*.out, head.graph.skip) are always dense. Readouts and the last layer of
// each residual branch start small, so early predictions sit near zero and
// stacking layers does not inflate the activations.

import { DenseLayer } from './dense';
import { layerConnectionCounts, layerDensities, randomMask, type DensityRule } from './density';
import { LearnError } from './errors';
import { type Batch, type GraphSample, type GraphTopology, makeBatch } from './graph';
import type { InitGain, Layer, Param } from './layer';
import { type HeadOutputs, sigmoid } from './loss';
import { aggregate, aggregateBackward, gatherEdgeInput, poolRows, poolRowsBackward, reluGrad, scatterEdgeInput } from './ops';
import type { Rng } from './rng';
import { SparseLayer } from './sparse';

export interface GraphNetConfig {
  nodeFeatDim: number;
  edgeFeatDim: number;
  hidden: number;
  layers: number;
  headHidden: number;
  eps: number;
  residual: boolean;
  heads: { edge: boolean; node: boolean; graph: boolean };
  /** Global sparsity of the hidden layers; 0 builds dense layers. */
  sparsity: number;
  density: DensityRule;
  /**
   * Factor on the pooled head predictions (margins) before the graph head:
   * a verdict often flips within a few hundredths of a margin, and a large
   * input scale lets the logit be that sharp without huge weights.
   */
  predPoolGain: number;
  /**
   * Pool the head offsets' margins too (times predPoolGain, beside the
   * predictions' and fed to the logit the same way): the largest edge offset
   * above its limit and the node offsets' margins to their upper and lower
   * limits. The offsets are the physics estimate of the outage (the AC
   * step's post-outage loadings and voltages where the record lists them),
   * so the verdict head sees the estimate's own verdict without the heads'
   * learned corrections, which carry their errors at the base point into
   * every outage of an operating point. Inputs, not parameters: no gradient
   * flows through them but to the offsets. Absent (models before it): false.
   */
  offsetPool?: boolean;
  /**
   * Factor on the offsets' margins (absent: predPoolGain). The estimate's
   * verdict flips within a thousandth of a margin (half of case_ACTIVSg2000's
   * insecure outages exceed a limit by less than 0.003), so its columns take
   * a larger factor than the predictions' for the logit to be that sharp.
   */
  offsetPoolGain?: number;
}

/** The factor on the offsets' margins (offsetPool). */
export const offsetPoolGain = (c: GraphNetConfig): number => c.offsetPoolGain ?? c.predPoolGain;

export const defaultGraphNet: Omit<GraphNetConfig, 'nodeFeatDim' | 'edgeFeatDim'> = {
  hidden: 64, layers: 3, headHidden: 64, eps: 0, residual: true,
  heads: { edge: true, node: true, graph: true }, sparsity: 0.9, density: 'erk', predPoolGain: 1,
};

export function resolveGraphNet(cfg: Partial<GraphNetConfig> & Pick<GraphNetConfig, 'nodeFeatDim' | 'edgeFeatDim'>): GraphNetConfig {
  const c: GraphNetConfig = { ...defaultGraphNet, ...cfg, heads: { ...defaultGraphNet.heads, ...cfg.heads } };
  for (const k of ['nodeFeatDim', 'edgeFeatDim', 'hidden', 'layers', 'headHidden'] as const) {
    if (!(Number.isInteger(c[k]) && c[k] >= (k === 'layers' ? 0 : 1))) throw new LearnError('bad-config', `model.${k} must be a positive integer, got ${c[k]}`);
  }
  if (!(c.sparsity >= 0 && c.sparsity < 1)) throw new LearnError('bad-config', `model.sparsity must be in [0, 1), got ${c.sparsity}`);
  if (!Number.isFinite(c.eps)) throw new LearnError('bad-config', `model.eps must be finite, got ${c.eps}`);
  if (!(c.predPoolGain > 0 && Number.isFinite(c.predPoolGain))) throw new LearnError('bad-config', `model.predPoolGain must be a positive number, got ${c.predPoolGain}`);
  if (!c.heads.edge && !c.heads.node && !c.heads.graph) throw new LearnError('bad-config', 'model.heads: enable at least one of edge, node, graph');
  if (c.offsetPoolGain !== undefined && !(c.offsetPoolGain > 0 && Number.isFinite(c.offsetPoolGain))) throw new LearnError('bad-config', `model.offsetPoolGain must be a positive number, got ${c.offsetPoolGain}`);
  if (c.offsetPool !== undefined && typeof c.offsetPool !== 'boolean') throw new LearnError('bad-config', `model.offsetPool must be true or false, got ${c.offsetPool}`);
  if (c.density !== 'erk' && c.density !== 'uniform') throw new LearnError('bad-config', `model.density must be 'erk' or 'uniform', got '${c.density}'`);
  return c;
}

export interface LayerSpec {
  name: string;
  nIn: number;
  nOut: number;
  gain: InitGain;
  /** Readouts stay dense. */
  readout: boolean;
}

/**
 * Graph readout width: mean and max of node states and of edge-head hidden
 * states, plus the pooled head predictions: the largest edge prediction above
 * its limit, the largest node prediction above its upper limit and the
 * smallest above its lower limit (limits per sample, 0 when not given), each
 * times predPoolGain (a verdict is mostly "some loading or voltage out of range").
 */
export function poolWidth(c: GraphNetConfig): number {
  return 2 * c.hidden + 2 * c.headHidden + predPoolWidth(c);
}

/** The pooled head predictions (and with offsetPool the offsets' margins after them): the tail of the readout, also fed linearly to the logit. */
export function predPoolWidth(c: GraphNetConfig): number {
  const w = (c.heads.edge ? 1 : 0) + (c.heads.node ? 2 : 0);
  return c.offsetPool && w > 0 ? 2 * w + 1 : w;
}

/**
 * offsetPool's last column: the estimate's worst margin over every limit,
 * max(edge margin, upper margin, -lower margin) (present heads): the spec's
 * verdict is an OR over elements, which a weighted sum of the three cannot
 * say. `kind`: which won (0 edge, 1 upper, 2 lower), for the gradient.
 */
export function worstOffsetMargin(om: OffsetMargins, heads: { edge: boolean; node: boolean }): { value: number; kind: 0 | 1 | 2 } {
  let value = -Infinity, kind: 0 | 1 | 2 = 0;
  if (heads.edge) value = om.edge;
  if (heads.node) {
    if (om.up > value) { value = om.up; kind = 1; }
    if (-om.low > value) { value = -om.low; kind = 2; }
  }
  return { value, kind };
}

/**
 * Keeps the verdict's skip weight on the worst offset margin at least 0
 * (offsetPool): an estimate further beyond a limit never argues for secure.
 * The data cannot teach that sign where a violation type is rare (a
 * 6,000-outage case_ACTIVSg2000 training set holds two high-voltage outages
 * and four secure ones whose estimate is a hair above Vmax).
 */
export function constrainOffsetPool(model: GraphNet): void {
  if (!model.cfg.offsetPool || predPoolWidth(model.cfg) === 0 || !model.layers.some((l) => l.name === 'head.graph.skip')) return;
  const w = model.layer('head.graph.skip').weight.data, j = predPoolWidth(model.cfg) - 1;
  if (w[j] < 0) w[j] = 0;
}

/** What offsetPool adds to the readout: [edge margin, node upper margin, node lower margin] (present heads only), and their arguments. */
export interface OffsetMargins { edge: number; up: number; low: number; argEdge: number; argUp: number; argLow: number }

/**
 * The offsets' margins of sample b of a batch (rows b*E.. and b*N..): the
 * largest edge offset above its limit over present edges, the largest node
 * offset above its upper limit and the smallest above its lower one.
 * Missing offsets count as 0, missing limits as 0 (as the predictions');
 * an edge is absent where active is 0 or removed is not 0.
 */
export function offsetMargins(
  E: number, N: number, b: number, active: Uint8Array | null, removed: Uint8Array | null,
  edgeOffset: Float32Array | null, edgeLimit: Float32Array | null, nodeOffset: Float32Array | null, nodeUpper: Float32Array | null, nodeLower: Float32Array | null,
): OffsetMargins {
  let edge = -Infinity, argEdge = -1, up = -Infinity, argUp = b * N, low = Infinity, argLow = b * N;
  for (let e = b * E; e < (b + 1) * E; e++) {
    if ((active && !active[e]) || (removed && removed[e])) continue;
    const m = (edgeOffset ? edgeOffset[e] : 0) - (edgeLimit ? edgeLimit[e] : 0);
    if (m > edge) { edge = m; argEdge = e; }
  }
  for (let v = b * N; v < (b + 1) * N; v++) {
    const y = nodeOffset ? nodeOffset[v] : 0;
    const a = y - (nodeUpper ? nodeUpper[v] : 0), c = y - (nodeLower ? nodeLower[v] : 0);
    if (a > up) { up = a; argUp = v; }
    if (c < low) { low = c; argLow = v; }
  }
  return { edge: argEdge >= 0 ? edge : 0, up, low, argEdge, argUp, argLow };
}

/** The layers a configuration needs, in a fixed order (params, serialization). */
export function layerSpecs(c: GraphNetConfig): LayerSpec[] {
  const H = c.hidden, Hh = c.headHidden;
  const s: LayerSpec[] = [
    { name: 'enc.node', nIn: c.nodeFeatDim, nOut: H, gain: 'relu', readout: false },
    { name: 'enc.edge', nIn: c.edgeFeatDim, nOut: H, gain: 'relu', readout: false },
  ];
  for (let l = 0; l < c.layers; l++) {
    s.push({ name: `mp${l}.lin1`, nIn: H, nOut: H, gain: 'relu', readout: false });
    s.push({ name: `mp${l}.lin2`, nIn: H, nOut: H, gain: c.residual ? 'residual' : 'relu', readout: false });
  }
  if (c.heads.edge || c.heads.graph) s.push({ name: 'head.edge.hidden', nIn: 3 * H, nOut: Hh, gain: 'relu', readout: false });
  if (c.heads.edge) s.push({ name: 'head.edge.out', nIn: Hh, nOut: 1, gain: 'residual', readout: true });
  if (c.heads.node) {
    s.push({ name: 'head.node.hidden', nIn: H, nOut: Hh, gain: 'relu', readout: false });
    s.push({ name: 'head.node.out', nIn: Hh, nOut: 1, gain: 'residual', readout: true });
  }
  if (c.heads.graph) {
    s.push({ name: 'head.graph.hidden', nIn: poolWidth(c), nOut: Hh, gain: 'relu', readout: false });
    s.push({ name: 'head.graph.out', nIn: Hh, nOut: 1, gain: 'residual', readout: true });
    // Logistic-regression path from the pooled predictions straight to the logit.
    if (predPoolWidth(c) > 0) s.push({ name: 'head.graph.skip', nIn: predPoolWidth(c), nOut: 1, gain: 'residual', readout: true });
  }
  return s;
}

/**
 * The edge head's hidden layer split by input block [h_src | h_dst | e_uv]:
 * a_e = ReLU(S h_src + D h_dst + (X e_uv + b)), so the h products are taken
 * once per node rather than once per edge end (incremental inference then
 * recomputes only the nodes that changed).
 */
export function edgeHeadBlocks(layer: Layer, H: number): [Layer, Layer, Layer] {
  return [layer.columnBlock(0, H, false), layer.columnBlock(H, 2 * H, false), layer.columnBlock(2 * H, 3 * H, true)];
}

/** a_e = ReLU(ps[src(e)] + pd[dst(e)] + pe[e]) per edge ([edges x Hh]); incremental inference repeats this expression. */
export function combineEdgeHead(ps: Float32Array, pd: Float32Array, pe: Float32Array, edgeSrc: Int32Array, edgeDst: Int32Array, Hh: number): Float32Array {
  const EB = edgeSrc.length;
  const a = new Float32Array(EB * Hh);
  for (let ge = 0; ge < EB; ge++) {
    const s = edgeSrc[ge] * Hh, t = edgeDst[ge] * Hh, o = ge * Hh;
    for (let f = 0; f < Hh; f++) {
      const v = ps[s + f] + pd[t + f] + pe[o + f];
      a[o + f] = 0.5 * (v + Math.abs(v)); // relu, branch-free (ops.ts)
    }
  }
  return a;
}

/** What forward keeps for backward. */
export interface ForwardCache {
  h: Float32Array[];
  z: Float32Array[];
  a: Float32Array[];
  c: Float32Array[];
  e: Float32Array;
  /** Edge head input [h_src, h_dst, e] per edge; null: backward gathers it. */
  q: Float32Array | null;
  aE: Float32Array | null;
  aN: Float32Array | null;
  pool: Float32Array | null;
  poolNodeArg: Int32Array | null;
  poolEdgeArg: Int32Array | null;
  /** Per graph: argmax edge of the edge prediction, argmax and argmin node of the node prediction. */
  poolPredArg: Int32Array | null;
  /** offsetPool: per sample the edge, upper and lower node rows whose offsets won the offsets' margins (-1: none). */
  poolOffsetArg: Int32Array | null;
  /** offsetPool: per sample which margin was the worst (worstOffsetMargin's kind). */
  poolOffsetKind: Uint8Array | null;
  aG: Float32Array | null;
}

/** What backward computes besides (or instead of) the parameter gradients. */
export interface BackwardOptions {
  /** Return the gradients with respect to the inputs (features and head offsets). */
  inputGrad?: boolean;
  /** Accumulate parameter gradients (default true); false when only input gradients are wanted. */
  paramGrad?: boolean;
}

/** Gradients of sum(dOut * out) with respect to a batch's inputs (same layouts as the batch). */
export interface InputGradients {
  nodeFeat: Float32Array;
  edgeFeat: Float32Array;
  /** Per stacked edge / node: the head offsets (null without that head). */
  edgeOffset: Float32Array | null;
  nodeOffset: Float32Array | null;
}

export interface Prediction {
  /** [samples x E] edge predictions (null without edge head). */
  edge: Float32Array | null;
  node: Float32Array | null;
  /** Probability of the positive class per sample. */
  graphProb: Float32Array | null;
}

/** y += offset (a constant baseline: no gradient of its own). */
export function addOffset(y: Float32Array, offset: Float32Array | null): Float32Array {
  if (offset) for (let i = 0; i < y.length; i++) y[i] += offset[i];
  return y;
}

/** The last nPred columns of the [B x P] readout. */
function predColumns(pool: Float32Array, B: number, P: number, nPred: number): Float32Array {
  const x = new Float32Array(B * nPred);
  for (let b = 0; b < B; b++) for (let j = 0; j < nPred; j++) x[b * nPred + j] = pool[b * P + P - nPred + j];
  return x;
}

export class GraphNet {
  readonly cfg: GraphNetConfig;
  readonly layers: Layer[];
  private readonly byName = new Map<string, Layer>();

  constructor(cfg: GraphNetConfig, layers: Layer[]) {
    this.cfg = cfg;
    const specs = layerSpecs(cfg);
    if (layers.length !== specs.length) throw new LearnError('bad-model', `model needs ${specs.length} layers, got ${layers.length}`);
    specs.forEach((s, i) => {
      const l = layers[i];
      if (l.name !== s.name || l.nIn !== s.nIn || l.nOut !== s.nOut) {
        throw new LearnError('bad-model', `layer ${i} should be ${s.name} (${s.nIn}->${s.nOut}), got ${l.name} (${l.nIn}->${l.nOut})`);
      }
      this.byName.set(s.name, l);
    });
    this.layers = layers;
  }

  /** A fresh model: ERK masks (when sparse) and He-initialised weights. */
  static create(cfg: GraphNetConfig, rng: Rng): GraphNet {
    const specs = layerSpecs(cfg);
    const hidden = specs.filter((s) => !s.readout);
    const sparse = cfg.sparsity > 0;
    const counts = sparse ? layerConnectionCounts(hidden, layerDensities(hidden, cfg.sparsity, cfg.density)) : [];
    const layers: Layer[] = specs.map((s) => {
      const hi = hidden.indexOf(s);
      if (sparse && hi >= 0) {
        return SparseLayer.fromPositions(s.name, s.nIn, s.nOut, randomMask(s, counts[hi], rng)).init(rng, s.gain);
      }
      return new DenseLayer(s.name, s.nIn, s.nOut).init(rng, s.gain);
    });
    const net = new GraphNet(cfg, layers);
    // The prior of the worst offset margin's weight: logit up by offsetPoolGain per unit beyond a limit.
    if (cfg.offsetPool && predPoolWidth(cfg) > 0 && net.has('head.graph.skip')) net.layer('head.graph.skip').weight.data[predPoolWidth(cfg) - 1] = 1;
    return net;
  }

  layer(name: string): Layer {
    const l = this.byName.get(name);
    if (!l) throw new LearnError('bad-model', `no layer named ${name}`);
    return l;
  }

  private has(name: string): boolean {
    return this.byName.has(name);
  }

  sparseLayers(): SparseLayer[] {
    return this.layers.filter((l): l is SparseLayer => l instanceof SparseLayer);
  }

  params(): Param[] {
    return this.layers.flatMap((l) => l.params());
  }

  zeroGrad(): void {
    for (const l of this.layers) l.zeroGrad();
  }

  batch(graph: GraphTopology, samples: readonly GraphSample[]): Batch {
    return makeBatch(graph, samples, this.cfg.nodeFeatDim, this.cfg.edgeFeatDim);
  }

  forward(batch: Batch): { out: HeadOutputs; cache: ForwardCache } {
    const { hidden: H, headHidden: Hh, eps, residual, heads } = this.cfg;
    const B = batch.size, N = batch.numNodes, E = batch.numEdges;
    const NB = B * N, EB = B * E;
    const h0 = this.layer('enc.node').forward(batch.nodeFeat, NB, true);
    const e = this.layer('enc.edge').forward(batch.edgeFeat, EB, true);
    const cache: ForwardCache = { h: [h0], z: [], a: [], c: [], e, q: null, aE: null, aN: null, pool: null, poolNodeArg: null, poolEdgeArg: null, poolPredArg: null, poolOffsetArg: null, poolOffsetKind: null, aG: null };
    const { msgSrc, msgDst, msgEdge } = batch;
    const onePlusEps = 1 + eps;
    for (let l = 0; l < this.cfg.layers; l++) {
      const h = cache.h[l];
      const z = aggregate(h, e, msgSrc, msgDst, msgEdge, H, onePlusEps);
      const a = this.layer(`mp${l}.lin1`).forward(z, NB, true);
      const c = this.layer(`mp${l}.lin2`).forward(a, NB, true);
      let hn = c;
      if (residual) {
        hn = new Float32Array(c.length);
        for (let i = 0; i < c.length; i++) hn[i] = c[i] + h[i];
      }
      cache.z.push(z);
      cache.a.push(a);
      cache.c.push(c);
      cache.h.push(hn);
    }
    const hL = cache.h[this.cfg.layers];
    const out: HeadOutputs = { edge: null, node: null, graph: null };

    if (this.has('head.edge.hidden')) {
      // Split by input block: per-node products of h (2N rows) instead of
      // per-edge products of [h_src, h_dst] (2E rows); backward gathers q.
      const [bs, bd, be] = edgeHeadBlocks(this.layer('head.edge.hidden'), H);
      cache.aE = combineEdgeHead(bs.forward(hL, NB), bd.forward(hL, NB), be.forward(e, EB), batch.edgeSrc, batch.edgeDst, Hh);
      if (heads.edge) out.edge = addOffset(this.layer('head.edge.out').forward(cache.aE, EB), batch.edgeOffset);
    }
    if (heads.node) {
      cache.aN = this.layer('head.node.hidden').forward(hL, NB, true);
      out.node = addOffset(this.layer('head.node.out').forward(cache.aN, NB), batch.nodeOffset);
    }
    if (heads.graph) {
      const aE = cache.aE!;
      const P = poolWidth(this.cfg);
      const pool = new Float32Array(B * P);
      const nodeArg = new Int32Array(B * H);
      const edgeArg = new Int32Array(B * Hh);
      const predArg = new Int32Array(B * 3).fill(-1), offArg = new Int32Array(B * 3).fill(-1), offKind = new Uint8Array(B);
      const sum = new Float64Array(Math.max(H, Hh));
      for (let b = 0; b < B; b++) {
        const p0 = b * P;
        poolRows(hL, H, b * N, (b + 1) * N, null, pool, p0, nodeArg, b * H, sum);
        poolRows(aE, Hh, b * E, (b + 1) * E, batch.active, pool, p0 + 2 * H, edgeArg, b * Hh, sum);
        let at = p0 + 2 * H + 2 * Hh;
        const gain = this.cfg.predPoolGain;
        if (out.edge) {
          const lim = batch.edgeLimit;
          let best = -Infinity, arg = -1;
          for (let ge = b * E; ge < (b + 1) * E; ge++) {
            if (!batch.active[ge]) continue;
            const m = lim ? out.edge[ge] - lim[ge] : out.edge[ge];
            if (m > best) { best = m; arg = ge; }
          }
          pool[at++] = arg >= 0 ? gain * best : 0;
          predArg[b * 3] = arg;
        }
        if (out.node) {
          const up = batch.nodeUpper, low = batch.nodeLower;
          let hi = -Infinity, lo = Infinity, ahi = b * N, alo = b * N;
          for (let v = b * N; v < (b + 1) * N; v++) {
            const y = out.node[v];
            const mh = up ? y - up[v] : y, ml = low ? y - low[v] : y;
            if (mh > hi) { hi = mh; ahi = v; }
            if (ml < lo) { lo = ml; alo = v; }
          }
          pool[at++] = gain * hi;
          pool[at++] = gain * lo;
          predArg[b * 3 + 1] = ahi;
          predArg[b * 3 + 2] = alo;
        }
        if (this.cfg.offsetPool) {
          const om = offsetMargins(E, N, b, batch.active, null, batch.edgeOffset, batch.edgeLimit, batch.nodeOffset, batch.nodeUpper, batch.nodeLower);
          if (out.edge) { pool[at++] = offsetPoolGain(this.cfg) * om.edge; offArg[b * 3] = om.argEdge; }
          if (out.node) { pool[at++] = offsetPoolGain(this.cfg) * om.up; pool[at++] = offsetPoolGain(this.cfg) * om.low; offArg[b * 3 + 1] = om.argUp; offArg[b * 3 + 2] = om.argLow; }
          if (out.edge || out.node) { const wm = worstOffsetMargin(om, heads); pool[at++] = offsetPoolGain(this.cfg) * wm.value; offKind[b] = wm.kind; }
        }
      }
      cache.pool = pool;
      cache.poolOffsetArg = offArg;
      cache.poolOffsetKind = offKind;
      cache.poolNodeArg = nodeArg;
      cache.poolEdgeArg = edgeArg;
      cache.poolPredArg = predArg;
      cache.aG = this.layer('head.graph.hidden').forward(pool, B, true);
      out.graph = this.layer('head.graph.out').forward(cache.aG, B);
      const nPred = predPoolWidth(this.cfg);
      if (nPred > 0) {
        const skip = this.layer('head.graph.skip').forward(predColumns(pool, B, P, nPred), B);
        for (let b = 0; b < B; b++) out.graph[b] += skip[b];
      }
    }
    return { out, cache };
  }

  /**
   * Accumulates parameter gradients for head-output gradients dOut; with
   * opts.inputGrad also returns the gradients with respect to the inputs
   * (opts.paramGrad false: only those).
   */
  backward(batch: Batch, cache: ForwardCache, dOut: HeadOutputs, opts: BackwardOptions = {}): InputGradients | null {
    const { hidden: H, headHidden: Hh, eps, residual, heads } = this.cfg;
    const pg = opts.paramGrad ?? true, ig = opts.inputGrad ?? false;
    const B = batch.size, N = batch.numNodes, E = batch.numEdges;
    const NB = B * N, EB = B * E;
    const L = this.cfg.layers;
    const hL = cache.h[L];
    let dh = new Float32Array(NB * H);
    const de = new Float32Array(EB * H);
    let daE: Float32Array | null = cache.aE ? new Float32Array(EB * Hh) : null;
    // Head-output gradients, plus what the graph readout sends to them.
    const dyE = heads.edge ? (dOut.edge ? dOut.edge.slice() : new Float32Array(EB)) : null;
    const dyN = heads.node ? (dOut.node ? dOut.node.slice() : new Float32Array(NB)) : null;

    // offsetPool: what the offsets' margins send to the offsets (input gradients only).
    const dOffE = ig && this.cfg.offsetPool && dyE ? new Float32Array(EB) : null, dOffN = ig && this.cfg.offsetPool && dyN ? new Float32Array(NB) : null;
    if (heads.graph && dOut.graph) {
      const P = poolWidth(this.cfg);
      const predArg = cache.poolPredArg!;
      const daG = reluGrad(this.layer('head.graph.out').backward(cache.aG!, dOut.graph, B, true, pg)!, cache.aG!);
      const dpool = this.layer('head.graph.hidden').backward(cache.pool!, daG, B, true, pg)!;
      const nPred = predPoolWidth(this.cfg);
      if (nPred > 0) {
        const dPred = this.layer('head.graph.skip').backward(predColumns(cache.pool!, B, P, nPred), dOut.graph, B, true, pg)!;
        for (let b = 0; b < B; b++) for (let j = 0; j < nPred; j++) dpool[b * P + P - nPred + j] += dPred[b * nPred + j];
      }
      const nodeArg = cache.poolNodeArg!, edgeArg = cache.poolEdgeArg!;
      for (let b = 0; b < B; b++) {
        const p0 = b * P;
        poolRowsBackward(dpool, p0, H, b * N, (b + 1) * N, null, N, nodeArg, b * H, dh);
        poolRowsBackward(dpool, p0 + 2 * H, Hh, b * E, (b + 1) * E, batch.active, batch.activePerGraph[b], edgeArg, b * Hh, daE!);
        let at = p0 + 2 * H + 2 * Hh;
        const gain = this.cfg.predPoolGain;
        if (dyE) {
          if (predArg[b * 3] >= 0) dyE[predArg[b * 3]] += gain * dpool[at];
          at++;
        }
        if (dyN) {
          dyN[predArg[b * 3 + 1]] += gain * dpool[at++];
          dyN[predArg[b * 3 + 2]] += gain * dpool[at++];
        }
        if (this.cfg.offsetPool) {
          const offArg = cache.poolOffsetArg!;
          if (dyE) { if (dOffE && offArg[b * 3] >= 0) dOffE[offArg[b * 3]] += offsetPoolGain(this.cfg) * dpool[at]; at++; }
          if (dyN) {
            if (dOffN) { dOffN[offArg[b * 3 + 1]] += offsetPoolGain(this.cfg) * dpool[at]; dOffN[offArg[b * 3 + 2]] += offsetPoolGain(this.cfg) * dpool[at + 1]; }
            at += 2;
          }
          if (dyE || dyN) {
            // The worst margin: + to the edge or upper node that won, - to the lower node.
            const kind = cache.poolOffsetKind![b], x = offsetPoolGain(this.cfg) * dpool[at];
            if (kind === 0) { if (dOffE && offArg[b * 3] >= 0) dOffE[offArg[b * 3]] += x; }
            else if (dOffN) dOffN[offArg[b * 3 + kind]] += kind === 1 ? x : -x;
            at++;
          }
        }
      }
    }
    if (dyE) {
      const d = this.layer('head.edge.out').backward(cache.aE!, dyE, EB, true, pg)!;
      for (let i = 0; i < d.length; i++) daE![i] += d[i];
    }
    if (daE) {
      reluGrad(daE, cache.aE!);
      const q = cache.q ?? gatherEdgeInput(hL, cache.e, batch.edgeSrc, batch.edgeDst, H);
      const dq = this.layer('head.edge.hidden').backward(q, daE, EB, true, pg)!;
      scatterEdgeInput(dq, batch.edgeSrc, batch.edgeDst, H, dh, de);
      daE = null;
    }
    if (dyN) {
      const daN = reluGrad(this.layer('head.node.out').backward(cache.aN!, dyN, NB, true, pg)!, cache.aN!);
      const d = this.layer('head.node.hidden').backward(hL, daN, NB, true, pg)!;
      for (let i = 0; i < d.length; i++) dh[i] += d[i];
    }

    const { msgSrc, msgDst, msgEdge } = batch;
    const e = cache.e;
    const onePlusEps = 1 + eps;
    for (let l = L - 1; l >= 0; l--) {
      const h = cache.h[l];
      const dc = reluGrad(residual ? dh.slice() : dh, cache.c[l]);
      const da = reluGrad(this.layer(`mp${l}.lin2`).backward(cache.a[l], dc, NB, true, pg)!, cache.a[l]);
      const dz = this.layer(`mp${l}.lin1`).backward(cache.z[l], da, NB, true, pg)!;
      const dhPrev = residual ? dh : new Float32Array(NB * H);
      aggregateBackward(h, e, dz, msgSrc, msgDst, msgEdge, H, onePlusEps, dhPrev, de);
      dh = dhPrev;
    }
    const dEdgeFeat = this.layer('enc.edge').backward(batch.edgeFeat, reluGrad(de, e), EB, ig, pg);
    const dNodeFeat = this.layer('enc.node').backward(batch.nodeFeat, reluGrad(dh, cache.h[0]), NB, ig, pg);
    // y = offset + learned: an offset's gradient is its output's (readout share included), plus its own margins' share (offsetPool).
    const plus = (a: Float32Array | null, b: Float32Array | null) => { if (a && b) for (let i = 0; i < a.length; i++) b[i] += a[i]; return b ?? a; };
    return ig ? { nodeFeat: dNodeFeat!, edgeFeat: dEdgeFeat!, edgeOffset: plus(dyE, dOffE), nodeOffset: plus(dyN, dOffN) } : null;
  }

  /** Predictions for samples on `graph`, in chunks of batchSize. */
  predict(graph: GraphTopology, samples: readonly GraphSample[], batchSize = 32): Prediction {
    const n = samples.length, N = graph.numNodes, E = graph.src.length;
    const { heads } = this.cfg;
    const pred: Prediction = {
      edge: heads.edge ? new Float32Array(n * E) : null,
      node: heads.node ? new Float32Array(n * N) : null,
      graphProb: heads.graph ? new Float32Array(n) : null,
    };
    for (let s = 0; s < n; s += batchSize) {
      const chunk = samples.slice(s, s + batchSize);
      const { out } = this.forward(this.batch(graph, chunk));
      if (pred.edge && out.edge) pred.edge.set(out.edge, s * E);
      if (pred.node && out.node) pred.node.set(out.node, s * N);
      if (pred.graphProb && out.graph) for (let b = 0; b < chunk.length; b++) pred.graphProb[s + b] = sigmoid(out.graph[b]);
    }
    return pred;
  }
}
