// Incremental inference: many samples that differ from one base sample in a
// few rows (N-1: the outaged branch removed, its end buses flagged, features
// on the branches near their limit, new head offsets where the DC screen
// moves a branch), predicted without redoing the whole graph.
//
// The base sample is run once and every layer's node states are kept. For a
// sample, the node states that can differ after message-passing layer l are
// those within l hops of a changed node or of an end of a changed edge:
//   S_0 = changed nodes,  S_l = S_{l-1} + neighbours(S_{l-1}) + ends(changed edges)
// Only those rows are recomputed (rows of a layer are independent, and the
// message sums run in the same edge order as the batched forward, so they
// come out bit for bit the same). The edge head is recomputed on edges
// touching S_L or changed; the node head on S_L; an edge whose offset alone
// changes just moves its prediction by the difference. Pooled means are
// updated by differences, pooled maxima come from the few largest base values
// of each column (ColumnTops) outside the recomputed rows, so the cost of a
// sample grows with its neighbourhood, not with the grid. The edge head's
// hidden layer is split by input block (gnn.edgeHeadBlocks): per-node
// products are kept for every node, so an edge next to S_L costs one
// addition per unit, not a product.
//
// The arithmetic runs in kernels.ts (WebAssembly, SIMD where available, or
// the TypeScript loops) on one arena that holds every array, grouped by
// stage (incremental-stages.ts); the base sample itself is computed with the
// same kernels. All kernel sets give the batched forward's bits (tests
// compare them). IncrementalForward is the part training shares
// (incremental-training.ts): the base pass and one sample's neighbourhood
// pass; IncrementalPredictor adds the extremes and the verdict.

import { LearnError } from './errors';
import { offsetMargins, offsetPoolGain, worstOffsetMargin, type GraphNet, type OffsetMargins } from './gnn';
import { inferenceKernels, type InferenceKernels, type KernelChoice } from './kernels';
import type { GraphSample, GraphTopology } from './graph';
import { sigmoid } from './loss';
import {
  BaseActivations, CHANGED, EdgeHeadPartials, FEATURED, GraphStage, NetStage, PoolStage, RECOMPUTED, Scratch, netDims, onArena,
  type Alloc, type NetDims,
} from './incremental-stages';

/** What differs from the base sample. */
export interface SampleDelta {
  /** Node rows whose features (or offsets) differ, with their new [n x nodeFeatDim] features. */
  nodes: Int32Array;
  nodeFeat: Float32Array;
  /** New node offsets for the listed nodes (omit: the base's). */
  nodeOffset?: Float32Array;
  /** Edge rows whose features (or offsets) differ, with their new [m x edgeFeatDim] features. */
  edges: Int32Array;
  edgeFeat: Float32Array;
  edgeOffset?: Float32Array;
  /**
   * Edges whose offset alone changes (features as in the base): their
   * prediction moves by the offset change and nothing is recomputed.
   * Must not repeat an edge of `edges`.
   */
  offsetEdges?: Int32Array;
  offsetValues?: Float32Array;
  /** Edges absent from this sample (no messages, not pooled). */
  removed: Int32Array;
}

/** The full sample a delta describes (for training and for checking). */
export function applyDelta(base: GraphSample, d: SampleDelta, nodeFeatDim: number, edgeFeatDim: number): GraphSample {
  const nodeFeat = base.nodeFeat.slice(), edgeFeat = base.edgeFeat.slice();
  const E = edgeFeat.length / edgeFeatDim;
  d.nodes.forEach((v, j) => nodeFeat.set(d.nodeFeat.subarray(j * nodeFeatDim, (j + 1) * nodeFeatDim), v * nodeFeatDim));
  d.edges.forEach((e, j) => edgeFeat.set(d.edgeFeat.subarray(j * edgeFeatDim, (j + 1) * edgeFeatDim), e * edgeFeatDim));
  const edgeMask = new Uint8Array(E).fill(1);
  if (base.edgeMask) edgeMask.set(base.edgeMask);
  for (const e of d.removed) edgeMask[e] = 0;
  let edgeOffset = base.edgeOffset;
  if (d.edgeOffset || d.offsetEdges) {
    edgeOffset = edgeOffset ? edgeOffset.slice() : new Float32Array(E);
    if (d.edgeOffset) d.edges.forEach((e, j) => (edgeOffset![e] = d.edgeOffset![j]));
    if (d.offsetEdges) d.offsetEdges.forEach((e, j) => (edgeOffset![e] = d.offsetValues![j]));
  }
  let nodeOffset = base.nodeOffset;
  if (d.nodeOffset) {
    nodeOffset = nodeOffset ? nodeOffset.slice() : new Float32Array(nodeFeat.length / nodeFeatDim);
    d.nodes.forEach((v, j) => (nodeOffset![v] = d.nodeOffset![j]));
  }
  return { nodeFeat, edgeFeat, edgeMask, edgeOffset, nodeOffset, edgeLimit: base.edgeLimit, nodeUpper: base.nodeUpper, nodeLower: base.nodeLower, targets: base.targets };
}

