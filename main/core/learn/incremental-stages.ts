// The buffers of incremental inference and training, grouped by the stage
// that fills them. Each stage declares its arrays in its constructor and
// nothing else, so the same constructors size the arena (run on a Sizer,
// which only counts) and then allocate from it (run on the kernels' arena):
// the sizes cannot drift from the code that uses them.
//
//   GraphStage          the base graph's adjacency (messages in edge order)
//   NetStage            the layers, packed for the kernels (exact size, or
//                       room for any connectivity when training rewires)
//   BaseActivations     every layer's node and edge states of the base
//                       sample, their working copies (base except the rows
//                       of the current sample), and for training the
//                       layers' inner rows (z, a, c) backward needs
//   EdgeHeadPartials    the edge head's per-node and per-edge products of
//                       the base, its hidden states and outputs, the node
//                       head's
//   PoolStage           the base's pooled sums and column extremes, and the
//                       graph head's buffers
//   Scratch             one sample's rows: marks, index sets, row buffers
//
// Inference and training build the same stages; training asks for the
// inner rows to be kept and for room to repack a rewired network.

import { LearnError } from './errors';
import type { GraphNet } from './gnn';
import { poolWidth, predPoolWidth } from './gnn';
import type { GraphTopology } from './graph';
import type { InferenceKernels, PackedLayer } from './kernels';
import type { Layer } from './layer';
import { SparseLayer } from './sparse';

/** Where a stage's arrays come from: an arena, or a Sizer that counts them. */
export interface Alloc {
  f32(n: number): Float32Array;
  f64(n: number): Float64Array;
  i32(n: number): Int32Array;
  u8(n: number): Uint8Array;
}

/** Counts the bytes a layout takes from an arena (16-byte aligned arrays) and hands out empty arrays. */
export class Sizer implements Alloc {
  bytes = 0;
  private take(b: number): void {
    this.bytes += b + 16;
  }
  f32(n: number): Float32Array { this.take(4 * n); return new Float32Array(0); }
  f64(n: number): Float64Array { this.take(8 * n); return new Float64Array(0); }
  i32(n: number): Int32Array { this.take(4 * n); return new Int32Array(0); }
  u8(n: number): Uint8Array { this.take(n); return new Uint8Array(0); }
}

/** Runs `layout` on a Sizer, makes kernels with an arena of that size, and runs it again on their arena. */
export function onArena<T>(layout: (A: Alloc) => T, kernelsFor: (bytes: number) => InferenceKernels): { kernels: InferenceKernels; stages: T } {
  const s = new Sizer();
  layout(s);
  const kernels = kernelsFor(s.bytes);
  return { kernels, stages: layout(kernels.arena) };
}

/** The sizes every stage is built from. */
export interface NetDims {
  N: number;
  E: number;
  H: number;
  Hh: number;
  L: number;
  Fn: number;
  Fe: number;
  /** Graph readout width and its pooled-prediction tail. */
  P: number;
  nPred: number;
}

export function netDims(model: GraphNet, graph: GraphTopology): NetDims {
  const c = model.cfg;
  return { N: graph.numNodes, E: graph.src.length, H: c.hidden, Hh: c.headHidden, L: c.layers, Fn: c.nodeFeatDim, Fe: c.edgeFeatDim, P: poolWidth(c), nPred: predPoolWidth(c) };
}

// ---- graph -----------------------------------------------------------------------

export class GraphStage {
  readonly src: Int32Array;
  readonly dst: Int32Array;
  /** Node -> incident edges in increasing order, and the other end. */
  readonly adjPtr: Int32Array;
  readonly adjEdge: Int32Array;
  readonly adjOther: Int32Array;

  constructor(A: Alloc, { N, E }: NetDims) {
    this.src = A.i32(E);
    this.dst = A.i32(E);
    this.adjPtr = A.i32(N + 1);
    this.adjEdge = A.i32(2 * E);
    this.adjOther = A.i32(2 * E);
  }

