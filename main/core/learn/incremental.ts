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
// the TypeScript loops) on one arena that holds every array; the base sample
// itself is computed with the same kernels. All kernel sets give the batched
// forward's bits (tests compare them).

import { LearnError } from './errors';
import type { GraphNet } from './gnn';
import { edgeHeadBlocks, poolWidth, predPoolWidth } from './gnn';
import { arenaBytes, inferenceKernels, packLayer, packedSize, type InferenceKernels, type KernelChoice, type PackedLayer } from './kernels';
import type { GraphSample, GraphTopology } from './graph';
import { sigmoid } from './loss';

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

/**
 * Per column of a [rows x W] matrix, the K rows with the largest values
 * (sign 1) or smallest (sign -1), best first: the best row outside a small
 * set of recomputed rows is almost always among them; when it is not, a scan
 * finds it.
 */
class ColumnTops {
  private readonly top: Int32Array;
  private readonly k: number;

  constructor(private readonly x: Float32Array, private readonly rows: number, private readonly W: number, private readonly sign: 1 | -1, K = 16) {
    if (K >= rows) {
      // Every row, sorted (NaN rows left out: they never win a comparison).
      // For single columns of predictions, whose best rows are often the
      // very ones an outage recomputes, so a short list would fall back to
      // scanning the whole column.
      const key = (r: number, f: number) => sign * x[r * W + f];
      const lists = Array.from({ length: W }, (_, f) => Array.from({ length: rows }, (_, r) => r).filter((r) => !Number.isNaN(key(r, f))).sort((a, b) => key(b, f) - key(a, f) || a - b));
      const k = (this.k = Math.max(...lists.map((l) => l.length), 0));
      this.top = new Int32Array(W * k).fill(-1);
      lists.forEach((l, f) => this.top.set(l, f * k));
      return;
    }
    const k = (this.k = Math.min(K, rows));
    this.top = new Int32Array(W * k);
    const val = new Float64Array(k);
    for (let f = 0; f < W; f++) {
      // Insertion into a sorted list of k (ties: lower row first).
      let n = 0;
      for (let r = 0; r < rows; r++) {
        const v = sign * x[r * W + f];
        if (n === k && !(v > val[k - 1])) continue;
        let j = n < k ? n++ : k - 1;
        while (j > 0 && v > val[j - 1]) { val[j] = val[j - 1]; this.top[f * k + j] = this.top[f * k + j - 1]; j--; }
        val[j] = v;
        this.top[f * k + j] = r;
      }
    }
  }

  /** Best row of column f whose mark has none of the bits in `mask`; -1 when every row is marked. */
  best(f: number, mark: Uint8Array, mask: number): number {
    const k = this.k, t = this.top;
    for (let j = 0; j < k; j++) {
      const r = t[f * k + j];
      if (r < 0) return -1; // a full list ran out: every other row is marked or NaN
      if (!(mark[r] & mask)) return r;
    }
    if (k >= this.rows) return -1;
    // Every listed row is marked: scan.
    let arg = -1, bv = -Infinity;
    for (let r = 0; r < this.rows; r++) {
      if (mark[r] & mask) continue;
      const v = this.sign * this.x[r * this.W + f];
      if (v > bv) { bv = v; arg = r; }
    }
    return arg;
  }
}

/** A growable list of distinct indices with a membership mark (no allocation per sample). */
class IndexSet {
  n = 0;
  constructor(readonly items: Int32Array, private readonly mark: Uint8Array, private readonly bit: number) {}
  add(i: number): void {
    if (this.mark[i] & this.bit) return;
    this.mark[i] |= this.bit;
    this.items[this.n++] = i;
  }
  clear(): void {
    for (let j = 0; j < this.n; j++) this.mark[this.items[j]] &= ~this.bit;
    this.n = 0;
  }
}

// Edge marks: changed (features, removed), recomputed (edge head), offset-only.
const CHANGED = 1, RECOMPUTED = 2, OFFSET_ONLY = 4;

export interface IncrementalOptions {
  /** Fastest allowed kernels: 'wasm-simd' (default), 'wasm' (scalar WebAssembly) or 'js' (the TypeScript loops). */
  kernels?: KernelChoice;
}