export interface IncrementalResult {
  /** Probability of the positive class (null without a graph head). */
  prob: number | null;
  logit: number | null;
  /** Largest edge prediction over present edges and its edge (-1 when none). */
  maxEdge: number;
  argMaxEdge: number;
  /** Largest edge prediction above its limit (the sample's edgeLimit) over present edges, and its edge. */
  maxEdgeMargin: number;
  argMaxEdgeMargin: number;
  /** Extremes of the node predictions (NaN without a node head). */
  minNode: number;
  maxNode: number;
  /** Largest node prediction above its upper limit, smallest above its lower limit (nodeUpper / nodeLower). */
  upperMargin: number;
  lowerMargin: number;
  /** Rows recomputed in the last message-passing layer. */
  touched: number;
}


export interface IncrementalOptions {
  /** Fastest allowed kernels: 'wasm-simd' (default), 'wasm' (scalar WebAssembly) or 'js' (the TypeScript loops). */
  kernels?: KernelChoice;
}

/** The stages of one incremental network (inference: exact sizes, rows not kept; training: room and kept rows). */
export interface ForwardStages {
  graph: GraphStage;
  net: NetStage;
  base: BaseActivations;
  head: EdgeHeadPartials;
  pool: PoolStage;
  scratch: Scratch;
}

export function forwardStages(A: Alloc, model: GraphNet, dims: NetDims, training: boolean): ForwardStages {
  return {
    graph: new GraphStage(A, dims),
    net: new NetStage(A, model, training ? 'dense' : 'exact'),
    base: new BaseActivations(A, dims, training),
    head: new EdgeHeadPartials(A, dims, training),
    pool: new PoolStage(A, dims, !training),
    scratch: new Scratch(A, dims, training),
  };
}

/** The kernels for a network's stages: SIMD needs even widths; the product's scratch the widest input. */
export function kernelsFor(model: GraphNet, choice: KernelChoice | undefined): (bytes: number) => InferenceKernels {
  const c = model.cfg;
  return (bytes) => inferenceKernels(bytes, choice, c.hidden % 2 === 0 && c.headHidden % 2 === 0, Math.max(...model.layers.map((l) => l.nIn)));
}

/**
 * The base pass (every row of the base sample) and one sample's pass over
 * the rows its change can reach, on the stages. After forward(d) the
 * scratch holds the sample's rows (S, its layer counts, the recomputed
 * edges with their hidden states and outputs, the node head on S_L) and the
 * working copies hold the sample's states; restore(d) puts the base back.
 */
export class IncrementalForward {
  readonly dims: NetDims;
  private readonly onePlusEps: number;
  private readonly residual: boolean;
  /** The base sample's offsets and limits (null: 0). */
  edgeOffset: Float32Array | null = null;
  nodeOffset: Float32Array | null = null;
  edgeLimit: Float32Array | null = null;
  nodeUpper: Float32Array | null = null;
  nodeLower: Float32Array | null = null;
  /** The last sample's sizes: rows of S_L, recomputed edges, and those plus the offset-only edges (rows of yEBuf). */
  nL = 0;
  m = 0;
  nY = 0;