  /** Adjacency in edge order: the order the batched forward sums messages in. */
  fill(graph: GraphTopology): void {
    const N = graph.numNodes, E = graph.src.length;
    this.src.set(graph.src);
    this.dst.set(graph.dst);
    const deg = this.adjPtr;
    deg.fill(0);
    for (let e = 0; e < E; e++) { deg[this.src[e] + 1]++; deg[this.dst[e] + 1]++; }
    for (let v = 0; v < N; v++) deg[v + 1] += deg[v];
    const fill = deg.slice(0, N);
    for (let e = 0; e < E; e++) {
      const a = this.src[e], b = this.dst[e];
      // message a -> b first, then b -> a (as makeBatch orders them)
      this.adjEdge[fill[b]] = e; this.adjOther[fill[b]++] = a;
      this.adjEdge[fill[a]] = e; this.adjOther[fill[a]++] = b;
    }
  }
}

// ---- network -----------------------------------------------------------------------

function packedRoom(A: Alloc, nIn: number, nOut: number, room: number): PackedLayer {
  return { nIn, nOut, rowPtr: A.i32(nOut + 1), col: A.i32(room), w: A.f32(room), b: A.f32(nOut) };
}

/** Copies a layer's connectivity and weights into its packed form (a dense layer as a full pattern: same sums, same order). */
function fillPacked(P: PackedLayer, l: Layer): void {
  if (l.nIn !== P.nIn || l.nOut !== P.nOut) throw new LearnError('bad-model', `layer ${l.name} is ${l.nIn}->${l.nOut}, packed as ${P.nIn}->${P.nOut}`);
  const n = l.nnz();
  if (n > P.col.length) throw new LearnError('bad-model', `layer ${l.name} has ${n} connections, room for ${P.col.length}`);
  if (l instanceof SparseLayer) {
    P.rowPtr.set(l.rowPtr);
    P.col.set(l.col);
  } else {
    for (let o = 0; o < l.nOut; o++) {
      P.rowPtr[o + 1] = (o + 1) * l.nIn;
      for (let i = 0; i < l.nIn; i++) P.col[o * l.nIn + i] = i;
    }
    P.rowPtr[0] = 0;
  }
  P.w.set(l.weight.data);
  P.b.set(l.bias.data);
}

/** Connections of `l` reading inputs [c0, c1), in the order columnBlock takes them. */
function blockCount(l: Layer, c0: number, c1: number): number {
  if (!(l instanceof SparseLayer)) return (c1 - c0) * l.nOut;
  let n = 0;
  for (let k = 0; k < l.col.length; k++) if (l.col[k] >= c0 && l.col[k] < c1) n++;
  return n;
}

export class NetStage {
  readonly encNode: PackedLayer;
  readonly encEdge: PackedLayer;
  readonly lin1: PackedLayer[];
  readonly lin2: PackedLayer[];
  /** Edge head hidden layer split by input block (src h, dst h, edge e + bias): gnn.edgeHeadBlocks. */
  readonly edgeBlocks: [PackedLayer, PackedLayer, PackedLayer];
  /** Per block, the index in head.edge.hidden's weights of each of its connections (gradients go back there). */
  readonly blockParent: [Int32Array, Int32Array, Int32Array];
  readonly edgeOut: PackedLayer | null;
  readonly nodeHidden: PackedLayer | null;
  readonly nodeOut: PackedLayer | null;
  readonly graphHidden: PackedLayer | null;
  readonly graphOut: PackedLayer | null;
  readonly graphSkip: PackedLayer | null;
  /** Widest layer input (the SIMD product's scratch). */
  readonly maxIn: number;

  /** `room`: 'exact' packs these connections; 'dense' leaves room for any (training rewires). */
  constructor(A: Alloc, model: GraphNet, readonly room: 'exact' | 'dense') {
    const L = model.cfg.layers, H = model.cfg.hidden;
    const has = (name: string) => model.layers.some((l) => l.name === name);
    if (!has('head.edge.hidden')) throw new LearnError('bad-model', 'incremental inference needs the edge head (heads.edge or heads.graph)');
    const size = (l: Layer) => (room === 'dense' ? l.nIn * l.nOut : l.nnz());
    const pack = (name: string) => {
      const l = model.layer(name);
      return packedRoom(A, l.nIn, l.nOut, size(l));
    };
    const opt = (name: string) => (has(name) ? pack(name) : null);
    this.encNode = pack('enc.node');
    this.encEdge = pack('enc.edge');
    this.lin1 = Array.from({ length: L }, (_, l) => pack(`mp${l}.lin1`));
    this.lin2 = Array.from({ length: L }, (_, l) => pack(`mp${l}.lin2`));
    const eh = model.layer('head.edge.hidden');
    const cut = [0, H, 2 * H, 3 * H];
    const blockRoom = (j: number) => (room === 'dense' ? H * eh.nOut : blockCount(eh, cut[j], cut[j + 1]));
    this.edgeBlocks = [0, 1, 2].map((j) => packedRoom(A, H, eh.nOut, blockRoom(j))) as [PackedLayer, PackedLayer, PackedLayer];
    this.blockParent = [0, 1, 2].map((j) => A.i32(blockRoom(j))) as [Int32Array, Int32Array, Int32Array];
    this.edgeOut = opt('head.edge.out');
    this.nodeHidden = opt('head.node.hidden');
    this.nodeOut = opt('head.node.out');
    this.graphHidden = opt('head.graph.hidden');
    this.graphOut = opt('head.graph.out');
    this.graphSkip = opt('head.graph.skip');
    this.maxIn = Math.max(...model.layers.map((l) => l.nIn));
  }

