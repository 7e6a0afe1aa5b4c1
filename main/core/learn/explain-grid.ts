// Integrated gradients of the verdict logit with respect to the inputs of one
// sample, from a baseline that differs from it in a few rows only (for N-1:
// the outage's own graph with every per-outage input at its no-outage value),
// computed on those rows' neighbourhood alone.
//
// Along the straight path x(alpha) = x0 + alpha (x - x0) only the changed
// rows move, so only the node states within l hops of them move after
// message-passing layer l (the rule incremental inference uses):
//   V_0 = changed nodes,  V_{l+1} = V_l + neighbours(V_l) + ends(changed edges)
// Every other state, and the readout's sums and maxima over them, is the same
// at every alpha: it is taken once from one full forward pass, and each step
// recomputes (and differentiates) only V_l, the edge head on the edges
// touching V_L or changed, and the graph head. The network is piecewise
// linear in its inputs (ReLU, max, sums), so the integral is a sum over
// linear pieces; the midpoint rule is exact but for the steps in which a unit
// switches, which are found (their gradient differs from a neighbour's) and
// refined. The gap between the attributions' sum and f(x) - f(x0)
// (completeness) is reported, not hidden.

import { LearnError } from './errors';
import { offsetPoolGain, worstOffsetMargin, poolWidth, predPoolWidth, type ForwardCache, type GraphNet } from './gnn';
import type { HeadOutputs } from './loss';
import type { GraphSample, GraphTopology } from './graph';
import type { Layer } from './layer';
import { reluGrad } from './ops';

export interface GridAttribution {
  /** Per node and per edge: the attribution summed over the row's features and offset (0 on rows that do not change). */
  node: Float64Array;
  edge: Float64Array;
  /** Per feature column, summed over rows; then the head offsets'. */
  nodeFeature: Float64Array;
  edgeFeature: Float64Array;
  edgeOffset: number;
  nodeOffset: number;
  /** f(x), f(baseline), the attributions' sum and sum - (f(x) - f(baseline)). */
  fx: number;
  fBaseline: number;
  sum: number;
  gap: number;
  /** Uniform midpoint steps asked for, and gradient evaluations made (with the refinements). */
  steps: number;
  evaluations: number;
  /** Rows the baseline changes, and node states recomputed per step. */
  changed: { nodes: number; edges: number; offsets: number };
  touched: number;
}

/** Rows that differ between two samples of one graph. */
function changedRows(a: Float32Array, b: Float32Array, width: number): Int32Array {
  const out: number[] = [];
  for (let r = 0; r * width < a.length; r++) {
    for (let f = 0; f < width; f++) if (a[r * width + f] !== b[r * width + f]) { out.push(r); break; }
  }
  return Int32Array.from(out);
}

function changedEntries(a: Float32Array | undefined, b: Float32Array | undefined, n: number): Int32Array {
  const out: number[] = [];
  for (let i = 0; i < n; i++) if ((a ? a[i] : 0) !== (b ? b[i] : 0)) out.push(i);
  return Int32Array.from(out);
}

const sameArray = (a: ArrayLike<number> | undefined, b: ArrayLike<number> | undefined): boolean => {
  if (!a || !b) return !a && !b;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
};

/** The full forward pass of the sample itself (a batch of one), when the caller has it already. */
export interface FullForward {
  out: HeadOutputs;
  cache: ForwardCache;
}

interface Step {
  logit: number;
  grad: { node: Float32Array; edge: Float32Array; edgeOffset: Float32Array; nodeOffset: Float32Array } | null;
}

/** The sample's neighbourhood of change, set up once; `at(alpha)` runs one step. */
export class LocalPath {
  private readonly N: number;
  private readonly Fn: number;
  private readonly Fe: number;
  /** Changed rows: node features, edge features, edge and node offsets. */
  readonly nodes: Int32Array;
  readonly edges: Int32Array;
  readonly offE: Int32Array;
  readonly offN: Int32Array;
  /** V_l (l = 0..L) and their positions. */
  private readonly V: Int32Array[] = [];
  private readonly posV: Int32Array[] = [];
  private readonly posEc: Int32Array;
  /** Per layer l: the messages into V_{l+1} (destination's local row, source global and local, edge global and local among changed edges). */
  private readonly msg: { dst: Int32Array; src: Int32Array; srcLocal: Int32Array; edge: Int32Array; edgeLocal: Int32Array }[] = [];
  /** Present edges whose head state moves (an end in V_L, or changed), then present edges whose prediction moves by the offset alone. */
  private readonly A: Int32Array;
  private readonly Y: Int32Array;
  /** Nodes whose prediction moves: V_L, then offset-only ones. */
  private readonly NY: Int32Array;
  private readonly nActive: number;
  /** From the full pass: states and outputs at alpha = 1 outside the moving rows. */
  private readonly h: Float32Array[];
  private readonly e: Float32Array;
  private readonly yE: Float32Array | null;
  private readonly yN: Float32Array | null;
  private readonly stat: {
    sumH: Float64Array; maxH: Float64Array; sumA: Float64Array; maxA: Float64Array;
    bestEdge: number; hiNode: number; loNode: number;
    /** offsetPool: the offsets' margins over the entries whose offset does not move. */
    offEdge: number; offUp: number; offLow: number;
  };
  private readonly src: Int32Array;
  private readonly dst: Int32Array;
  private readonly active: Uint8Array;