  constructor(readonly cfg: GraphNet['cfg'], readonly kernels: InferenceKernels, readonly st: ForwardStages, graph: GraphTopology, dims: NetDims) {
    this.dims = dims;
    this.onePlusEps = 1 + cfg.eps;
    this.residual = cfg.residual;
    st.graph.fill(graph);
  }

  /**
   * Runs the base sample, every row, with the same kernels (a row's bits do
   * not depend on which other rows are computed with it, so this is the
   * batched forward of GraphNet, bit for bit), and sets up its pooling.
   */
  setBase(base: GraphSample): void {
    const { N, E, H, Hh, L, Fn, Fe } = this.dims;
    if (base.edgeMask && base.edgeMask.some((m) => !m)) throw new LearnError('bad-sample', 'the base sample of incremental inference must have every edge present');
    if (base.nodeFeat.length !== N * Fn || base.edgeFeat.length !== E * Fe) throw new LearnError('bad-sample', `base sample: expected ${N * Fn} node and ${E * Fe} edge feature values, got ${base.nodeFeat.length} and ${base.edgeFeat.length}`);
    const k = this.kernels, { graph, net, base: B, head, pool, scratch } = this.st;
    const rows = B.rows ?? scratch.rows;
    const allN = scratch.listN, allE = scratch.listE;
    for (let v = 0; v < N; v++) allN[v] = v;
    for (let e = 0; e < E; e++) allE[e] = e;
    scratch.inBuf.set(base.nodeFeat);
    k.spmm(net.encNode, scratch.inBuf, N, B.h[0], true);
    scratch.inBuf.set(base.edgeFeat);
    k.spmm(net.encEdge, scratch.inBuf, E, B.e, true);
    for (let l = 1; l <= L; l++) {
      const z = rows.z[l - 1], a = rows.a[l - 1], c = rows.c[l - 1];
      k.aggregate(allN, N, graph.adjPtr, graph.adjEdge, graph.adjOther, scratch.removedMark, B.h[l - 1], B.e, z, H, this.onePlusEps);
      k.spmm(net.lin1[l - 1], z, N, a, true);
      k.spmm(net.lin2[l - 1], a, N, c, true);
      k.residual(allN, N, c, B.h[l - 1], B.h[l], H, this.residual);
    }
    const hL = B.h[L];
    k.spmm(net.edgeBlocks[0], hL, N, head.ps, false);
    k.spmm(net.edgeBlocks[1], hL, N, head.pd, false);
    k.spmm(net.edgeBlocks[2], B.e, E, head.pe, false);
    k.combine(allE, E, graph.src, graph.dst, head.ps, head.pd, head.pe, head.aE, Hh);
    for (let l = 0; l <= L; l++) B.hWork[l].set(B.h[l]);
    B.eWork.set(B.e);
    head.psWork.set(head.ps);
    head.pdWork.set(head.pd);
    head.peWork.set(head.pe);
    this.edgeOffset = base.edgeOffset ?? null;
    this.nodeOffset = base.nodeOffset ?? null;
    this.edgeLimit = base.edgeLimit ?? null;
    this.nodeUpper = base.nodeUpper ?? null;
    this.nodeLower = base.nodeLower ?? null;
    // Head outputs (the batched forward adds offsets in f32 the same way).
    if (net.edgeOut) {
      k.spmm(net.edgeOut, head.aE, E, head.yERaw, false);
      const off = this.edgeOffset;
      for (let e = 0; e < E; e++) head.yE[e] = off ? head.yERaw[e] + off[e] : head.yERaw[e];
    }
    if (net.nodeHidden && net.nodeOut) {
      const aN = head.aN.length ? head.aN : scratch.aNBuf;
      k.spmm(net.nodeHidden, hL, N, aN, true);
      k.spmm(net.nodeOut, aN, N, head.yNRaw, false);
      const off = this.nodeOffset;
      for (let v = 0; v < N; v++) head.yN[v] = off ? head.yNRaw[v] + off[v] : head.yNRaw[v];
    }
    pool.hSum.fill(0);
    for (let v = 0; v < N; v++) for (let f = 0; f < H; f++) pool.hSum[f] += hL[v * H + f];
    pool.hTop.build(hL);
    pool.aESum.fill(0);
    const aEB = head.aE;
    for (let e = 0; e < E; e++) for (let f = 0; f < Hh; f++) pool.aESum[f] += aEB[e * Hh + f];
    pool.aETop.build(aEB);
    if (pool.mETop && net.edgeOut) {
      const lim = this.edgeLimit;
      for (let e = 0; e < E; e++) pool.mE[e] = lim ? head.yE[e] - lim[e] : head.yE[e];
      pool.yETop!.build(head.yE);
      pool.mETop.build(pool.mE);
    }
    if (pool.mUTop && net.nodeOut) {
      const up = this.nodeUpper, low = this.nodeLower;
      for (let v = 0; v < N; v++) {
        pool.mU[v] = up ? head.yN[v] - up[v] : head.yN[v];
        pool.mL[v] = low ? head.yN[v] - low[v] : head.yN[v];
      }
      pool.yNTop!.build(head.yN);
      pool.yNBottom!.build(head.yN);
      pool.mUTop.build(pool.mU);
      pool.mLBottom!.build(pool.mL);
    }
  }