  /** Copies the model's connectivity and weights in (every step of training, once for inference). */
  load(model: GraphNet): void {
    const L = model.cfg.layers, H = model.cfg.hidden;
    fillPacked(this.encNode, model.layer('enc.node'));
    fillPacked(this.encEdge, model.layer('enc.edge'));
    for (let l = 0; l < L; l++) {
      fillPacked(this.lin1[l], model.layer(`mp${l}.lin1`));
      fillPacked(this.lin2[l], model.layer(`mp${l}.lin2`));
    }
    this.loadBlocks(model.layer('head.edge.hidden'), H);
    const opt = (P: PackedLayer | null, name: string) => { if (P) fillPacked(P, model.layer(name)); };
    opt(this.edgeOut, 'head.edge.out');
    opt(this.nodeHidden, 'head.node.hidden');
    opt(this.nodeOut, 'head.node.out');
    opt(this.graphHidden, 'head.graph.hidden');
    opt(this.graphOut, 'head.graph.out');
    opt(this.graphSkip, 'head.graph.skip');
  }

  /**
   * The edge head's column blocks, as gnn.edgeHeadBlocks and packLayer would
   * give them (same connections, same order; the bias with the edge block).
   */
  private loadBlocks(eh: Layer, H: number): void {
    const nOut = eh.nOut, W = eh.weight.data;
    const at = [0, 0, 0];
    for (const B of this.edgeBlocks) B.rowPtr[0] = 0;
    for (let o = 0; o < nOut; o++) {
      if (eh instanceof SparseLayer) {
        for (let k = eh.rowPtr[o]; k < eh.rowPtr[o + 1]; k++) {
          const c = eh.col[k], j = Math.floor(c / H);
          const B = this.edgeBlocks[j];
          if (at[j] >= B.col.length) throw new LearnError('bad-model', `head.edge.hidden block ${j} has more connections than its room`);
          B.col[at[j]] = c - j * H;
          B.w[at[j]] = W[k];
          this.blockParent[j][at[j]++] = k;
        }
      } else {
        for (let j = 0; j < 3; j++) {
          const B = this.edgeBlocks[j];
          for (let i = 0; i < H; i++) {
            B.col[at[j]] = i;
            B.w[at[j]] = W[o * eh.nIn + j * H + i];
            this.blockParent[j][at[j]++] = o * eh.nIn + j * H + i;
          }
        }
      }
      for (let j = 0; j < 3; j++) this.edgeBlocks[j].rowPtr[o + 1] = at[j];
    }
    this.edgeBlocks[0].b.fill(0);
    this.edgeBlocks[1].b.fill(0);
    this.edgeBlocks[2].b.set(eh.bias.data);
  }
}

// ---- activations -----------------------------------------------------------------------

/**
 * Per message-passing layer l (1..L), its inner rows: the aggregate z, the
 * first product a and the second c ([rows x H]). Distinct arrays per layer
 * when backward needs them kept, else one set every layer reuses.
 */
export class LayerRows {
  readonly z: Float32Array[];
  readonly a: Float32Array[];
  readonly c: Float32Array[];

  constructor(A: Alloc, { N, H, L }: NetDims, distinct: boolean) {
    const one = () => [A.f32(N * H), A.f32(N * H), A.f32(N * H)];
    const shared = distinct ? null : one();
    const sets = Array.from({ length: Math.max(L, 1) }, () => shared ?? one());
    this.z = sets.map((s) => s[0]);
    this.a = sets.map((s) => s[1]);
    this.c = sets.map((s) => s[2]);
  }
}