export class IncrementalPredictor {
  private readonly N: number;
  private readonly E: number;
  private readonly H: number;
  private readonly Hh: number;
  private readonly L: number;
  private readonly Fn: number;
  private readonly Fe: number;
  private readonly onePlusEps: number;
  private readonly residual: boolean;
  /** The kernels in use and the arena every array below lives in. */
  readonly kernels: InferenceKernels;
  private readonly src: Int32Array;
  private readonly dst: Int32Array;
  // layers, packed once into the arena
  private readonly encNode: PackedLayer;
  private readonly encEdge: PackedLayer;
  private readonly lin1: PackedLayer[];
  private readonly lin2: PackedLayer[];
  /** Edge head hidden layer split by input block (src h, dst h, edge e + bias). */
  private readonly edgeBlocks: [PackedLayer, PackedLayer, PackedLayer] | null;
  private readonly edgeOut: PackedLayer | null;
  private readonly nodeHidden: PackedLayer | null;
  private readonly nodeOut: PackedLayer | null;
  private readonly graphHidden: PackedLayer | null;
  private readonly graphOut: PackedLayer | null;
  private readonly graphSkip: PackedLayer | null;
  // base graph adjacency (node -> incident edges in increasing order, other end)
  private readonly adjPtr: Int32Array;
  private readonly adjEdge: Int32Array;
  private readonly adjOther: Int32Array;
  // base activations (read-only) and working copies (base except the rows of the current sample)
  private readonly hBase: Float32Array[];
  private readonly hWork: Float32Array[];
  private readonly eBase: Float32Array;
  private readonly eWork: Float32Array;
  /** Edge head partial products: per node (as source, as destination), per edge (with bias). */
  private readonly psBase: Float32Array;
  private readonly pdBase: Float32Array;
  private readonly peBase: Float32Array;
  private readonly psWork: Float32Array;
  private readonly pdWork: Float32Array;
  private readonly peWork: Float32Array;
  private readonly aEBase: Float32Array;
  private readonly yEBase: Float32Array | null;
  /** Edge head outputs before the offset (so an offset-only change is exact). */
  private readonly yERaw: Float32Array | null;
  private readonly yNBase: Float32Array | null;
  private readonly edgeOffset: Float32Array | null;
  private readonly nodeOffset: Float32Array | null;
  private readonly edgeLimit: Float32Array | null;
  private readonly nodeUpper: Float32Array | null;
  private readonly nodeLower: Float32Array | null;
  /** Base margins y - limit (edges), y - upper and y - lower (nodes). */
  private readonly mEBase: Float32Array | null;
  private readonly mUBase: Float32Array | null;
  private readonly mLBase: Float32Array | null;
  // pooling of the base
  private readonly hSum: Float64Array;
  private readonly aESum: Float64Array | null;
  private readonly hTop: ColumnTops;
  private readonly aETop: ColumnTops | null;
  private readonly yETop: ColumnTops | null;
  private readonly mETop: ColumnTops | null;
  private readonly yNTop: ColumnTops | null;
  private readonly yNBottom: ColumnTops | null;
  private readonly mUTop: ColumnTops | null;
  private readonly mLBottom: ColumnTops | null;
  // scratch, sized for the whole graph once
  private readonly nodeMark: Uint8Array;
  private readonly edgeMark: Uint8Array;
  private readonly removedMark: Uint8Array;
  /** Nodes recomputed so far; S_l is the prefix of its first layerCount[l] items. */
  private readonly S: IndexSet;
  private readonly layerCount: Int32Array;
  private readonly changed: IndexSet;
  private readonly rowsE: IndexSet;
  private readonly offsetOnly: IndexSet;
  private readonly listN: Int32Array;
  private readonly listE: Int32Array;
  private readonly inBuf: Float32Array;
  private readonly zBuf: Float32Array;
  private readonly aBuf: Float32Array;
  private readonly cBuf: Float32Array;
  private readonly xBuf: Float32Array;
  private readonly pBuf: Float32Array;
  private readonly aEBuf: Float32Array;
  private readonly yEBuf: Float32Array;
  private readonly aNBuf: Float32Array;
  private readonly yNBuf: Float32Array;
  private readonly off: Float32Array;
  private readonly nodeOff: Float32Array;
  private readonly pool: Float32Array;
  private readonly poolSum: Float64Array;
  private readonly poolMax: Float64Array;
  private readonly aG: Float32Array;
  private readonly one: Float32Array;
  private readonly skipIn: Float32Array;