  /** Positions of Y and NY entries by edge / node (-1: not moving). */
  private readonly posY: Int32Array;
  private readonly posNY: Int32Array;

  constructor(readonly model: GraphNet, readonly graph: GraphTopology, readonly x: GraphSample, readonly x0: GraphSample, full?: FullForward) {
    const cfg = model.cfg;
    if (!cfg.heads.graph) throw new LearnError('bad-model', 'integrated gradients of the verdict need a graph head');
    const N = (this.N = graph.numNodes), E = graph.src.length;
    const Fn = (this.Fn = cfg.nodeFeatDim), Fe = (this.Fe = cfg.edgeFeatDim);
    const H = cfg.hidden, Hh = cfg.headHidden, L = cfg.layers;
    const mask = (s: GraphSample) => s.edgeMask ?? new Uint8Array(E).fill(1);
    if (!sameArray(mask(x), mask(x0))) throw new LearnError('bad-sample', 'the baseline must have the same edges as the sample');
    for (const k of ['edgeLimit', 'nodeUpper', 'nodeLower'] as const) {
      if (!sameArray(x[k], x0[k])) throw new LearnError('bad-sample', `the baseline must have the same ${k} as the sample`);
    }
    this.nodes = changedRows(x.nodeFeat, x0.nodeFeat, Fn);
    this.edges = changedRows(x.edgeFeat, x0.edgeFeat, Fe);
    this.offE = changedEntries(x.edgeOffset, x0.edgeOffset, E);
    this.offN = changedEntries(x.nodeOffset, x0.nodeOffset, N);
    const batch = model.batch(graph, [x]);
    this.src = batch.edgeSrc; this.dst = batch.edgeDst; this.active = batch.active;
    const { out, cache } = full ?? model.forward(batch);
    this.h = cache.h; this.e = cache.e; this.yE = out.edge; this.yN = out.node;
    this.posEc = new Int32Array(E).fill(-1);
    this.edges.forEach((e, j) => (this.posEc[e] = j));

    // V_l: the changed nodes, grown by one hop and the changed edges' ends per layer.
    const inV = new Uint8Array(N);
    for (const v of this.nodes) inV[v] = 1;
    const pushV = () => {
      const list: number[] = [];
      const pos = new Int32Array(N).fill(-1);
      for (let v = 0; v < N; v++) if (inV[v]) { pos[v] = list.length; list.push(v); }
      this.V.push(Int32Array.from(list));
      this.posV.push(pos);
    };
    pushV();
    for (let l = 0; l < L; l++) {
      const grow = inV.slice();
      for (let k = 0; k < batch.msgSrc.length; k++) if (inV[batch.msgSrc[k]]) grow[batch.msgDst[k]] = 1;
      for (const e of this.edges) if (this.active[e]) { grow[this.src[e]] = 1; grow[this.dst[e]] = 1; }
      inV.set(grow);
      pushV();
      const posZ = this.posV[l + 1], posPrev = this.posV[l];
      const d: number[] = [], s: number[] = [], sl: number[] = [], ed: number[] = [], el: number[] = [];
      for (let k = 0; k < batch.msgSrc.length; k++) {
        const v = batch.msgDst[k];
        if (posZ[v] < 0) continue;
        const u = batch.msgSrc[k], e = batch.msgEdge[k];
        d.push(posZ[v]); s.push(u); sl.push(posPrev[u]); ed.push(e); el.push(this.posEc[e]);
      }
      this.msg.push({ dst: Int32Array.from(d), src: Int32Array.from(s), srcLocal: Int32Array.from(sl), edge: Int32Array.from(ed), edgeLocal: Int32Array.from(el) });
    }
    const posL = this.posV[L];
    const inA = new Uint8Array(E);
    const A: number[] = [];
    if (cache.aE) for (let e = 0; e < E; e++) if (this.active[e] && (posL[this.src[e]] >= 0 || posL[this.dst[e]] >= 0 || this.posEc[e] >= 0)) { inA[e] = 1; A.push(e); }
    this.A = Int32Array.from(A);
    const Y = [...A];
    if (out.edge) for (const e of this.offE) if (this.active[e] && !inA[e]) Y.push(e);
    this.Y = Int32Array.from(Y);
    const inY = new Uint8Array(E);
    for (const e of Y) inY[e] = 1;
    this.posY = new Int32Array(E).fill(-1);
    this.Y.forEach((e, j) => (this.posY[e] = j));
    const NY = [...this.V[L]];
    if (out.node) for (const v of this.offN) if (posL[v] < 0) NY.push(v);
    this.NY = Int32Array.from(NY);
    const inNY = new Uint8Array(N);
    for (const v of NY) inNY[v] = 1;
    this.posNY = new Int32Array(N).fill(-1);
    this.NY.forEach((v, j) => (this.posNY[v] = j));
    let nActive = 0;
    for (let e = 0; e < E; e++) nActive += this.active[e];
    this.nActive = nActive;

    // The readout over the rows that do not move: fixed for every alpha.
    const hL = cache.h[L];
    const sumH = new Float64Array(H), maxH = new Float64Array(H).fill(-Infinity);
    for (let v = 0; v < N; v++) {
      if (posL[v] >= 0) continue;
      for (let f = 0; f < H; f++) { const y = hL[v * H + f]; sumH[f] += y; if (y > maxH[f]) maxH[f] = y; }
    }
    const sumA = new Float64Array(Hh), maxA = new Float64Array(Hh).fill(-Infinity);
    if (cache.aE) for (let e = 0; e < E; e++) {
      if (!this.active[e] || inA[e]) continue;
      for (let f = 0; f < Hh; f++) { const y = cache.aE[e * Hh + f]; sumA[f] += y; if (y > maxA[f]) maxA[f] = y; }
    }
    let bestEdge = -Infinity, hiNode = -Infinity, loNode = Infinity;
    if (out.edge) for (let e = 0; e < E; e++) if (this.active[e] && !inY[e]) bestEdge = Math.max(bestEdge, out.edge[e] - (x.edgeLimit ? x.edgeLimit[e] : 0));
    if (out.node) for (let v = 0; v < N; v++) {
      if (inNY[v]) continue;
      hiNode = Math.max(hiNode, out.node[v] - (x.nodeUpper ? x.nodeUpper[v] : 0));
      loNode = Math.min(loNode, out.node[v] - (x.nodeLower ? x.nodeLower[v] : 0));
    }
    let offEdge = -Infinity, offUp = -Infinity, offLow = Infinity;
    if (cfg.offsetPool) {
      const movingE = new Uint8Array(E), movingN = new Uint8Array(N);
      for (const e of this.offE) movingE[e] = 1;
      for (const v of this.offN) movingN[v] = 1;
      for (let e = 0; e < E; e++) if (this.active[e] && !movingE[e]) offEdge = Math.max(offEdge, this.offsetAt('edge', e, 1) - (x.edgeLimit ? x.edgeLimit[e] : 0));
      for (let v = 0; v < N; v++) {
        if (movingN[v]) continue;
        const y = this.offsetAt('node', v, 1);
        offUp = Math.max(offUp, y - (x.nodeUpper ? x.nodeUpper[v] : 0));
        offLow = Math.min(offLow, y - (x.nodeLower ? x.nodeLower[v] : 0));
      }
    }
    this.stat = { sumH, maxH, sumA, maxA, bestEdge, hiNode, loNode, offEdge, offUp, offLow };
  }