export class BaseActivations {
  /** Node states after each layer (h[0]: the encoder), [N x H]; edge encodings [E x H]. */
  readonly h: Float32Array[];
  readonly e: Float32Array;
  /** Working copies: the base, except the rows of the sample being computed (put back after it). */
  readonly hWork: Float32Array[];
  readonly eWork: Float32Array;
  /** The base's inner rows, kept for training (null: inference computes them in the scratch's). */
  readonly rows: LayerRows | null;

  constructor(A: Alloc, dims: NetDims, keepRows: boolean) {
    const { N, E, H, L } = dims;
    this.h = Array.from({ length: L + 1 }, () => A.f32(N * H));
    this.hWork = Array.from({ length: L + 1 }, () => A.f32(N * H));
    this.e = A.f32(E * H);
    this.eWork = A.f32(E * H);
    this.rows = keepRows ? new LayerRows(A, dims, true) : null;
  }
}

export class EdgeHeadPartials {
  /** Per-node products of the edge head's hidden layer (as source, as destination), per-edge (with bias). */
  readonly ps: Float32Array;
  readonly pd: Float32Array;
  readonly pe: Float32Array;
  readonly psWork: Float32Array;
  readonly pdWork: Float32Array;
  readonly peWork: Float32Array;
  /** The base's edge-head hidden states [E x Hh]. */
  readonly aE: Float32Array;
  /** Edge outputs before the offset (an offset-only change is then exact), and after. */
  readonly yERaw: Float32Array;
  readonly yE: Float32Array;
  /** The base's node-head hidden states [N x Hh] (kept for training) and node outputs (raw and with offset). */
  readonly aN: Float32Array;
  readonly yNRaw: Float32Array;
  readonly yN: Float32Array;

  constructor(A: Alloc, { N, E, Hh }: NetDims, keepNodeHidden: boolean) {
    this.ps = A.f32(N * Hh);
    this.pd = A.f32(N * Hh);
    this.pe = A.f32(E * Hh);
    this.psWork = A.f32(N * Hh);
    this.pdWork = A.f32(N * Hh);
    this.peWork = A.f32(E * Hh);
    this.aE = A.f32(E * Hh);
    this.yERaw = A.f32(E);
    this.yE = A.f32(E);
    this.aN = A.f32(keepNodeHidden ? N * Hh : 0);
    this.yNRaw = A.f32(N);
    this.yN = A.f32(N);
  }
}

// ---- pooling -----------------------------------------------------------------------

/**
 * Per column of a [rows x W] matrix, the K rows with the largest values
 * (sign 1) or smallest (sign -1), best first: the best row outside a small
 * set of recomputed rows is almost always among them; when it is not, a scan
 * finds it. K >= rows keeps every row, sorted (NaN rows left out: they never
 * win a comparison): for single columns of predictions, whose best rows are
 * often the very ones an outage recomputes, so a short list would fall back
 * to scanning the whole column.
 */
export class ColumnTops {
  private readonly top: Int32Array;
  /** Per column, a min-heap of the k best so far while building (value, row). */
  private readonly heapVal: Float64Array;
  private readonly heapRow: Int32Array;
  private readonly k: number;
  private x: Float32Array | null = null;

  constructor(A: Alloc, private readonly rows: number, private readonly W: number, private readonly sign: 1 | -1, K: number) {
    this.k = Math.min(K, rows);
    this.top = A.i32(W * this.k);
    const heap = K >= rows ? 0 : W * this.k;
    this.heapVal = A.f64(heap);
    this.heapRow = A.i32(heap);
  }