  /**
   * The sample `base + d` over the rows its change can reach. Leaves in the
   * scratch: S (its first layerCount[l] items are S_l; nL = |S_L|), the
   * recomputed edges rowsE (m of them) with their hidden states (aEBuf) and
   * outputs (yEBuf, then the offset-only edges' up to nY), the node head's
   * hidden states and outputs on S_L (aNBuf, yNBuf), and the marks; the
   * working copies hold the sample's states.
   */
  forward(d: SampleDelta): void {
    const { H, Hh, L, Fn, Fe } = this.dims;
    const k = this.kernels, { graph, net, base: B, head, scratch: sc } = this.st;
    const { adjPtr, adjEdge, adjOther } = graph;
    const edgeMark = sc.edgeMark, removed = sc.removedMark;
    if (d.nodeFeat.length !== d.nodes.length * Fn) throw new LearnError('bad-sample', `delta: ${d.nodes.length} nodes need ${d.nodes.length * Fn} feature values, got ${d.nodeFeat.length}`);
    if (d.edgeFeat.length !== d.edges.length * Fe) throw new LearnError('bad-sample', `delta: ${d.edges.length} edges need ${d.edges.length * Fe} feature values, got ${d.edgeFeat.length}`);
    const nd = d.nodes.length, ne = d.edges.length;
    const listN = sc.listN, listE = sc.listE;
    listN.set(d.nodes);
    listE.set(d.edges);
    for (let j = 0; j < d.removed.length; j++) removed[d.removed[j]] = 1;
    // Changed edges: new encodings; removed ones count as changed too.
    const changed = sc.changed;
    for (let j = 0; j < ne; j++) { changed.add(d.edges[j]); edgeMark[d.edges[j]] |= FEATURED; }
    for (let j = 0; j < d.removed.length; j++) changed.add(d.removed[j]);
    if (ne > 0) {
      sc.inBuf.set(d.edgeFeat);
      k.spmm(net.encEdge, sc.inBuf, ne, sc.xBuf, true);
      k.scatter(listE, ne, sc.xBuf, B.eWork, H);
    }
    // S_0: changed nodes.
    const S = sc.S, Si = S.items;
    for (let j = 0; j < nd; j++) S.add(d.nodes[j]);
    if (nd > 0) {
      sc.inBuf.set(d.nodeFeat);
      k.spmm(net.encNode, sc.inBuf, nd, sc.xBuf, true);
      k.scatter(listN, nd, sc.xBuf, B.hWork[0], H);
    }
    sc.layerCount[0] = S.n;
    let frontier = 0;
    for (let l = 1; l <= L; l++) {
      // Grow: neighbours of S_{l-1} (those of older members are in already,
      // so only the last layer's newcomers are expanded: same order) and, in
      // the first layer, the ends of changed edges.
      const prev = S.n;
      S.n = k.grow(Si, frontier, prev, adjPtr, adjOther, sc.nodeMark, 1, Si, prev);
      frontier = prev;
      if (l === 1) for (let j = 0; j < changed.n; j++) { const e = changed.items[j]; S.add(graph.src[e]); S.add(graph.dst[e]); }
      const rows = S.n;
      sc.layerCount[l] = rows;
      const hPrev = B.hWork[l - 1];
      const z = sc.rows.z[l - 1], a = sc.rows.a[l - 1], c = sc.rows.c[l - 1];
      k.aggregate(Si, rows, adjPtr, adjEdge, adjOther, removed, hPrev, B.eWork, z, H, this.onePlusEps);
      k.spmm(net.lin1[l - 1], z, rows, a, true);
      k.spmm(net.lin2[l - 1], a, rows, c, true);
      k.residual(Si, rows, c, hPrev, B.hWork[l], H, this.residual);
    }
    const nL = (this.nL = S.n);
    const hL = B.hWork[L];

    // Edge head on edges touching S_L or changed: new per-node products for
    // S_L, new per-edge products for edges with new features.
    const rowsE = sc.rowsE, Ei = rowsE.items;
    const [bs, bd, be] = net.edgeBlocks;
    k.gather(Si, nL, hL, sc.xBuf, H);
    k.spmm(bs, sc.xBuf, nL, sc.pBuf, false);
    k.scatter(Si, nL, sc.pBuf, head.psWork, Hh);
    k.spmm(bd, sc.xBuf, nL, sc.pBuf, false);
    k.scatter(Si, nL, sc.pBuf, head.pdWork, Hh);
    // Node head on S_L, from the same gathered rows.
    if (net.nodeHidden && net.nodeOut) {
      k.spmm(net.nodeHidden, sc.xBuf, nL, sc.aNBuf, true);
      const yN = sc.yNBuf;
      k.spmm(net.nodeOut, sc.aNBuf, nL, yN, false);
      const off = sc.nodeOff, baseOff = this.nodeOffset;
      if (baseOff) for (let r = 0; r < nL; r++) off[Si[r]] = baseOff[Si[r]];
      else for (let r = 0; r < nL; r++) off[Si[r]] = 0;
      if (d.nodeOffset) for (let j = 0; j < nd; j++) off[d.nodes[j]] = d.nodeOffset[j];
      for (let r = 0; r < nL; r++) yN[r] += off[Si[r]];
    }
    if (ne > 0) {
      k.gather(listE, ne, B.eWork, sc.xeBuf, H);
      k.spmm(be, sc.xeBuf, ne, sc.pBuf, false);
      k.scatter(listE, ne, sc.pBuf, head.peWork, Hh);
    }
    for (let j = 0; j < changed.n; j++) rowsE.add(changed.items[j]);
    rowsE.n = k.grow(Si, 0, nL, adjPtr, adjEdge, edgeMark, RECOMPUTED, Ei, rowsE.n);
    const m = (this.m = rowsE.n);
    k.combine(Ei, m, graph.src, graph.dst, head.psWork, head.pdWork, head.peWork, sc.aEBuf, Hh);
    this.nY = m;
    if (net.edgeOut) {
      const yE = sc.yEBuf;
      k.spmm(net.edgeOut, sc.aEBuf, m, yE, false);
      // New offsets where given, else the base's.
      const off = sc.off, baseOff = this.edgeOffset;
      if (baseOff) for (let j = 0; j < m; j++) off[Ei[j]] = baseOff[Ei[j]];
      else for (let j = 0; j < m; j++) off[Ei[j]] = 0;
      if (d.edgeOffset) for (let j = 0; j < ne; j++) off[d.edges[j]] = d.edgeOffset[j];
      const oe = d.offsetEdges, ov = d.offsetValues;
      if (oe && ov) for (let j = 0; j < oe.length; j++) off[oe[j]] = ov[j];
      for (let j = 0; j < m; j++) yE[j] += off[Ei[j]];
      // Offset-only edges (not recomputed): base output moved by the offset
      // change, appended after the recomputed rows of yE.
      const offsetOnly = sc.offsetOnly;
      if (oe && ov && oe.length) {
        for (let j = 0; j < oe.length; j++) {
          const e = oe[j];
          if (edgeMark[e] & RECOMPUTED) continue; // recomputed anyway (next to the outage)
          offsetOnly.add(e);
          yE[m + offsetOnly.n - 1] = head.yERaw[e] + ov[j];
        }
      }
      this.nY = m + offsetOnly.n;
    }
  }

