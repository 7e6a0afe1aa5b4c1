// The graph network's forward pass (gnn.ts) kept stage by stage for one
// batch, so that after a change of weights only the stages from the changed
// layer on are recomputed: removing a connection of the graph head costs one
// small product, one of a message-passing layer the layers after it. Exact
// occlusion and the fidelity study remove connections thousands of times.
// Every stage repeats GraphNet.forward's operations in the same order, so the
// results are the same bits (the tests compare them).

import { LearnError } from './errors';
import { addOffset, combineEdgeHead, edgeHeadBlocks, offsetMargins, offsetPoolGain, worstOffsetMargin, poolWidth, predPoolWidth, type GraphNet } from './gnn';
import type { Batch } from './graph';
import { aggregate, poolRows } from './ops';

export class StagedForward {
  /** Stages: 0 encoders, 1..L message-passing layers, L+1 edge and node heads and the readout, L+2 the graph head. */
  readonly stages: number;
  private readonly h: Float32Array[] = [];
  private e: Float32Array = new Float32Array(0);
  private aE: Float32Array | null = null;
  private yE: Float32Array | null = null;
  private yN: Float32Array | null = null;
  private pool: Float32Array | null = null;
  private logits: Float32Array | null = null;
  /** Stages computed with weights that have changed since (see markStale). */
  private staleFrom = Infinity;

  constructor(readonly model: GraphNet, readonly batch: Batch) {
    this.stages = model.cfg.layers + 3;
    this.run(0);
  }

  /** The stage a layer's weights enter. */
  stageOf(layer: string): number {
    const L = this.model.cfg.layers;
    if (layer === 'enc.node' || layer === 'enc.edge') return 0;
    const m = /^mp(\d+)\./.exec(layer);
    if (m) return 1 + Number(m[1]);
    if (layer.startsWith('head.graph.')) return L + 2;
    if (layer.startsWith('head.')) return L + 1;
    throw new LearnError('bad-model', `no stage for layer ${layer}`);
  }

  /**
   * Says that weights entering stage `from` changed after the last run (e.g.
   * restored after a removal): the next run recomputes from there at least.
   */
  markStale(from: number): void {
    this.staleFrom = Math.min(this.staleFrom, from);
  }

  /** Recomputes stages from `from` on (and from any stale stage) with the model's current weights. */
  run(from: number): void {
    from = Math.min(from, this.staleFrom);
    this.staleFrom = Infinity;
    const { model, batch: bt } = this;
    const { hidden: H, headHidden: Hh, eps, residual, heads, layers: L } = model.cfg;
    const B = bt.size, N = bt.numNodes, E = bt.numEdges, NB = B * N, EB = B * E;
    if (from <= 0) {
      this.h[0] = model.layer('enc.node').forward(bt.nodeFeat, NB, true);
      this.e = model.layer('enc.edge').forward(bt.edgeFeat, EB, true);
    }
    for (let l = Math.max(0, from - 1); l < L; l++) {
      const h = this.h[l];
      const z = aggregate(h, this.e, bt.msgSrc, bt.msgDst, bt.msgEdge, H, 1 + eps);
      const a = model.layer(`mp${l}.lin1`).forward(z, NB, true);
      const c = model.layer(`mp${l}.lin2`).forward(a, NB, true);
      let hn = c;
      if (residual) {
        hn = new Float32Array(c.length);
        for (let i = 0; i < c.length; i++) hn[i] = c[i] + h[i];
      }
      this.h[l + 1] = hn;
    }
    const hL = this.h[L];
    if (from <= L + 1) {
      this.aE = this.yE = this.yN = null;
      if (model.layers.some((x) => x.name === 'head.edge.hidden')) {
        const [bs, bd, be] = edgeHeadBlocks(model.layer('head.edge.hidden'), H);
        this.aE = combineEdgeHead(bs.forward(hL, NB), bd.forward(hL, NB), be.forward(this.e, EB), bt.edgeSrc, bt.edgeDst, Hh);
        if (heads.edge) this.yE = addOffset(model.layer('head.edge.out').forward(this.aE, EB), bt.edgeOffset);
      }
      if (heads.node) {
        const aN = model.layer('head.node.hidden').forward(hL, NB, true);
        this.yN = addOffset(model.layer('head.node.out').forward(aN, NB), bt.nodeOffset);
      }
      if (heads.graph) this.pool = this.readout(hL);
    }
    if (heads.graph) {
      const P = poolWidth(model.cfg), nPred = predPoolWidth(model.cfg);
      const aG = model.layer('head.graph.hidden').forward(this.pool!, B, true);
      const g = model.layer('head.graph.out').forward(aG, B);
      if (nPred > 0) {
        const x = new Float32Array(B * nPred);
        for (let b = 0; b < B; b++) for (let j = 0; j < nPred; j++) x[b * nPred + j] = this.pool![b * P + P - nPred + j];
        const skip = model.layer('head.graph.skip').forward(x, B);
        for (let b = 0; b < B; b++) g[b] += skip[b];
      }
      this.logits = g;
    }
  }

