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
// sample grows with its neighbourhood, not with the grid.

import { LearnError } from './errors';
import type { GraphNet } from './gnn';
import { poolWidth, predPoolWidth } from './gnn';
import type { GraphSample, GraphTopology } from './graph';
import { sigmoid } from './loss';
import { reluInPlace } from './ops';

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

/** dst[dOff .. dOff+n) = src[sOff .. sOff+n) (a plain loop: subarray views cost more than these short rows). */
function copyRow(src: Float32Array, sOff: number, dst: Float32Array, dOff: number, n: number): void {
  for (let i = 0; i < n; i++) dst[dOff + i] = src[sOff + i];
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
      if (!(mark[r] & mask)) return r;
    }
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

export class IncrementalPredictor {
  private readonly N: number;
  private readonly E: number;
  private readonly H: number;
  private readonly Hh: number;
  private readonly L: number;
  private readonly Fn: number;
  private readonly Fe: number;
  private readonly onePlusEps: number;
  private readonly src: Int32Array;
  private readonly dst: Int32Array;
  // base graph adjacency (node -> incident edges in increasing order, other end)
  private readonly adjPtr: Int32Array;
  private readonly adjEdge: Int32Array;
  private readonly adjOther: Int32Array;
  // base activations (read-only) and working copies (base except the rows of the current sample)
  private readonly hBase: Float32Array[];
  private readonly hWork: Float32Array[];
  private readonly eBase: Float32Array;
  private readonly eWork: Float32Array;
  private readonly aEBase: Float32Array | null;
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
  // scratch
  private readonly nodeMark: Uint8Array;
  private readonly edgeMark: Uint8Array;
  private readonly removedMark: Uint8Array;
  private readonly offScratch: Float32Array;
  private readonly nodeOffScratch: Float32Array;