  /** Edge of row j of yEBuf (recomputed edges, then offset-only ones). */
  edgeAt(j: number): number {
    const sc = this.st.scratch;
    return j < this.m ? sc.rowsE.items[j] : sc.offsetOnly.items[j - this.m];
  }

  private offE: Float32Array | null = null;
  private offN: Float32Array | null = null;

  /**
   * offsetPool: the margins of the sample's offsets (the base's with the
   * delta's), over its present edges, as the batched forward takes them from
   * the full sample. Between forward(d) and restore(d).
   */
  offsetMargins(d: SampleDelta): OffsetMargins {
    const { N, E } = this.dims;
    const offE = (this.offE ??= new Float32Array(E)), offN = (this.offN ??= new Float32Array(N));
    if (this.edgeOffset) offE.set(this.edgeOffset); else offE.fill(0);
    if (this.nodeOffset) offN.set(this.nodeOffset); else offN.fill(0);
    if (d.edgeOffset) for (let j = 0; j < d.edges.length; j++) offE[d.edges[j]] = d.edgeOffset[j];
    const oe = d.offsetEdges, ov = d.offsetValues;
    if (oe && ov) for (let j = 0; j < oe.length; j++) offE[oe[j]] = ov[j];
    if (d.nodeOffset) for (let j = 0; j < d.nodes.length; j++) offN[d.nodes[j]] = d.nodeOffset[j];
    return offsetMargins(E, N, 0, null, this.st.scratch.removedMark, offE, this.edgeLimit, offN, this.nodeUpper, this.nodeLower);
  }