  /** Node states recomputed per step (|V_L|). */
  get touched(): number {
    return this.V[this.model.cfg.layers].length;
  }

  /** Interpolated rows [x0 + alpha (x - x0)] of `rows` of a [n x W] input. */
  private lerp(a: Float32Array, a0: Float32Array, rows: Int32Array, W: number, alpha: number): Float32Array {
    const o = new Float32Array(rows.length * W);
    rows.forEach((r, j) => {
      for (let f = 0; f < W; f++) { const v0 = a0[r * W + f]; o[j * W + f] = v0 + alpha * (a[r * W + f] - v0); }
    });
    return o;
  }

  private offsetAt(kind: 'edge' | 'node', i: number, alpha: number): number {
    const a = kind === 'edge' ? this.x.edgeOffset : this.x.nodeOffset, a0 = kind === 'edge' ? this.x0.edgeOffset : this.x0.nodeOffset;
    const v = a ? a[i] : 0, v0 = a0 ? a0[i] : 0;
    return v0 + alpha * (v - v0);
  }

  /** The logit at x(alpha) and, when asked, its gradient with respect to the changed rows (features [rows x F], offsets). */
  at(alpha: number, wantGrad: boolean): Step {
    const m = this.model, cfg = m.cfg;
    const { hidden: H, headHidden: Hh, layers: L, residual } = cfg;
    const onePlusEps = 1 + cfg.eps;
    const { N, Fn, Fe, x, x0 } = this;
    const layer = (n: string): Layer => m.layer(n);
    const xn = this.lerp(x.nodeFeat, x0.nodeFeat, this.nodes, Fn, alpha);
    const xe = this.lerp(x.edgeFeat, x0.edgeFeat, this.edges, Fe, alpha);
    const h0 = layer('enc.node').forward(xn, this.nodes.length, true);
    const eL = layer('enc.edge').forward(xe, this.edges.length, true);
    const hs: Float32Array[] = [h0], zs: Float32Array[] = [], as: Float32Array[] = [], cs: Float32Array[] = [];
    for (let l = 0; l < L; l++) {
      const Z = this.V[l + 1], posPrev = this.posV[l], nz = Z.length, hl = hs[l], hg = this.h[l];
      const z = new Float32Array(nz * H);
      const hPrev = new Float32Array(nz * H);
      for (let j = 0; j < nz; j++) {
        const v = Z[j], lj = posPrev[v];
        const arr = lj >= 0 ? hl : hg, at = (lj >= 0 ? lj : v) * H;
        for (let f = 0; f < H; f++) { hPrev[j * H + f] = arr[at + f]; z[j * H + f] = onePlusEps * arr[at + f]; }
      }
      const M = this.msg[l], eg = this.e;
      for (let k = 0; k < M.dst.length; k++) {
        const sl = M.srcLocal[k], el = M.edgeLocal[k];
        const ua = sl >= 0 ? hl : hg, uat = (sl >= 0 ? sl : M.src[k]) * H;
        const ea = el >= 0 ? eL : eg, eat = (el >= 0 ? el : M.edge[k]) * H;
        const d = M.dst[k] * H;
        for (let f = 0; f < H; f++) { const t = ua[uat + f] + ea[eat + f]; z[d + f] += 0.5 * (t + Math.abs(t)); }
      }
      const a = layer(`mp${l}.lin1`).forward(z, nz, true);
      const c = layer(`mp${l}.lin2`).forward(a, nz, true);
      let hn = c;
      if (residual) { hn = new Float32Array(c.length); for (let i = 0; i < c.length; i++) hn[i] = c[i] + hPrev[i]; }
      zs.push(z); as.push(a); cs.push(c); hs.push(hn);
    }
    const hL = hs[L], posL = this.posV[L], nV = this.V[L].length, hLg = this.h[L];
    // Edge head on the moving edges: q = [h_src, h_dst, e].
    const nA = this.A.length;
    const q = new Float32Array(nA * 3 * H);
    for (let j = 0; j < nA; j++) {
      const e = this.A[j], s = this.src[e], t = this.dst[e], ls = posL[s], lt = posL[t], le = this.posEc[e];
      const sa = ls >= 0 ? hL : hLg, sat = (ls >= 0 ? ls : s) * H;
      const ta = lt >= 0 ? hL : hLg, tat = (lt >= 0 ? lt : t) * H;
      const ea = le >= 0 ? eL : this.e, eat = (le >= 0 ? le : e) * H;
      const o = j * 3 * H;
      for (let f = 0; f < H; f++) { q[o + f] = sa[sat + f]; q[o + H + f] = ta[tat + f]; q[o + 2 * H + f] = ea[eat + f]; }
    }
    const hasEdgeHead = m.layers.some((l) => l.name === 'head.edge.hidden');
    const aE = hasEdgeHead ? layer('head.edge.hidden').forward(q, nA, true) : new Float32Array(0);
    const nY = this.Y.length;
    const yE = new Float32Array(nY);
    if (cfg.heads.edge) {
      const learned = layer('head.edge.out').forward(aE, nA);
      for (let j = 0; j < nY; j++) {
        const e = this.Y[j];
        yE[j] = j < nA ? learned[j] + this.offsetAt('edge', e, alpha) : this.yE![e] - this.offsetAt('edge', e, 1) + this.offsetAt('edge', e, alpha);
      }
    }
    const nNY = this.NY.length;
    const yN = new Float32Array(nNY);
    let aN: Float32Array = new Float32Array(0);
    const hLrows = hL; // V_L rows, local order
    if (cfg.heads.node) {
      aN = layer('head.node.hidden').forward(hLrows, nV, true);
      const learned = layer('head.node.out').forward(aN, nV);
      for (let j = 0; j < nNY; j++) {
        const v = this.NY[j];
        yN[j] = j < nV ? learned[j] + this.offsetAt('node', v, alpha) : this.yN![v] - this.offsetAt('node', v, 1) + this.offsetAt('node', v, alpha);
      }
    }
    // Readout: fixed part and the moving rows.
    const P = poolWidth(cfg), nPred = predPoolWidth(cfg), gain = cfg.predPoolGain, st = this.stat;
    const pool = new Float32Array(P);
    const argH = new Int32Array(H).fill(-1), argA = new Int32Array(Hh).fill(-1);
    for (let f = 0; f < H; f++) {
      let s = st.sumH[f], mx = st.maxH[f];
      for (let j = 0; j < nV; j++) { const y = hL[j * H + f]; s += y; if (y > mx) { mx = y; argH[f] = j; } }
      pool[f] = s / N;
      pool[H + f] = mx;
    }
    for (let f = 0; f < Hh && hasEdgeHead; f++) {
      let s = st.sumA[f], mx = st.maxA[f];
      for (let j = 0; j < nA; j++) { const y = aE[j * Hh + f]; s += y; if (y > mx) { mx = y; argA[f] = j; } }
      pool[2 * H + f] = this.nActive > 0 ? s / this.nActive : 0;
      pool[2 * H + Hh + f] = this.nActive > 0 ? mx : 0;
    }
    let at = 2 * H + 2 * Hh, argEdge = -1, argHi = -1, argLo = -1;
    if (cfg.heads.edge) {
      let best = st.bestEdge;
      for (let j = 0; j < nY; j++) { const mg = yE[j] - (x.edgeLimit ? x.edgeLimit[this.Y[j]] : 0); if (mg > best) { best = mg; argEdge = j; } }
      pool[at++] = Number.isFinite(best) ? gain * best : 0;
    }
    if (cfg.heads.node) {
      let hi = st.hiNode, lo = st.loNode;
      for (let j = 0; j < nNY; j++) {
        const v = this.NY[j];
        const mh = yN[j] - (x.nodeUpper ? x.nodeUpper[v] : 0), ml = yN[j] - (x.nodeLower ? x.nodeLower[v] : 0);
        if (mh > hi) { hi = mh; argHi = j; }
        if (ml < lo) { lo = ml; argLo = j; }
      }
      pool[at++] = gain * hi;
      pool[at++] = gain * lo;
    }
    // The offsets' margins (offsetPool): the fixed entries' and the moving offsets at alpha.
    const offCol = at;
    let argOE = -1, argOU = -1, argOL = -1, oEdge = 0, oUp = 0, oLow = 0, worstKind = 0;
    if (cfg.offsetPool) {
      if (cfg.heads.edge) {
        let best = st.offEdge;
        this.offE.forEach((e, j) => { if (!this.active[e]) return; const mg = this.offsetAt('edge', e, alpha) - (x.edgeLimit ? x.edgeLimit[e] : 0); if (mg > best) { best = mg; argOE = j; } });
        oEdge = Number.isFinite(best) ? best : 0;
        pool[at++] = offsetPoolGain(cfg) * oEdge;
      }
      if (cfg.heads.node) {
        let hi = st.offUp, lo = st.offLow;
        this.offN.forEach((v, j) => {
          const y = this.offsetAt('node', v, alpha), mh = y - (x.nodeUpper ? x.nodeUpper[v] : 0), ml = y - (x.nodeLower ? x.nodeLower[v] : 0);
          if (mh > hi) { hi = mh; argOU = j; }
          if (ml < lo) { lo = ml; argOL = j; }
        });
        pool[at++] = offsetPoolGain(cfg) * hi;
        pool[at++] = offsetPoolGain(cfg) * lo;
        oUp = hi; oLow = lo;
      }
      if (cfg.heads.edge || cfg.heads.node) {
        const wm = worstOffsetMargin({ edge: oEdge, up: oUp, low: oLow, argEdge: argOE, argUp: argOU, argLow: argOL }, cfg.heads);
        worstKind = wm.kind;
        pool[at++] = offsetPoolGain(cfg) * wm.value;
      }
    }
    const aG = layer('head.graph.hidden').forward(pool, 1, true);
    let logit = layer('head.graph.out').forward(aG, 1)[0];
    const predCols = pool.slice(P - nPred);
    if (nPred > 0) logit += layer('head.graph.skip').forward(predCols, 1)[0];
    if (!wantGrad) return { logit, grad: null };

    // Backward from d logit = 1, input gradients only.
    const one = Float32Array.of(1);
    const daG = reluGrad(layer('head.graph.out').backward(aG, one, 1, true, false)!, aG);
    const dpool = layer('head.graph.hidden').backward(pool, daG, 1, true, false)!;
    if (nPred > 0) {
      const dp = layer('head.graph.skip').backward(predCols, one, 1, true, false)!;
      for (let j = 0; j < nPred; j++) dpool[P - nPred + j] += dp[j];
    }
    const dh = new Float32Array(nV * H);
    for (let f = 0; f < H; f++) {
      const g = dpool[f] / N;
      for (let j = 0; j < nV; j++) dh[j * H + f] += g;
      if (argH[f] >= 0) dh[argH[f] * H + f] += dpool[H + f];
    }
    const daE = new Float32Array(nA * Hh);
    for (let f = 0; f < Hh && hasEdgeHead && this.nActive > 0; f++) {
      const g = dpool[2 * H + f] / this.nActive;
      for (let j = 0; j < nA; j++) daE[j * Hh + f] += g;
      if (argA[f] >= 0) daE[argA[f] * Hh + f] += dpool[2 * H + Hh + f];
    }
    at = 2 * H + 2 * Hh;
    const dyE = new Float32Array(nY), dyN = new Float32Array(nNY);
    if (cfg.heads.edge) { if (argEdge >= 0) dyE[argEdge] += gain * dpool[at]; at++; }
    if (cfg.heads.node) {
      if (argHi >= 0) dyN[argHi] += gain * dpool[at];
      at++;
      if (argLo >= 0) dyN[argLo] += gain * dpool[at];
    }
    const de = new Float32Array(this.edges.length * H);
    if (hasEdgeHead && nA > 0) {
      if (cfg.heads.edge) {
        const d = layer('head.edge.out').backward(aE, dyE.subarray(0, nA), nA, true, false)!;
        for (let i = 0; i < d.length; i++) daE[i] += d[i];
      }
      reluGrad(daE, aE);
      const dq = layer('head.edge.hidden').backward(q, daE, nA, true, false)!;
        for (let j = 0; j < nA; j++) {
        const e = this.A[j], o = j * 3 * H, s = posL[this.src[e]], t = posL[this.dst[e]], el = this.posEc[e];
        if (s >= 0) for (let f = 0; f < H; f++) dh[s * H + f] += dq[o + f];
        if (t >= 0) for (let f = 0; f < H; f++) dh[t * H + f] += dq[o + H + f];
        if (el >= 0) for (let f = 0; f < H; f++) de[el * H + f] += dq[o + 2 * H + f];
      }
    }
    if (cfg.heads.node && nV > 0) {
      const daN = reluGrad(layer('head.node.out').backward(aN, dyN.subarray(0, nV), nV, true, false)!, aN);
      const d = layer('head.node.hidden').backward(hLrows, daN, nV, true, false)!;
      for (let i = 0; i < d.length; i++) dh[i] += d[i];
    }
    let dhl = dh;
    for (let l = L - 1; l >= 0; l--) {
      const Z = this.V[l + 1], nz = Z.length, Vp = this.V[l], posZ = this.posV[l + 1];
      const dc = reluGrad(residual ? dhl.slice() : dhl, cs[l]);
      const da = reluGrad(layer(`mp${l}.lin2`).backward(as[l], dc, nz, true, false)!, as[l]);
      const dz = layer(`mp${l}.lin1`).backward(zs[l], da, nz, true, false)!;
      const dPrev = new Float32Array(Vp.length * H);
      const rk = residual ? 1 : 0;
      for (let j = 0; j < Vp.length; j++) {
        const r = posZ[Vp[j]] * H;
        for (let f = 0; f < H; f++) dPrev[j * H + f] += onePlusEps * dz[r + f] + rk * dhl[r + f];
      }
      const M = this.msg[l], hl = hs[l], hg = this.h[l], eg = this.e;
      for (let k = 0; k < M.dst.length; k++) {
        const sl = M.srcLocal[k], el = M.edgeLocal[k];
        if (sl < 0 && el < 0) continue;
        const ua = sl >= 0 ? hl : hg, uat = (sl >= 0 ? sl : M.src[k]) * H;
        const ea = el >= 0 ? eL : eg, eat = (el >= 0 ? el : M.edge[k]) * H;
        const d = M.dst[k] * H;
        for (let f = 0; f < H; f++) {
          const g = dz[d + f] * +(ua[uat + f] + ea[eat + f] > 0);
          if (sl >= 0) dPrev[sl * H + f] += g;
          if (el >= 0) de[el * H + f] += g;
        }
      }
      dhl = dPrev;
    }
    const dEdge = layer('enc.edge').backward(xe, reluGrad(de, eL), this.edges.length, true, false)!;
    const dNode = layer('enc.node').backward(xn, reluGrad(dhl, h0), this.nodes.length, true, false)!;
    const dOffE = new Float32Array(this.offE.length), dOffN = new Float32Array(this.offN.length);
    for (let j = 0; j < this.offE.length; j++) { const p = this.posY[this.offE[j]]; if (p >= 0) dOffE[j] = dyE[p]; }
    for (let j = 0; j < this.offN.length; j++) { const p = this.posNY[this.offN[j]]; if (p >= 0) dOffN[j] = dyN[p]; }
    if (cfg.offsetPool) {
      let c = offCol;
      if (cfg.heads.edge) { if (argOE >= 0) dOffE[argOE] += offsetPoolGain(cfg) * dpool[c]; c++; }
      if (cfg.heads.node) { if (argOU >= 0) dOffN[argOU] += offsetPoolGain(cfg) * dpool[c]; if (argOL >= 0) dOffN[argOL] += offsetPoolGain(cfg) * dpool[c + 1]; c += 2; }
      if (cfg.heads.edge || cfg.heads.node) {
        const x = offsetPoolGain(cfg) * dpool[c];
        if (worstKind === 0) { if (argOE >= 0) dOffE[argOE] += x; }
        else if (worstKind === 1) { if (argOU >= 0) dOffN[argOU] += x; }
        else if (argOL >= 0) dOffN[argOL] -= x;
      }
    }
    return { logit, grad: { node: dNode, edge: dEdge, edgeOffset: dOffE, nodeOffset: dOffN } };
  }
}