  constructor(readonly model: GraphNet, graph: GraphTopology, readonly base: GraphSample, opts: IncrementalOptions = {}) {
    const c = model.cfg;
    const N = (this.N = graph.numNodes);
    const E = (this.E = graph.src.length);
    const H = (this.H = c.hidden);
    const Hh = (this.Hh = c.headHidden);
    this.L = c.layers;
    this.Fn = c.nodeFeatDim;
    this.Fe = c.edgeFeatDim;
    this.onePlusEps = 1 + c.eps;
    this.residual = c.residual;
    if (base.edgeMask && base.edgeMask.some((m) => !m)) throw new LearnError('bad-sample', 'the base sample of incremental inference must have every edge present');
    if (!model.layers.some((l) => l.name === 'head.edge.hidden')) throw new LearnError('bad-model', 'incremental inference needs the edge head (heads.edge or heads.graph)');
    const has = (name: string) => model.layers.some((l) => l.name === name);
    const blocks = edgeHeadBlocks(model.layer('head.edge.hidden'), H);
    const Fn = this.Fn, Fe = this.Fe;
    if (base.nodeFeat.length !== N * Fn || base.edgeFeat.length !== E * Fe) throw new LearnError('bad-sample', `base sample: expected ${N * Fn} node and ${E * Fe} edge feature values, got ${base.nodeFeat.length} and ${base.edgeFeat.length}`);

    // One arena for everything the kernels touch.
    const wide = Math.max(H, Hh, Fn, Fe);
    const P = poolWidth(c);
    const n4 = [
      N + 1, 2 * E, 2 * E, E, E, // adjacency, ends
      ...Array(2 * (this.L + 1)).fill(N * H), 2 * E * H, // h base/work, e base/work
      4 * N * Hh, 2 * E * Hh, E * Hh, // ps/pd base/work, pe base/work, aE base
      N, E, E, E, N, E, // lists
      Math.max(N * Fn, E * Fe), 3 * N * H, Math.max(N, E) * wide, Math.max(N, E) * Hh, E * Hh, 2 * E, N * Hh, N, // scratch
      P, Hh, 1, 3,
      ...model.layers.flatMap((l) => packedSize(l)), ...blocks.flatMap((l) => packedSize(l)),
    ];
    const k = (this.kernels = inferenceKernels(arenaBytes({ n4, n8: [Math.max(H, Hh), Math.max(H, Hh)], n1: [N, E, E] }), opts.kernels, H % 2 === 0 && Hh % 2 === 0, Math.max(...model.layers.map((l) => l.nIn))));
    const A = k.arena;
    this.src = A.i32From(graph.src);
    this.dst = A.i32From(graph.dst);
    const pack = (name: string) => packLayer(model.layer(name), A);
    this.encNode = pack('enc.node');
    this.encEdge = pack('enc.edge');
    this.lin1 = Array.from({ length: this.L }, (_, l) => pack(`mp${l}.lin1`));
    this.lin2 = Array.from({ length: this.L }, (_, l) => pack(`mp${l}.lin2`));
    this.edgeBlocks = [packLayer(blocks[0], A), packLayer(blocks[1], A), packLayer(blocks[2], A)];
    this.edgeOut = has('head.edge.out') ? pack('head.edge.out') : null;
    this.nodeHidden = has('head.node.hidden') ? pack('head.node.hidden') : null;
    this.nodeOut = has('head.node.out') ? pack('head.node.out') : null;
    this.graphHidden = has('head.graph.hidden') ? pack('head.graph.hidden') : null;
    this.graphOut = has('head.graph.out') ? pack('head.graph.out') : null;
    this.graphSkip = has('head.graph.skip') ? pack('head.graph.skip') : null;
    // Adjacency in edge order: the same order the batched forward sums messages in.
    const deg = A.i32(N + 1);
    for (let e = 0; e < E; e++) { deg[this.src[e] + 1]++; deg[this.dst[e] + 1]++; }
    for (let v = 0; v < N; v++) deg[v + 1] += deg[v];
    const fill = deg.slice(0, N);
    this.adjPtr = deg;
    this.adjEdge = A.i32(2 * E);
    this.adjOther = A.i32(2 * E);
    for (let e = 0; e < E; e++) {
      const a = this.src[e], b = this.dst[e];
      // message a -> b first, then b -> a (as makeBatch orders them)
      this.adjEdge[fill[b]] = e; this.adjOther[fill[b]++] = a;
      this.adjEdge[fill[a]] = e; this.adjOther[fill[a]++] = b;
    }
    this.hBase = Array.from({ length: this.L + 1 }, () => A.f32(N * H));
    this.hWork = Array.from({ length: this.L + 1 }, () => A.f32(N * H));
    this.eBase = A.f32(E * H);
    this.eWork = A.f32(E * H);
    this.psBase = A.f32(N * Hh);
    this.pdBase = A.f32(N * Hh);
    this.peBase = A.f32(E * Hh);
    this.psWork = A.f32(N * Hh);
    this.pdWork = A.f32(N * Hh);
    this.peWork = A.f32(E * Hh);
    this.aEBase = A.f32(E * Hh);
    this.nodeMark = A.u8(N);
    this.edgeMark = A.u8(E);
    this.removedMark = A.u8(E);
    this.S = new IndexSet(A.i32(N), this.nodeMark, 1);
    this.layerCount = new Int32Array(this.L + 1);
    this.changed = new IndexSet(A.i32(E), this.edgeMark, CHANGED);
    this.rowsE = new IndexSet(A.i32(E), this.edgeMark, RECOMPUTED);
    this.offsetOnly = new IndexSet(A.i32(E), this.edgeMark, OFFSET_ONLY);
    this.listN = A.i32(N);
    this.listE = A.i32(E);
    this.inBuf = A.f32(Math.max(N * Fn, E * Fe));
    const zac = A.f32(3 * N * H);
    this.zBuf = zac.subarray(0, N * H);
    this.aBuf = zac.subarray(N * H, 2 * N * H);
    this.cBuf = zac.subarray(2 * N * H);
    this.xBuf = A.f32(Math.max(N, E) * wide);
    this.pBuf = A.f32(Math.max(N, E) * Hh);
    this.aEBuf = A.f32(E * Hh);
    this.yEBuf = A.f32(2 * E);
    this.aNBuf = A.f32(N * Hh);
    this.yNBuf = A.f32(N);
    this.off = new Float32Array(E);
    this.nodeOff = new Float32Array(N);
    this.pool = A.f32(P);
    this.poolSum = A.f64(Math.max(H, Hh));
    this.poolMax = A.f64(Math.max(H, Hh));
    this.aG = A.f32(Hh);
    this.one = A.f32(1);
    this.skipIn = A.f32(3);

    // The base sample, every row, with the same kernels (a row's bits do not
    // depend on which other rows are computed with it, so this is the batched
    // forward of GraphNet, bit for bit).
    const allN = this.listN, allE = this.listE;
    for (let v = 0; v < N; v++) allN[v] = v;
    for (let e = 0; e < E; e++) allE[e] = e;
    this.inBuf.set(base.nodeFeat);
    k.spmm(this.encNode, this.inBuf, N, this.hBase[0], true);
    this.inBuf.set(base.edgeFeat);
    k.spmm(this.encEdge, this.inBuf, E, this.eBase, true);
    for (let l = 1; l <= this.L; l++) {
      k.aggregate(allN, N, this.adjPtr, this.adjEdge, this.adjOther, this.removedMark, this.hBase[l - 1], this.eBase, this.zBuf, H, this.onePlusEps);
      k.spmm(this.lin1[l - 1], this.zBuf, N, this.aBuf, true);
      k.spmm(this.lin2[l - 1], this.aBuf, N, this.cBuf, true);
      k.residual(allN, N, this.cBuf, this.hBase[l - 1], this.hBase[l], H, this.residual);
    }
    const hL = this.hBase[this.L];
    k.spmm(this.edgeBlocks[0], hL, N, this.psBase, false);
    k.spmm(this.edgeBlocks[1], hL, N, this.pdBase, false);
    k.spmm(this.edgeBlocks[2], this.eBase, E, this.peBase, false);
    k.combine(allE, E, this.src, this.dst, this.psBase, this.pdBase, this.peBase, this.aEBase, Hh);
    for (let l = 0; l <= this.L; l++) this.hWork[l].set(this.hBase[l]);
    this.eWork.set(this.eBase);
    this.psWork.set(this.psBase);
    this.pdWork.set(this.pdBase);
    this.peWork.set(this.peBase);
    this.edgeOffset = base.edgeOffset ?? null;
    this.nodeOffset = base.nodeOffset ?? null;
    // Head outputs (the batched forward adds offsets in f32 the same way).
    if (this.edgeOut) {
      k.spmm(this.edgeOut, this.aEBase, E, this.yEBuf, false);
      this.yERaw = this.yEBuf.slice(0, E);
      this.yEBase = this.yERaw.slice();
      if (this.edgeOffset) for (let e = 0; e < E; e++) this.yEBase[e] += this.edgeOffset[e];
    } else {
      this.yERaw = this.yEBase = null;
    }
    if (this.nodeHidden && this.nodeOut) {
      k.spmm(this.nodeHidden, hL, N, this.aNBuf, true);
      k.spmm(this.nodeOut, this.aNBuf, N, this.yNBuf, false);
      this.yNBase = this.yNBuf.slice(0, N);
      if (this.nodeOffset) for (let v = 0; v < N; v++) this.yNBase[v] += this.nodeOffset[v];
    } else {
      this.yNBase = null;
    }
    this.hSum = new Float64Array(H);
    for (let v = 0; v < N; v++) for (let f = 0; f < H; f++) this.hSum[f] += hL[v * H + f];
    this.hTop = new ColumnTops(hL, N, H, 1, 64);
    this.aESum = new Float64Array(Hh);
    const aEB = this.aEBase;
    for (let e = 0; e < E; e++) for (let f = 0; f < Hh; f++) this.aESum[f] += aEB[e * Hh + f];
    this.aETop = new ColumnTops(aEB, E, Hh, 1, 128); // an outage recomputes ~100 edges: 16 were sometimes all of them
    this.edgeLimit = base.edgeLimit ?? null;
    this.nodeUpper = base.nodeUpper ?? null;
    this.nodeLower = base.nodeLower ?? null;
    const minus = (y: Float32Array, lim: Float32Array | null) => (lim ? y.map((v, i) => v - lim[i]) : y);
    const yE = this.yEBase, yN = this.yNBase;
    this.mEBase = yE ? minus(yE, this.edgeLimit) : null;
    this.mUBase = yN ? minus(yN, this.nodeUpper) : null;
    this.mLBase = yN ? minus(yN, this.nodeLower) : null;
    this.yETop = yE ? new ColumnTops(yE, E, 1, 1, E) : null;
    this.mETop = this.mEBase ? new ColumnTops(this.mEBase, E, 1, 1, E) : null;
    this.yNTop = yN ? new ColumnTops(yN, N, 1, 1, N) : null;
    this.yNBottom = yN ? new ColumnTops(yN, N, 1, -1, N) : null;
    this.mUTop = this.mUBase ? new ColumnTops(this.mUBase, N, 1, 1, N) : null;
    this.mLBottom = this.mLBase ? new ColumnTops(this.mLBase, N, 1, -1, N) : null;
  }