  /** Puts the working copies and marks back to the base. */
  restore(d: SampleDelta): void {
    const k = this.kernels, { H, Hh, L } = this.dims, { base: B, head, scratch: sc } = this.st;
    const Si = sc.S.items, nL = this.nL, ne = d.edges.length;
    for (let l = 0; l <= L; l++) k.restore(Si, sc.layerCount[l], B.h[l], B.hWork[l], H);
    if (ne > 0) {
      k.restore(sc.listE, ne, B.e, B.eWork, H);
      k.restore(sc.listE, ne, head.pe, head.peWork, Hh);
    }
    k.restore(Si, nL, head.ps, head.psWork, Hh);
    k.restore(Si, nL, head.pd, head.pdWork, Hh);
    for (let j = 0; j < ne; j++) sc.edgeMark[d.edges[j]] &= ~FEATURED;
    sc.S.clear();
    sc.changed.clear();
    sc.rowsE.clear();
    sc.offsetOnly.clear();
    for (let j = 0; j < d.removed.length; j++) sc.removedMark[d.removed[j]] = 0;
  }
}

export class IncrementalPredictor {
  /** The kernels in use and the arena every array lives in. */
  readonly kernels: InferenceKernels;
  private readonly fwd: IncrementalForward;
  private readonly st: ForwardStages;

  private baseSample: GraphSample;

  constructor(readonly model: GraphNet, graph: GraphTopology, base: GraphSample, opts: IncrementalOptions = {}) {
    const dims = netDims(model, graph);
    if (!model.layers.some((l) => l.name === 'head.edge.hidden')) throw new LearnError('bad-model', 'incremental inference needs the edge head (heads.edge or heads.graph)');
    if (base.nodeFeat.length !== dims.N * dims.Fn || base.edgeFeat.length !== dims.E * dims.Fe) throw new LearnError('bad-sample', `base sample: expected ${dims.N * dims.Fn} node and ${dims.E * dims.Fe} edge feature values, got ${base.nodeFeat.length} and ${base.edgeFeat.length}`);
    const { kernels, stages } = onArena((A) => forwardStages(A, model, dims, false), kernelsFor(model, opts.kernels));
    this.kernels = kernels;
    this.st = stages;
    stages.net.load(model);
    this.fwd = new IncrementalForward(model.cfg, kernels, stages, graph, dims);
    this.fwd.setBase(base);
    this.baseSample = base;
  }