  /** The graph readout, as GraphNet.forward builds it. */
  private readout(hL: Float32Array): Float32Array {
    const { model, batch: bt } = this;
    const { hidden: H, headHidden: Hh } = model.cfg;
    const B = bt.size, N = bt.numNodes, E = bt.numEdges;
    const P = poolWidth(model.cfg);
    const pool = new Float32Array(B * P);
    const nodeArg = new Int32Array(B * H), edgeArg = new Int32Array(B * Hh);
    const sum = new Float64Array(Math.max(H, Hh));
    const gain = model.cfg.predPoolGain;
    for (let b = 0; b < B; b++) {
      const p0 = b * P;
      poolRows(hL, H, b * N, (b + 1) * N, null, pool, p0, nodeArg, b * H, sum);
      poolRows(this.aE!, Hh, b * E, (b + 1) * E, bt.active, pool, p0 + 2 * H, edgeArg, b * Hh, sum);
      let at = p0 + 2 * H + 2 * Hh;
      if (this.yE) {
        const lim = bt.edgeLimit;
        let best = -Infinity, arg = -1;
        for (let ge = b * E; ge < (b + 1) * E; ge++) {
          if (!bt.active[ge]) continue;
          const m = lim ? this.yE[ge] - lim[ge] : this.yE[ge];
          if (m > best) { best = m; arg = ge; }
        }
        pool[at++] = arg >= 0 ? gain * best : 0;
      }
      if (this.yN) {
        const up = bt.nodeUpper, low = bt.nodeLower;
        let hi = -Infinity, lo = Infinity;
        for (let v = b * N; v < (b + 1) * N; v++) {
          const y = this.yN[v];
          const mh = up ? y - up[v] : y, ml = low ? y - low[v] : y;
          if (mh > hi) hi = mh;
          if (ml < lo) lo = ml;
        }
        pool[at++] = gain * hi;
        pool[at++] = gain * lo;
      }
      if (model.cfg.offsetPool) {
        const om = offsetMargins(E, N, b, bt.active, null, bt.edgeOffset, bt.edgeLimit, bt.nodeOffset, bt.nodeUpper, bt.nodeLower);
        if (this.yE) pool[at++] = offsetPoolGain(model.cfg) * om.edge;
        if (this.yN) { pool[at++] = offsetPoolGain(model.cfg) * om.up; pool[at++] = offsetPoolGain(model.cfg) * om.low; }
        if (this.yE || this.yN) pool[at++] = offsetPoolGain(model.cfg) * worstOffsetMargin(om, model.cfg.heads).value;
      }
    }
    return pool;
  }

  /**
   * The verdict logit and the largest edge prediction with the connections
   * `remove` (weight positions per layer index) set to zero; the weights are
   * restored and the stages marked stale before returning.
   */
  without(remove: ReadonlyMap<number, ArrayLike<number>>): { logit: number; maxEdge: number } {
    let from = Infinity;
    const saved: [Float32Array, number, number][] = [];
    for (const [li, ks] of remove) {
      const layer = this.model.layers[li], w = layer.weight.data;
      if (ks.length === 0) continue;
      from = Math.min(from, this.stageOf(layer.name));
      for (let j = 0; j < ks.length; j++) { saved.push([w, ks[j], w[ks[j]]]); w[ks[j]] = 0; }
    }
    if (from === Infinity) return { logit: this.logit(), maxEdge: this.maxEdge()?.value ?? NaN };
    this.run(from);
    const r = { logit: this.logit(), maxEdge: this.maxEdge()?.value ?? NaN };
    for (let j = saved.length - 1; j >= 0; j--) saved[j][0][saved[j][1]] = saved[j][2];
    this.markStale(from);
    return r;
  }

  /** The verdict logit of graph b. */
  logit(b = 0): number {
    if (!this.logits) throw new LearnError('bad-model', 'the model has no graph head');
    return this.logits[b];
  }

  /** The largest edge prediction over graph b's present edges and its edge (local index), or null without an edge head. */
  maxEdge(b = 0): { value: number; edge: number } | null {
    if (!this.yE) return null;
    const E = this.batch.numEdges;
    let value = -Infinity, edge = -1;
    for (let e = 0; e < E; e++) {
      const ge = b * E + e;
      if (this.batch.active[ge] && this.yE[ge] > value) { value = this.yE[ge]; edge = e; }
    }
    return { value, edge };
  }
}