  /** The lists of the columns of x. */
  build(x: Float32Array): void {
    this.x = x;
    const { rows, W, sign, k, top } = this;
    if (k >= rows) {
      top.fill(-1);
      const key = (r: number, f: number) => sign * x[r * W + f];
      for (let f = 0; f < W; f++) {
        const list = Array.from({ length: rows }, (_, r) => r).filter((r) => !Number.isNaN(key(r, f))).sort((a, b) => key(b, f) - key(a, f) || a - b);
        top.set(list, f * k);
      }
      return;
    }
    // One pass over the rows in order, every column at once: a row enters a
    // column's heap when it beats the heap's worst (ties: the earlier row
    // stays, so the lists are those of a stable sort). NaN never enters.
    const hv = this.heapVal, hr = this.heapRow;
    let filled = 0;
    for (let r = 0; r < rows; r++) {
      const o = r * W;
      if (filled < k) {
        for (let f = 0; f < W; f++) {
          const v = sign * x[o + f];
          heapPush(hv, hr, f * k, filled, Number.isNaN(v) ? -Infinity : v, r);
        }
        filled++;
        continue;
      }
      for (let f = 0; f < W; f++) {
        const v = sign * x[o + f];
        if (v > hv[f * k]) heapReplaceTop(hv, hr, f * k, k, v, r);
      }
    }
    // Each heap, best first (value down, row up).
    for (let f = 0; f < W; f++) {
      for (let n = filled; n > 0; n--) {
        // The worst of the remaining n goes to position n - 1.
        const b = f * k;
        top[b + n - 1] = hr[b];
        heapReplaceTop(hv, hr, b, n - 1, hv[b + n - 1], hr[b + n - 1]);
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
    const x = this.x!;
    let arg = -1, bv = -Infinity;
    for (let r = 0; r < this.rows; r++) {
      if (mark[r] & mask) continue;
      const v = this.sign * x[r * this.W + f];
      if (v > bv) { bv = v; arg = r; }
    }
    return arg;
  }
}

/** a is worse than b: lower value, or equal value and later row. */
const worse = (va: number, ra: number, vb: number, rb: number) => va < vb || (va === vb && ra > rb);

/** Adds (v, r) to the min-heap of n entries at hv/hr[b ..]. */
function heapPush(hv: Float64Array, hr: Int32Array, b: number, n: number, v: number, r: number): void {
  let i = n;
  while (i > 0) {
    const p = (i - 1) >> 1;
    if (!worse(v, r, hv[b + p], hr[b + p])) break;
    hv[b + i] = hv[b + p];
    hr[b + i] = hr[b + p];
    i = p;
  }
  hv[b + i] = v;
  hr[b + i] = r;
}

/** Replaces the worst entry of the min-heap of n entries with (v, r). */
function heapReplaceTop(hv: Float64Array, hr: Int32Array, b: number, n: number, v: number, r: number): void {
  let i = 0;
  for (;;) {
    let c = 2 * i + 1;
    if (c >= n) break;
    let cv = hv[b + c], cr = hr[b + c];
    if (c + 1 < n) {
      const v2 = hv[b + c + 1], r2 = hr[b + c + 1];
      if (v2 < cv || (v2 === cv && r2 > cr)) { c++; cv = v2; cr = r2; }
    }
    if (!(cv < v || (cv === v && cr > r))) break;
    hv[b + i] = cv;
    hr[b + i] = cr;
    i = c;
  }
  hv[b + i] = v;
  hr[b + i] = r;
}

export class PoolStage {
  /** Column sums of the base's final node states and edge-head states (the means move by differences). */
  readonly hSum: Float64Array;
  readonly aESum: Float64Array;
  readonly hTop: ColumnTops;
  readonly aETop: ColumnTops;
  /** Base margins y - limit (edges), y - upper and y - lower (nodes), and the sorted lists of predictions and margins (inference). */
  readonly mE: Float32Array;
  readonly mU: Float32Array;
  readonly mL: Float32Array;
  readonly yETop: ColumnTops | null;
  readonly mETop: ColumnTops | null;
  readonly yNTop: ColumnTops | null;
  readonly yNBottom: ColumnTops | null;
  readonly mUTop: ColumnTops | null;
  readonly mLBottom: ColumnTops | null;
  /** One sample's readout and graph head. */
  readonly pool: Float32Array;
  readonly poolSum: Float64Array;
  readonly poolMax: Float64Array;
  readonly aG: Float32Array;
  readonly one: Float32Array;
  readonly skipIn: Float32Array;

  /**
   * `predictionLists`: keep the sorted base predictions and margins
   * (inference reads the extremes from them; training scans its full
   * outputs). Inference keeps long lists of the states' best rows, built
   * once per operating point; training rebuilds them every step and keeps
   * short ones (a scan finds the best row when all listed ones are the
   * sample's).
   */
  constructor(A: Alloc, { N, E, H, Hh, P, nPred }: NetDims, predictionLists: boolean) {
    const W = Math.max(H, Hh);
    this.hSum = A.f64(H);
    this.aESum = A.f64(Hh);
    this.hTop = new ColumnTops(A, N, H, 1, predictionLists ? 64 : 16);
    this.aETop = new ColumnTops(A, E, Hh, 1, predictionLists ? 128 : 32); // an outage recomputes ~100 edges: 16 were sometimes all of them
    const lists = (rows: number, sign: 1 | -1) => (predictionLists ? new ColumnTops(A, rows, 1, sign, rows) : null);
    this.mE = A.f32(predictionLists ? E : 0);
    this.mU = A.f32(predictionLists ? N : 0);
    this.mL = A.f32(predictionLists ? N : 0);
    this.yETop = lists(E, 1);
    this.mETop = lists(E, 1);
    this.yNTop = lists(N, 1);
    this.yNBottom = lists(N, -1);
    this.mUTop = lists(N, 1);
    this.mLBottom = lists(N, -1);
    this.pool = A.f32(P);
    this.poolSum = A.f64(W);
    this.poolMax = A.f64(W);
    this.aG = A.f32(Hh);
    this.one = A.f32(1);
    this.skipIn = A.f32(Math.max(nPred, 1));
  }
}

// ---- one sample -----------------------------------------------------------------------

/** A growable list of distinct indices with a membership mark (no allocation per sample). */
export class IndexSet {
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

// Edge marks: changed (features, removed), recomputed (edge head), offset-only, new features.
export const CHANGED = 1, RECOMPUTED = 2, OFFSET_ONLY = 4, FEATURED = 8;

export class Scratch {
  readonly nodeMark: Uint8Array;
  readonly edgeMark: Uint8Array;
  readonly removedMark: Uint8Array;
  /** Nodes recomputed so far; S_l is the prefix of its first layerCount[l] items. */
  readonly S: IndexSet;
  readonly layerCount: Int32Array;
  readonly changed: IndexSet;
  readonly rowsE: IndexSet;
  readonly offsetOnly: IndexSet;
  readonly listN: Int32Array;
  readonly listE: Int32Array;
  readonly inBuf: Float32Array;
  /** The layers' inner rows of the sample (per layer when training keeps them). */
  readonly rows: LayerRows;
  /** Gathered final node states of S_L, and gathered edge encodings of the edges with new features (one buffer for inference). */
  readonly xBuf: Float32Array;
  readonly xeBuf: Float32Array;
  readonly pBuf: Float32Array;
  readonly aEBuf: Float32Array;
  readonly yEBuf: Float32Array;
  readonly aNBuf: Float32Array;
  readonly yNBuf: Float32Array;
  readonly off: Float32Array;
  readonly nodeOff: Float32Array;

  /** `keep`: the sample's layer rows and gathered states stay until its backward (training). */
  constructor(A: Alloc, dims: NetDims, keep: boolean) {
    const { N, E, H, Hh, L, Fn, Fe } = dims;
    const wide = Math.max(H, Hh, Fn, Fe);
    this.nodeMark = A.u8(N);
    this.edgeMark = A.u8(E);
    this.removedMark = A.u8(E);
    this.S = new IndexSet(A.i32(N), this.nodeMark, 1);
    this.layerCount = A.i32(L + 1);
    this.changed = new IndexSet(A.i32(E), this.edgeMark, CHANGED);
    this.rowsE = new IndexSet(A.i32(E), this.edgeMark, RECOMPUTED);
    this.offsetOnly = new IndexSet(A.i32(E), this.edgeMark, OFFSET_ONLY);
    this.listN = A.i32(N);
    this.listE = A.i32(E);
    this.inBuf = A.f32(Math.max(N * Fn, E * Fe));
    this.rows = new LayerRows(A, dims, keep);
    this.xBuf = A.f32(Math.max(N, E) * wide);
    this.xeBuf = keep ? A.f32(E * H) : this.xBuf;
    this.pBuf = A.f32(Math.max(N, E) * Hh);
    this.aEBuf = A.f32(E * Hh);
    this.yEBuf = A.f32(2 * E);
    this.aNBuf = A.f32(N * Hh);
    this.yNBuf = A.f32(N);
    this.off = A.f32(E);
    this.nodeOff = A.f32(N);
  }
}