  /** The base sample predictions are deltas of. */
  get base(): GraphSample {
    return this.baseSample;
  }

  /** Predicts deltas of another base sample of the same graph from now on (another operating point), on the same stages. */
  rebase(base: GraphSample): void {
    this.fwd.setBase(base);
    this.baseSample = base;
  }

  /** Base-sample predictions of every edge (null without an edge head). */
  get baseEdge(): Float32Array | null {
    return this.st.net.edgeOut ? this.st.head.yE : null;
  }

  get baseNode(): Float32Array | null {
    return this.st.net.nodeOut ? this.st.head.yN : null;
  }

  /**
   * Predicts the sample `base + delta`. When `out` arrays are given they
   * receive every edge / node prediction (the base's where nothing changed).
   */
  predict(d: SampleDelta, out: { edge?: Float32Array; node?: Float32Array } = {}): IncrementalResult {
    const fwd = this.fwd, { N, E, H, Hh } = fwd.dims;
    const k = this.kernels, { net, base: B, head, pool: PS, scratch: sc } = this.st;
    fwd.forward(d);
    const { nL, m, nY } = fwd;
    const Si = sc.S.items, Ei = sc.rowsE.items;
    const edgeMark = sc.edgeMark, removed = sc.removedMark;
    const yE = net.edgeOut ? sc.yEBuf : null, yN = net.nodeOut ? sc.yNBuf : null;
    const hL = B.hWork[fwd.dims.L], hLBase = B.h[fwd.dims.L];
    // Outputs and pooled extremes of the head predictions (recomputed rows,
    // then the first base row in sorted order that was not recomputed).
    let maxEdge = -Infinity, argMaxEdge = -1, maxEdgeMargin = -Infinity, argMaxEdgeMargin = -1;
    if (yE && PS.yETop && PS.mETop) {
      const lim = fwd.edgeLimit;
      for (let j = 0; j < nY; j++) {
        const e = fwd.edgeAt(j);
        if (removed[e]) continue;
        const y = yE[j];
        if (y > maxEdge) { maxEdge = y; argMaxEdge = e; }
        const mg = lim ? y - lim[e] : y;
        if (mg > maxEdgeMargin) { maxEdgeMargin = mg; argMaxEdgeMargin = e; }
      }
      let e = PS.yETop.best(0, edgeMark, 0xff);
      if (e >= 0 && head.yE[e] > maxEdge) { maxEdge = head.yE[e]; argMaxEdge = e; }
      e = PS.mETop.best(0, edgeMark, 0xff);
      if (e >= 0 && PS.mE[e] > maxEdgeMargin) { maxEdgeMargin = PS.mE[e]; argMaxEdgeMargin = e; }
      if (out.edge) {
        out.edge.set(head.yE);
        for (let j = 0; j < nY; j++) out.edge[fwd.edgeAt(j)] = yE[j];
      }
    }
    let maxNode = NaN, minNode = NaN, upMargin = NaN, lowMargin = NaN;
    if (yN && PS.yNTop && PS.yNBottom && PS.mUTop && PS.mLBottom) {
      const up = fwd.nodeUpper, low = fwd.nodeLower, nodeMark = sc.nodeMark;
      let hi = -Infinity, lo = Infinity, mu = -Infinity, ml = Infinity;
      for (let r = 0; r < nL; r++) {
        const v = Si[r], y = yN[r];
        if (y > hi) hi = y;
        if (y < lo) lo = y;
        const a = up ? y - up[v] : y, b = low ? y - low[v] : y;
        if (a > mu) mu = a;
        if (b < ml) ml = b;
      }
      let v = PS.yNTop.best(0, nodeMark, 0xff);
      if (v >= 0 && head.yN[v] > hi) hi = head.yN[v];
      v = PS.yNBottom.best(0, nodeMark, 0xff);
      if (v >= 0 && head.yN[v] < lo) lo = head.yN[v];
      v = PS.mUTop.best(0, nodeMark, 0xff);
      if (v >= 0 && PS.mU[v] > mu) mu = PS.mU[v];
      v = PS.mLBottom.best(0, nodeMark, 0xff);
      if (v >= 0 && PS.mL[v] < ml) ml = PS.mL[v];
      maxNode = hi;
      minNode = lo;
      upMargin = mu;
      lowMargin = ml;
      if (out.node) {
        out.node.set(head.yN);
        for (let r = 0; r < nL; r++) out.node[Si[r]] = yN[r];
      }
    }

    let logit: number | null = null;
    if (net.graphHidden && net.graphOut) {
      const cfg = this.model.cfg;
      const P = fwd.dims.P;
      const pool = PS.pool, sum = PS.poolSum, mx = PS.poolMax, nodeMark = sc.nodeMark;
      // Node states: mean by differences, max over S_L and the best base row outside it.
      for (let f = 0; f < H; f++) { sum[f] = PS.hSum[f]; mx[f] = -Infinity; }
      k.poolNodes(Si, nL, hL, hLBase, H, sum, mx);
      for (let f = 0; f < H; f++) {
        const v = PS.hTop.best(f, nodeMark, 0xff);
        pool[f] = sum[f] / N;
        pool[H + f] = v >= 0 && hLBase[v * H + f] > mx[f] ? hLBase[v * H + f] : mx[f];
      }
      // Edge-head states over present edges.
      const aEB = head.aE;
      let present = E;
      for (let j = 0; j < d.removed.length; j++) if (removed[d.removed[j]] === 1) { removed[d.removed[j]] = 2; present--; } // each removed edge once
      for (let f = 0; f < Hh; f++) { sum[f] = PS.aESum[f]; mx[f] = -Infinity; }
      const any = k.poolEdges(Ei, m, sc.aEBuf, aEB, removed, Hh, sum, mx);
      for (let f = 0; f < Hh; f++) {
        const e = PS.aETop.best(f, edgeMark, CHANGED | RECOMPUTED);
        let best = mx[f];
        if (e >= 0 && aEB[e * Hh + f] > best) best = aEB[e * Hh + f];
        pool[2 * H + f] = present > 0 ? sum[f] / present : 0;
        pool[2 * H + Hh + f] = any || e >= 0 ? best : 0;
      }
      let at = 2 * H + 2 * Hh;
      const gain = cfg.predPoolGain;
      if (cfg.heads.edge) pool[at++] = argMaxEdgeMargin >= 0 ? gain * maxEdgeMargin : 0;
      if (cfg.heads.node) { pool[at++] = gain * upMargin; pool[at++] = gain * lowMargin; }
      if (cfg.offsetPool) {
        const om = fwd.offsetMargins(d);
        if (cfg.heads.edge) pool[at++] = offsetPoolGain(cfg) * om.edge;
        if (cfg.heads.node) { pool[at++] = offsetPoolGain(cfg) * om.up; pool[at++] = offsetPoolGain(cfg) * om.low; }
        if (cfg.heads.edge || cfg.heads.node) pool[at++] = offsetPoolGain(cfg) * worstOffsetMargin(om, cfg.heads).value;
      }
      k.spmm(net.graphHidden, pool, 1, PS.aG, true);
      k.spmm(net.graphOut, PS.aG, 1, PS.one, false);
      logit = PS.one[0];
      const nPred = fwd.dims.nPred;
      if (nPred > 0 && net.graphSkip) {
        PS.skipIn.set(pool.subarray(P - nPred));
        k.spmm(net.graphSkip, PS.skipIn, 1, PS.one, false);
        logit += PS.one[0];
      }
    }

    fwd.restore(d);
    return {
      prob: logit === null ? null : sigmoid(logit),
      logit,
      maxEdge: argMaxEdge >= 0 ? maxEdge : NaN,
      argMaxEdge,
      maxEdgeMargin: argMaxEdgeMargin >= 0 ? maxEdgeMargin : NaN,
      argMaxEdgeMargin,
      minNode,
      maxNode,
      upperMargin: upMargin,
      lowerMargin: lowMargin,
      touched: nL,
    };
  }
}