  /** Base-sample predictions of every edge (null without an edge head). */
  get baseEdge(): Float32Array | null {
    return this.yEBase;
  }

  get baseNode(): Float32Array | null {
    return this.yNBase;
  }

  /**
   * Predicts the sample `base + delta`. When `out` arrays are given they
   * receive every edge / node prediction (the base's where nothing changed).
   */
  predict(d: SampleDelta, out: { edge?: Float32Array; node?: Float32Array } = {}): IncrementalResult {
    const { N, E, H, Hh, L, Fn, Fe, adjPtr, adjEdge, adjOther } = this;
    const k = this.kernels;
    const edgeMark = this.edgeMark, removed = this.removedMark;
    if (d.nodeFeat.length !== d.nodes.length * Fn) throw new LearnError('bad-sample', `delta: ${d.nodes.length} nodes need ${d.nodes.length * Fn} feature values, got ${d.nodeFeat.length}`);
    if (d.edgeFeat.length !== d.edges.length * Fe) throw new LearnError('bad-sample', `delta: ${d.edges.length} edges need ${d.edges.length * Fe} feature values, got ${d.edgeFeat.length}`);
    const nd = d.nodes.length, ne = d.edges.length;
    const listN = this.listN, listE = this.listE;
    listN.set(d.nodes);
    listE.set(d.edges);
    for (let j = 0; j < d.removed.length; j++) removed[d.removed[j]] = 1;
    // Changed edges: new encodings; removed ones count as changed too.
    const changed = this.changed;
    for (let j = 0; j < ne; j++) changed.add(d.edges[j]);
    for (let j = 0; j < d.removed.length; j++) changed.add(d.removed[j]);
    if (ne > 0) {
      this.inBuf.set(d.edgeFeat);
      k.spmm(this.encEdge, this.inBuf, ne, this.xBuf, true);
      k.scatter(listE, ne, this.xBuf, this.eWork, H);
    }
    // S_0: changed nodes.
    const S = this.S, Si = S.items;
    for (let j = 0; j < nd; j++) S.add(d.nodes[j]);
    if (nd > 0) {
      this.inBuf.set(d.nodeFeat);
      k.spmm(this.encNode, this.inBuf, nd, this.xBuf, true);
      k.scatter(listN, nd, this.xBuf, this.hWork[0], H);
    }
    this.layerCount[0] = S.n;
    let frontier = 0;
    for (let l = 1; l <= L; l++) {
      // Grow: neighbours of S_{l-1} (those of older members are in already,
      // so only the last layer's newcomers are expanded: same order) and, in
      // the first layer, the ends of changed edges.
      const prev = S.n;
      S.n = k.grow(Si, frontier, prev, adjPtr, adjOther, this.nodeMark, 1, Si, prev);
      frontier = prev;
      if (l === 1) for (let j = 0; j < changed.n; j++) { const e = changed.items[j]; S.add(this.src[e]); S.add(this.dst[e]); }
      const rows = S.n;
      this.layerCount[l] = rows;
      const hPrev = this.hWork[l - 1];
      k.aggregate(Si, rows, adjPtr, adjEdge, adjOther, removed, hPrev, this.eWork, this.zBuf, H, this.onePlusEps);
      k.spmm(this.lin1[l - 1], this.zBuf, rows, this.aBuf, true);
      k.spmm(this.lin2[l - 1], this.aBuf, rows, this.cBuf, true);
      k.residual(Si, rows, this.cBuf, hPrev, this.hWork[l], H, this.residual);
    }
    const nL = S.n;
    const hL = this.hWork[L], hLBase = this.hBase[L];

    // Edge head on edges touching S_L or changed: new per-node products for
    // S_L, new per-edge products for edges with new features.
    const rowsE = this.rowsE, Ei = rowsE.items;
    const [bs, bd, be] = this.edgeBlocks!;
    k.gather(Si, nL, hL, this.xBuf, H);
    k.spmm(bs, this.xBuf, nL, this.pBuf, false);
    k.scatter(Si, nL, this.pBuf, this.psWork, Hh);
    k.spmm(bd, this.xBuf, nL, this.pBuf, false);
    k.scatter(Si, nL, this.pBuf, this.pdWork, Hh);
    // Node head on S_L, from the same gathered rows.
    let yN: Float32Array | null = null;
    if (this.nodeHidden && this.nodeOut) {
      k.spmm(this.nodeHidden, this.xBuf, nL, this.aNBuf, true);
      yN = this.yNBuf;
      k.spmm(this.nodeOut, this.aNBuf, nL, yN, false);
      const off = this.nodeOff, baseOff = this.nodeOffset;
      if (baseOff) for (let r = 0; r < nL; r++) off[Si[r]] = baseOff[Si[r]];
      else for (let r = 0; r < nL; r++) off[Si[r]] = 0;
      if (d.nodeOffset) for (let j = 0; j < nd; j++) off[d.nodes[j]] = d.nodeOffset[j];
      for (let r = 0; r < nL; r++) yN[r] += off[Si[r]];
    }
    if (ne > 0) {
      k.gather(listE, ne, this.eWork, this.xBuf, H);
      k.spmm(be, this.xBuf, ne, this.pBuf, false);
      k.scatter(listE, ne, this.pBuf, this.peWork, Hh);
    }
    for (let j = 0; j < changed.n; j++) rowsE.add(changed.items[j]);
    rowsE.n = k.grow(Si, 0, nL, adjPtr, adjEdge, edgeMark, RECOMPUTED, Ei, rowsE.n);
    const m = rowsE.n;
    const aE = this.aEBuf;
    k.combine(Ei, m, this.src, this.dst, this.psWork, this.pdWork, this.peWork, aE, Hh);
    let yE: Float32Array | null = null;
    if (this.edgeOut) {
      yE = this.yEBuf;
      k.spmm(this.edgeOut, aE, m, yE, false);
      // New offsets where given, else the base's.
      const off = this.off, baseOff = this.edgeOffset;
      if (baseOff) for (let j = 0; j < m; j++) off[Ei[j]] = baseOff[Ei[j]];
      else for (let j = 0; j < m; j++) off[Ei[j]] = 0;
      if (d.edgeOffset) for (let j = 0; j < ne; j++) off[d.edges[j]] = d.edgeOffset[j];
      const oe = d.offsetEdges, ov = d.offsetValues;
      if (oe && ov) for (let j = 0; j < oe.length; j++) off[oe[j]] = ov[j];
      for (let j = 0; j < m; j++) yE[j] += off[Ei[j]];
    }
    // Offset-only edges (not recomputed): base output moved by the offset
    // change, appended after the recomputed rows of yE.
    const offsetOnly = this.offsetOnly;
    if (yE && d.offsetEdges && d.offsetEdges.length) {
      for (let j = 0; j < d.offsetEdges.length; j++) {
        const e = d.offsetEdges[j];
        if (edgeMark[e] & RECOMPUTED) continue; // recomputed anyway (next to the outage)
        offsetOnly.add(e);
        yE[m + offsetOnly.n - 1] = this.yERaw![e] + d.offsetValues![j];
      }
    }
    const nY = m + offsetOnly.n;
    const edgeAt = (j: number) => (j < m ? Ei[j] : offsetOnly.items[j - m]);
    // Outputs and pooled extremes of the head predictions (recomputed rows,
    // then the first base row in sorted order that was not recomputed).
    let maxEdge = -Infinity, argMaxEdge = -1, maxEdgeMargin = -Infinity, argMaxEdgeMargin = -1;
    if (yE && this.yETop && this.mETop) {
      const lim = this.edgeLimit;
      for (let j = 0; j < nY; j++) {
        const e = edgeAt(j);
        if (removed[e]) continue;
        const y = yE[j];
        if (y > maxEdge) { maxEdge = y; argMaxEdge = e; }
        const mg = lim ? y - lim[e] : y;
        if (mg > maxEdgeMargin) { maxEdgeMargin = mg; argMaxEdgeMargin = e; }
      }
      let e = this.yETop.best(0, edgeMark, 0xff);
      if (e >= 0 && this.yEBase![e] > maxEdge) { maxEdge = this.yEBase![e]; argMaxEdge = e; }
      e = this.mETop.best(0, edgeMark, 0xff);
      if (e >= 0 && this.mEBase![e] > maxEdgeMargin) { maxEdgeMargin = this.mEBase![e]; argMaxEdgeMargin = e; }
      if (out.edge) {
        out.edge.set(this.yEBase!);
        for (let j = 0; j < nY; j++) out.edge[edgeAt(j)] = yE[j];
      }
    }
    let maxNode = NaN, minNode = NaN, upMargin = NaN, lowMargin = NaN;
    if (yN && this.yNTop && this.yNBottom && this.mUTop && this.mLBottom) {
      const up = this.nodeUpper, low = this.nodeLower, nodeMark = this.nodeMark;
      let hi = -Infinity, lo = Infinity, mu = -Infinity, ml = Infinity;
      for (let r = 0; r < nL; r++) {
        const v = Si[r], y = yN[r];
        if (y > hi) hi = y;
        if (y < lo) lo = y;
        const a = up ? y - up[v] : y, b = low ? y - low[v] : y;
        if (a > mu) mu = a;
        if (b < ml) ml = b;
      }
      let v = this.yNTop.best(0, nodeMark, 0xff);
      if (v >= 0 && this.yNBase![v] > hi) hi = this.yNBase![v];
      v = this.yNBottom.best(0, nodeMark, 0xff);
      if (v >= 0 && this.yNBase![v] < lo) lo = this.yNBase![v];
      v = this.mUTop.best(0, nodeMark, 0xff);
      if (v >= 0 && this.mUBase![v] > mu) mu = this.mUBase![v];
      v = this.mLBottom.best(0, nodeMark, 0xff);
      if (v >= 0 && this.mLBase![v] < ml) ml = this.mLBase![v];
      maxNode = hi;
      minNode = lo;
      upMargin = mu;
      lowMargin = ml;
      if (out.node) {
        out.node.set(this.yNBase!);
        for (let r = 0; r < nL; r++) out.node[Si[r]] = yN[r];
      }
    }

    let logit: number | null = null;
    if (this.graphHidden && this.graphOut) {
      const cfg = this.model.cfg;
      const P = poolWidth(cfg);
      const pool = this.pool, sum = this.poolSum, mx = this.poolMax, nodeMark = this.nodeMark;
      // Node states: mean by differences, max over S_L and the best base row outside it.
      for (let f = 0; f < H; f++) { sum[f] = this.hSum[f]; mx[f] = -Infinity; }
      k.poolNodes(Si, nL, hL, hLBase, H, sum, mx);
      for (let f = 0; f < H; f++) {
        const v = this.hTop.best(f, nodeMark, 0xff);
        pool[f] = sum[f] / N;
        pool[H + f] = v >= 0 && hLBase[v * H + f] > mx[f] ? hLBase[v * H + f] : mx[f];
      }
      // Edge-head states over present edges.
      const aEB = this.aEBase;
      let present = E;
      for (let j = 0; j < d.removed.length; j++) if (removed[d.removed[j]] === 1) { removed[d.removed[j]] = 2; present--; } // each removed edge once
      for (let f = 0; f < Hh; f++) { sum[f] = this.aESum![f]; mx[f] = -Infinity; }
      const any = k.poolEdges(Ei, m, aE, aEB, removed, Hh, sum, mx);
      for (let f = 0; f < Hh; f++) {
        const e = this.aETop!.best(f, edgeMark, CHANGED | RECOMPUTED);
        let best = mx[f];
        if (e >= 0 && aEB[e * Hh + f] > best) best = aEB[e * Hh + f];
        pool[2 * H + f] = present > 0 ? sum[f] / present : 0;
        pool[2 * H + Hh + f] = any || e >= 0 ? best : 0;
      }
      let at = 2 * H + 2 * Hh;
      const gain = cfg.predPoolGain;
      if (cfg.heads.edge) pool[at++] = argMaxEdgeMargin >= 0 ? gain * maxEdgeMargin : 0;
      if (cfg.heads.node) { pool[at++] = gain * upMargin; pool[at++] = gain * lowMargin; }
      k.spmm(this.graphHidden, pool, 1, this.aG, true);
      k.spmm(this.graphOut, this.aG, 1, this.one, false);
      logit = this.one[0];
      const nPred = predPoolWidth(cfg);
      if (nPred > 0 && this.graphSkip) {
        this.skipIn.set(pool.subarray(P - nPred));
        k.spmm(this.graphSkip, this.skipIn, 1, this.one, false);
        logit += this.one[0];
      }
    }

    // Put the working copies back to the base.
    for (let l = 0; l <= L; l++) k.restore(Si, this.layerCount[l], this.hBase[l], this.hWork[l], H);
    if (ne > 0) {
      k.restore(listE, ne, this.eBase, this.eWork, H);
      k.restore(listE, ne, this.peBase, this.peWork, Hh);
    }
    k.restore(Si, nL, this.psBase, this.psWork, Hh);
    k.restore(Si, nL, this.pdBase, this.pdWork, Hh);
    S.clear();
    changed.clear();
    rowsE.clear();
    offsetOnly.clear();
    for (let j = 0; j < d.removed.length; j++) removed[d.removed[j]] = 0;

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