  constructor(readonly model: GraphNet, graph: GraphTopology, readonly base: GraphSample) {
    const c = model.cfg;
    this.N = graph.numNodes;
    this.E = graph.src.length;
    this.H = c.hidden;
    this.Hh = c.headHidden;
    this.L = c.layers;
    this.Fn = c.nodeFeatDim;
    this.Fe = c.edgeFeatDim;
    this.onePlusEps = 1 + c.eps;
    this.src = graph.src;
    this.dst = graph.dst;
    if (base.edgeMask && base.edgeMask.some((m) => !m)) throw new LearnError('bad-sample', 'the base sample of incremental inference must have every edge present');
    const { N, E } = this;
    // Adjacency in edge order: the same order the batched forward sums messages in.
    const deg = new Int32Array(N + 1);
    for (let e = 0; e < E; e++) { deg[this.src[e] + 1]++; deg[this.dst[e] + 1]++; }
    for (let v = 0; v < N; v++) deg[v + 1] += deg[v];
    const fill = deg.slice(0, N);
    this.adjPtr = deg;
    this.adjEdge = new Int32Array(2 * E);
    this.adjOther = new Int32Array(2 * E);
    for (let e = 0; e < E; e++) {
      const a = this.src[e], b = this.dst[e];
      // message a -> b first, then b -> a (as makeBatch orders them)
      this.adjEdge[fill[b]] = e; this.adjOther[fill[b]++] = a;
      this.adjEdge[fill[a]] = e; this.adjOther[fill[a]++] = b;
    }
    const { out, cache } = model.forward(model.batch(graph, [base]));
    this.hBase = cache.h;
    this.hWork = cache.h.map((h) => h.slice());
    this.eBase = cache.e;
    this.eWork = cache.e.slice();
    this.aEBase = cache.aE;
    this.yEBase = out.edge;
    this.yERaw = out.edge && cache.aE ? model.layer('head.edge.out').forward(cache.aE, E) : null;
    this.yNBase = out.node;
    this.edgeOffset = base.edgeOffset ?? null;
    this.nodeOffset = base.nodeOffset ?? null;
    const hL = cache.h[this.L];
    this.hSum = new Float64Array(this.H);
    for (let v = 0; v < N; v++) for (let f = 0; f < this.H; f++) this.hSum[f] += hL[v * this.H + f];
    this.hTop = new ColumnTops(hL, N, this.H, 1);
    if (cache.aE) {
      this.aESum = new Float64Array(this.Hh);
      for (let e = 0; e < E; e++) for (let f = 0; f < this.Hh; f++) this.aESum[f] += cache.aE[e * this.Hh + f];
      this.aETop = new ColumnTops(cache.aE, E, this.Hh, 1);
    } else {
      this.aESum = null;
      this.aETop = null;
    }
    this.edgeLimit = base.edgeLimit ?? null;
    this.nodeUpper = base.nodeUpper ?? null;
    this.nodeLower = base.nodeLower ?? null;
    const minus = (y: Float32Array, lim: Float32Array | null) => (lim ? y.map((v, i) => v - lim[i]) : y);
    this.mEBase = out.edge ? minus(out.edge, this.edgeLimit) : null;
    this.mUBase = out.node ? minus(out.node, this.nodeUpper) : null;
    this.mLBase = out.node ? minus(out.node, this.nodeLower) : null;
    this.yETop = out.edge ? new ColumnTops(out.edge, E, 1, 1) : null;
    this.mETop = this.mEBase ? new ColumnTops(this.mEBase, E, 1, 1) : null;
    this.yNTop = out.node ? new ColumnTops(out.node, N, 1, 1) : null;
    this.yNBottom = out.node ? new ColumnTops(out.node, N, 1, -1) : null;
    this.mUTop = this.mUBase ? new ColumnTops(this.mUBase, N, 1, 1) : null;
    this.mLBottom = this.mLBase ? new ColumnTops(this.mLBase, N, 1, -1) : null;
    this.nodeMark = new Uint8Array(N);
    this.edgeMark = new Uint8Array(E);
    this.removedMark = new Uint8Array(E);
    this.offScratch = new Float32Array(E);
    this.nodeOffScratch = new Float32Array(N);
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
    const { N, E, H, Hh, L, Fn, Fe, model } = this;
    const cfg = model.cfg;
    const nodeMark = this.nodeMark, edgeMark = this.edgeMark, removed = this.removedMark;
    if (d.nodeFeat.length !== d.nodes.length * Fn) throw new LearnError('bad-sample', `delta: ${d.nodes.length} nodes need ${d.nodes.length * Fn} feature values, got ${d.nodeFeat.length}`);
    if (d.edgeFeat.length !== d.edges.length * Fe) throw new LearnError('bad-sample', `delta: ${d.edges.length} edges need ${d.edges.length * Fe} feature values, got ${d.edgeFeat.length}`);
    for (const e of d.removed) removed[e] = 1;
    // Changed edges: new encodings; removed ones count as changed too.
    const changedEdges: number[] = [];
    const markEdge = (e: number) => { if (!edgeMark[e]) { edgeMark[e] = 1; changedEdges.push(e); } };
    for (const e of d.edges) markEdge(e);
    for (const e of d.removed) markEdge(e);
    if (d.edges.length > 0) {
      const enc = reluInPlace(model.layer('enc.edge').forward(d.edgeFeat, d.edges.length));
      for (let j = 0; j < d.edges.length; j++) copyRow(enc, j * H, this.eWork, d.edges[j] * H, H);
    }
    // S_0: changed nodes.
    let S: number[] = [];
    const add = (v: number) => { if (!nodeMark[v]) { nodeMark[v] = 1; S.push(v); } };
    for (const v of d.nodes) add(v);
    if (d.nodes.length > 0) {
      const enc = reluInPlace(model.layer('enc.node').forward(d.nodeFeat, d.nodes.length));
      for (let j = 0; j < d.nodes.length; j++) copyRow(enc, j * H, this.hWork[0], d.nodes[j] * H, H);
    }
    const touchedPerLayer: number[][] = [S.slice()];
    for (let l = 1; l <= L; l++) {
      // Grow: neighbours of S_{l-1} and ends of changed edges.
      const prev = S.slice();
      for (const v of prev) for (let p = this.adjPtr[v]; p < this.adjPtr[v + 1]; p++) add(this.adjOther[p]);
      for (const e of changedEdges) { add(this.src[e]); add(this.dst[e]); }
      const rows = S.length;
      const hPrev = this.hWork[l - 1], ew = this.eWork;
      const z = new Float32Array(rows * H);
      for (let r = 0; r < rows; r++) {
        const v = S[r], o = r * H, hv = v * H;
        for (let f = 0; f < H; f++) z[o + f] = this.onePlusEps * hPrev[hv + f];
        for (let p = this.adjPtr[v]; p < this.adjPtr[v + 1]; p++) {
          const e = this.adjEdge[p];
          if (removed[e]) continue;
          const u = this.adjOther[p] * H, ee = e * H;
          for (let f = 0; f < H; f++) {
            const t = hPrev[u + f] + ew[ee + f];
            if (t > 0) z[o + f] += t;
          }
        }
      }
      const a = reluInPlace(model.layer(`mp${l - 1}.lin1`).forward(z, rows));
      const cOut = reluInPlace(model.layer(`mp${l - 1}.lin2`).forward(a, rows));
      const hw = this.hWork[l];
      for (let r = 0; r < rows; r++) {
        const v = S[r], o = r * H, hv = v * H;
        for (let f = 0; f < H; f++) hw[hv + f] = cfg.residual ? cOut[o + f] + hPrev[hv + f] : cOut[o + f];
      }
      touchedPerLayer.push(S.slice());
    }
    const SL = S;
    const hL = this.hWork[L], hLBase = this.hBase[L];

    // Edge head on edges touching S_L or changed.
    let edgeRows: number[] = [];
    let aE: Float32Array | null = null, yE: Float32Array | null = null;
    if (this.aEBase) {
      for (const e of changedEdges) edgeMark[e] = 2;
      edgeRows = changedEdges.slice();
      for (const v of SL) for (let p = this.adjPtr[v]; p < this.adjPtr[v + 1]; p++) {
        const e = this.adjEdge[p];
        if (!edgeMark[e]) { edgeMark[e] = 2; edgeRows.push(e); }
      }
      const m = edgeRows.length, W = 3 * H;
      const q = new Float32Array(m * W);
      for (let j = 0; j < m; j++) {
        const e = edgeRows[j], o = j * W;
        copyRow(hL, this.src[e] * H, q, o, H);
        copyRow(hL, this.dst[e] * H, q, o + H, H);
        copyRow(this.eWork, e * H, q, o + 2 * H, H);
      }
      aE = reluInPlace(model.layer('head.edge.hidden').forward(q, m));
      if (cfg.heads.edge) {
        yE = model.layer('head.edge.out').forward(aE, m);
        // New offsets where given, else the base's.
        const off = this.offScratch;
        for (const e of edgeRows) off[e] = this.edgeOffset ? this.edgeOffset[e] : 0;
        if (d.edgeOffset) d.edges.forEach((e, j) => (off[e] = d.edgeOffset![j]));
        if (d.offsetEdges) d.offsetEdges.forEach((e, j) => (off[e] = d.offsetValues![j]));
        for (let j = 0; j < m; j++) yE[j] += off[edgeRows[j]];
      }
    }
    // Node head on S_L.
    let yN: Float32Array | null = null;
    if (cfg.heads.node) {
      const x = new Float32Array(SL.length * H);
      for (let r = 0; r < SL.length; r++) copyRow(hL, SL[r] * H, x, r * H, H);
      const aN = reluInPlace(model.layer('head.node.hidden').forward(x, SL.length));
      yN = model.layer('head.node.out').forward(aN, SL.length);
      const off = this.nodeOffScratch;
      for (const v of SL) off[v] = this.nodeOffset ? this.nodeOffset[v] : 0;
      if (d.nodeOffset) d.nodes.forEach((v, j) => (off[v] = d.nodeOffset![j]));
      SL.forEach((v, r) => { yN![r] += off[v]; });
    }

    // Offset-only edges (not recomputed): base output moved by the offset change.
    const yRows = edgeRows.slice();
    let yVals: Float32Array | null = yE;
    if (yE && d.offsetEdges && d.offsetEdges.length) {
      const extra: number[] = [], vals: number[] = [];
      d.offsetEdges.forEach((e, j) => {
        if (edgeMark[e]) return; // recomputed anyway (next to the outage)
        edgeMark[e] = 4;
        extra.push(e);
        vals.push(Math.fround(this.yERaw![e] + d.offsetValues![j]));
      });
      yVals = new Float32Array(yE.length + extra.length);
      yVals.set(yE);
      yVals.set(vals, yE.length);
      yRows.push(...extra);
    }
    // Outputs and pooled extremes of the head predictions (recomputed rows,
    // then the first base row in sorted order that was not recomputed).
    const lim = (a: Float32Array | null, i: number) => (a ? a[i] : 0);
    let maxEdge = -Infinity, argMaxEdge = -1, maxEdgeMargin = -Infinity, argMaxEdgeMargin = -1;
    if (yVals && this.yETop && this.mETop) {
      for (let j = 0; j < yRows.length; j++) {
        const e = yRows[j];
        if (removed[e]) continue;
        if (yVals[j] > maxEdge) { maxEdge = yVals[j]; argMaxEdge = e; }
        const m = yVals[j] - lim(this.edgeLimit, e);
        if (m > maxEdgeMargin) { maxEdgeMargin = m; argMaxEdgeMargin = e; }
      }
      let e = this.yETop.best(0, edgeMark, 0xff);
      if (e >= 0 && this.yEBase![e] > maxEdge) { maxEdge = this.yEBase![e]; argMaxEdge = e; }
      e = this.mETop.best(0, edgeMark, 0xff);
      if (e >= 0 && this.mEBase![e] > maxEdgeMargin) { maxEdgeMargin = this.mEBase![e]; argMaxEdgeMargin = e; }
      if (out.edge) {
        out.edge.set(this.yEBase!);
        yRows.forEach((e, j) => (out.edge![e] = yVals![j]));
      }
    }
    let maxNode = NaN, minNode = NaN, upMargin = NaN, lowMargin = NaN;
    if (yN && this.yNTop && this.yNBottom && this.mUTop && this.mLBottom) {
      let hi = -Infinity, lo = Infinity, mu = -Infinity, ml = Infinity;
      SL.forEach((v, r) => {
        const y = yN![r];
        if (y > hi) hi = y;
        if (y < lo) lo = y;
        if (y - lim(this.nodeUpper, v) > mu) mu = y - lim(this.nodeUpper, v);
        if (y - lim(this.nodeLower, v) < ml) ml = y - lim(this.nodeLower, v);
      });
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
        SL.forEach((u, r) => (out.node![u] = yN![r]));
      }
    }