/**
 * Integrated gradients of the verdict logit from baseline x0 to x, summed per
 * row (node, edge) and per feature column. The midpoint rule on `steps`
 * uniform steps, then refined where it misses: the gradient is the same bits
 * everywhere in one linear piece (only ReLU masks and max choices enter the
 * backward pass), so a step whose gradient differs from a neighbour's holds a
 * switch; while the attributions' sum misses f(x) - f(x0), such steps are cut
 * in three (the middle third keeps its gradient, two new ones are computed),
 * widest first, up to `refine` more gradient evaluations.
 */
export function integratedGradients(model: GraphNet, graph: GraphTopology, x: GraphSample, x0: GraphSample, steps: number, full?: FullForward, refine = steps): GridAttribution {
  if (!(Number.isInteger(steps) && steps >= 1)) throw new LearnError('bad-config', `integrated gradients need a whole number of steps, got ${steps}`);
  const path = new LocalPath(model, graph, x, x0, full);
  const { nodeFeatDim: Fn, edgeFeatDim: Fe } = model.cfg;
  const N = graph.numNodes, E = graph.src.length;
  const nN = path.nodes.length * Fn, nE = path.edges.length * Fe, nO = path.offE.length, D = nN + nE + nO + path.offN.length;
  // The input change along the path, one vector: node rows, edge rows, edge offsets, node offsets.
  const delta = new Float64Array(D);
  path.nodes.forEach((v, j) => { for (let f = 0; f < Fn; f++) delta[j * Fn + f] = x.nodeFeat[v * Fn + f] - x0.nodeFeat[v * Fn + f]; });
  path.edges.forEach((e, j) => { for (let f = 0; f < Fe; f++) delta[nN + j * Fe + f] = x.edgeFeat[e * Fe + f] - x0.edgeFeat[e * Fe + f]; });
  path.offE.forEach((e, j) => (delta[nN + nE + j] = (x.edgeOffset?.[e] ?? 0) - (x0.edgeOffset?.[e] ?? 0)));
  path.offN.forEach((v, j) => (delta[nN + nE + nO + j] = (x.nodeOffset?.[v] ?? 0) - (x0.nodeOffset?.[v] ?? 0)));
  let evaluations = 0;
  const gradAt = (alpha: number): Float32Array => {
    evaluations++;
    const g = path.at(alpha, true).grad!, out = new Float32Array(D);
    out.set(g.node, 0); out.set(g.edge, nN); out.set(g.edgeOffset, nN + nE); out.set(g.nodeOffset, nN + nE + nO);
    return out;
  };
  const dot = (g: Float32Array) => { let t = 0; for (let i = 0; i < D; i++) t += g[i] * delta[i]; return t; };
  const same = (a: Float32Array, b: Float32Array) => { for (let i = 0; i < D; i++) if (a[i] !== b[i]) return false; return true; };
  const fx = full?.out.graph ? full.out.graph[0] : path.at(1, false).logit, fBaseline = path.at(0, false).logit;
  const target = fx - fBaseline;
  // float32 logits: a gap below this is rounding, not quadrature.
  const tol = 1e-3 * Math.abs(target) + 2e-6 * (Math.abs(fx) + Math.abs(fBaseline)) + 1e-7;
  let iv: { a: number; b: number; g: Float32Array; s: number }[] = [];
  for (let i = 0; i < steps; i++) {
    const g = gradAt((i + 0.5) / steps);
    iv.push({ a: i / steps, b: (i + 1) / steps, g, s: dot(g) });
  }
  const budget = steps + Math.max(0, refine);
  while (D > 0 && evaluations + 2 <= budget) {
    let sum = 0;
    for (const t of iv) sum += (t.b - t.a) * t.s;
    if (Math.abs(sum - target) <= tol) break;
    const suspects = iv.map((t, i) => ({ t, i })).filter(({ t, i }) => (i > 0 && !same(t.g, iv[i - 1].g)) || (i + 1 < iv.length && !same(t.g, iv[i + 1].g)));
    if (suspects.length === 0) break;
    suspects.sort((p, q) => (q.t.b - q.t.a) - (p.t.b - p.t.a) || p.i - q.i);
    const split = new Set<number>();
    for (const { i } of suspects) { if (evaluations + 2 * (split.size + 1) > budget) break; split.add(i); }
    const next: typeof iv = [];
    iv.forEach((t, i) => {
      if (!split.has(i)) { next.push(t); return; }
      const h = (t.b - t.a) / 3, g1 = gradAt(t.a + h / 2), g3 = gradAt(t.b - h / 2);
      next.push({ a: t.a, b: t.a + h, g: g1, s: dot(g1) }, { a: t.a + h, b: t.b - h, g: t.g, s: t.s }, { a: t.b - h, b: t.b, g: g3, s: dot(g3) });
    });
    iv = next;
  }
  // Attribution per input: its change times its gradient integrated over the path.
  const w = new Float64Array(D);
  for (const t of iv) { const len = t.b - t.a; for (let i = 0; i < D; i++) w[i] += len * t.g[i]; }
  const node = new Float64Array(N), edge = new Float64Array(E);
  const nodeFeature = new Float64Array(Fn), edgeFeature = new Float64Array(Fe);
  let sum = 0, edgeOffset = 0, nodeOffset = 0;
  path.nodes.forEach((v, j) => {
    for (let f = 0; f < Fn; f++) { const a = w[j * Fn + f] * delta[j * Fn + f]; node[v] += a; nodeFeature[f] += a; sum += a; }
  });
  path.edges.forEach((e, j) => {
    for (let f = 0; f < Fe; f++) { const q = nN + j * Fe + f, a = w[q] * delta[q]; edge[e] += a; edgeFeature[f] += a; sum += a; }
  });
  path.offE.forEach((e, j) => { const q = nN + nE + j, a = w[q] * delta[q]; edge[e] += a; edgeOffset += a; sum += a; });
  path.offN.forEach((v, j) => { const q = nN + nE + nO + j, a = w[q] * delta[q]; node[v] += a; nodeOffset += a; sum += a; });
  return {
    node, edge, nodeFeature, edgeFeature, edgeOffset, nodeOffset, fx, fBaseline, sum, gap: sum - target, steps, evaluations,
    changed: { nodes: path.nodes.length, edges: path.edges.length, offsets: path.offE.length + path.offN.length }, touched: path.touched,
  };
}