    let logit: number | null = null;
    if (cfg.heads.graph) {
      const P = poolWidth(cfg);
      const pool = new Float32Array(P);
      // Node states: mean by differences, max over S_L and the best base row outside it.
      for (let f = 0; f < H; f++) {
        let sum = this.hSum[f];
        let mx = -Infinity;
        for (const v of SL) {
          sum += hL[v * H + f] - hLBase[v * H + f];
          if (hL[v * H + f] > mx) mx = hL[v * H + f];
        }
        const v = this.hTop.best(f, nodeMark, 0xff);
        if (v >= 0 && hLBase[v * H + f] > mx) mx = hLBase[v * H + f];
        pool[f] = sum / N;
        pool[H + f] = mx;
      }
      // Edge-head states over present edges.
      const aEB = this.aEBase!;
      let present = E;
      for (const e of d.removed) if (removed[e] === 1) { removed[e] = 2; present--; } // each removed edge once
      for (let f = 0; f < Hh; f++) {
        let sum = this.aESum![f];
        let mx = -Infinity, any = false;
        for (let j = 0; j < edgeRows.length; j++) {
          const e = edgeRows[j];
          sum -= aEB[e * Hh + f];
          if (removed[e]) continue;
          const val = aE![j * Hh + f];
          sum += val;
          any = true;
          if (val > mx) mx = val;
        }
        const e = this.aETop!.best(f, edgeMark, 3);
        if (e >= 0) {
          any = true;
          if (aEB[e * Hh + f] > mx) mx = aEB[e * Hh + f];
        }
        pool[2 * H + f] = present > 0 ? sum / present : 0;
        pool[2 * H + Hh + f] = any ? mx : 0;
      }
      let at = 2 * H + 2 * Hh;
      const gain = cfg.predPoolGain;
      if (cfg.heads.edge) pool[at++] = argMaxEdgeMargin >= 0 ? gain * maxEdgeMargin : 0;
      if (cfg.heads.node) { pool[at++] = gain * upMargin; pool[at++] = gain * lowMargin; }
      const aG = reluInPlace(model.layer('head.graph.hidden').forward(pool, 1));
      logit = model.layer('head.graph.out').forward(aG, 1)[0];
      const nPred = predPoolWidth(cfg);
      if (nPred > 0) logit += model.layer('head.graph.skip').forward(pool.slice(P - nPred), 1)[0];
    }

    // Put the working copies back to the base.
    for (let l = 0; l <= L; l++) {
      const hw = this.hWork[l], hb = this.hBase[l];
      for (const v of touchedPerLayer[Math.min(l, touchedPerLayer.length - 1)]) copyRow(hb, v * H, hw, v * H, H);
    }
    for (const e of d.edges) copyRow(this.eBase, e * H, this.eWork, e * H, H);
    for (const v of SL) nodeMark[v] = 0;
    for (const e of changedEdges) edgeMark[e] = 0;
    for (const e of yRows) edgeMark[e] = 0;
    for (const e of d.removed) removed[e] = 0;

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
      touched: SL.length,
    };
  }
}
