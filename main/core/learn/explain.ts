// Which connections of the sparse network drive one verdict.
//
// Connections. A connection's attribution is gradient x weight, the
// gradient being the parameter gradient of one backward pass with a unit
// gradient on the output: it sums the weight's share over every node, edge
// and message-passing step the shared weight is applied at. It is the
// first-order estimate of what removing the connection takes away,
// f(w) - f(w without it); the network is piecewise linear in any single
// weight, so the estimate is exact unless a unit switches on the way (exact
// occlusion, which recomputes the network without each connection, is the
// reference). Two outputs: the verdict (the insecure logit) and the
// predicted maximum post-outage loading (the largest edge-head prediction
// over the present branches).
//
// Neurons. A unit's attribution is activation x gradient summed over every
// row it is applied to: the first-order estimate of silencing the unit. For
// a ReLU unit it equals the sum of its incoming connections' attributions
// plus its bias's (gradient x bias): the units rank consistently with the
// connections, from the same backward pass and nothing more.
//
// Paths. The main chain enc.node -> mp0.lin1 -> mp0.lin2 -> ... -> head
// hidden -> readout is a layered graph whose unit f of one layer is input f
// of the next (the aggregation and the residual keep unit indices; the heads
// read h_L twice, as mean and max, or as source and destination). The best
// paths by summed log |attribution| (the product of their attributions'
// sizes) come from a k-best dynamic programme over it.

import { LearnError } from './errors';
import type { ForwardCache, GraphNet } from './gnn';
import type { Batch } from './graph';
import type { Layer } from './layer';
import { sigmoid, type HeadOutputs } from './loss';
import { StagedForward } from './explain-forward';
import type { ExplainedConnection, ExplainedLayer, ExplainedPath, ExplainTarget, NetworkExplanation, SurrogateVerdict } from './explain-types';

/** Each weight's input and output, in weight order. */
export function layerConnections(l: Layer): { from: Int32Array; to: Int32Array } {
  const n = l.nnz();
  const from = new Int32Array(n), to = new Int32Array(n);
  if (l.kind === 'sparse') {
    const s = l as Layer & { rowPtr: Int32Array; col: Int32Array };
    for (let o = 0; o < l.nOut; o++) for (let k = s.rowPtr[o]; k < s.rowPtr[o + 1]; k++) { from[k] = s.col[k]; to[k] = o; }
  } else {
    for (let o = 0; o < l.nOut; o++) for (let i = 0; i < l.nIn; i++) { from[o * l.nIn + i] = i; to[o * l.nIn + i] = o; }
  }
  return { from, to };
}

/** Readouts are dense, never rewired and outside the ranking (gnn.ts layerSpecs). */
export const isReadout = (name: string): boolean => name.endsWith('.out') || name === 'head.graph.skip';

export interface LayerAttribution {
  name: string;
  layer: Layer;
  readout: boolean;
  from: Int32Array;
  to: Int32Array;
  weight: Float32Array;
  verdict: Float64Array;
  loading: Float64Array | null;
  unitVerdict: Float64Array;
  unitLoading: Float64Array | null;
}

export interface NetworkAttribution {
  logit: number;
  prob: number;
  /** Largest edge prediction over present edges and its edge; largest margins the verdict is named by. */
  maxEdge: { value: number; edge: number } | null;
  margins: { edge: number; upper: number; lower: number };
  layers: LayerAttribution[];
  /** Input x gradient of the verdict per feature column, summed over the rows. */
  inputs: { node: Float64Array; edge: Float64Array };
}

/**
 * Connection and unit attributions of one sample (batch of one) for the
 * verdict and the predicted maximum loading: one forward, two backward
 * passes. Leaves the model's gradients at zero.
 */
export function attributeNetwork(model: GraphNet, batch: Batch, full?: { out: HeadOutputs; cache: ForwardCache }): NetworkAttribution {
  if (batch.size !== 1) throw new LearnError('bad-sample', 'an explanation is of one sample');
  if (!model.cfg.heads.graph) throw new LearnError('bad-model', 'explaining a verdict needs a graph head');
  const { out, cache } = full ?? model.forward(batch);
  const E = batch.numEdges, N = batch.numNodes;
  model.zeroGrad();
  const ig = model.backward(batch, cache, { edge: null, node: null, graph: Float32Array.of(1) }, { inputGrad: true })!;
  const grads = (): { w: Float64Array[]; b: Float64Array[] } => ({
    w: model.layers.map((l) => Float64Array.from(l.weight.grad)), b: model.layers.map((l) => Float64Array.from(l.bias.grad)),
  });
  const gv = grads();
  let maxEdge: { value: number; edge: number } | null = null;
  let gl: ReturnType<typeof grads> | null = null;
  if (out.edge) {
    let value = -Infinity, edge = -1;
    for (let e = 0; e < E; e++) if (batch.active[e] && out.edge[e] > value) { value = out.edge[e]; edge = e; }
    if (edge >= 0) {
      maxEdge = { value, edge };
      model.zeroGrad();
      edgeOutputBackward(model, batch, cache, edge);
      gl = grads();
    }
  }
  model.zeroGrad();
  const layers = model.layers.map((layer, i): LayerAttribution => {
    const { from, to } = layerConnections(layer);
    const w = layer.weight.data, b = layer.bias.data;
    const mk = (g: { w: Float64Array[]; b: Float64Array[] }) => {
      const a = new Float64Array(w.length), unit = new Float64Array(layer.nOut);
      for (let k = 0; k < w.length; k++) { a[k] = g.w[i][k] * w[k]; unit[to[k]] += a[k]; }
      for (let o = 0; o < layer.nOut; o++) unit[o] += g.b[i][o] * b[o];
      return { a, unit };
    };
    const v = mk(gv), l = gl ? mk(gl) : null;
    return { name: layer.name, layer, readout: isReadout(layer.name), from, to, weight: Float32Array.from(w), verdict: v.a, loading: l?.a ?? null, unitVerdict: v.unit, unitLoading: l?.unit ?? null };
  });
  const Fn = model.cfg.nodeFeatDim, Fe = model.cfg.edgeFeatDim;
  const node = new Float64Array(Fn), edge = new Float64Array(Fe);
  for (let v = 0; v < N; v++) for (let f = 0; f < Fn; f++) node[f] += batch.nodeFeat[v * Fn + f] * ig.nodeFeat[v * Fn + f];
  for (let e = 0; e < E; e++) for (let f = 0; f < Fe; f++) edge[f] += batch.edgeFeat[e * Fe + f] * ig.edgeFeat[e * Fe + f];
  const logit = out.graph![0];
  return { logit, prob: sigmoid(logit), maxEdge, margins: headMargins(batch, out.edge, out.node), layers, inputs: { node, edge } };
}

/**
 * Parameter gradients of one edge's prediction (GraphNet.backward with a unit
 * gradient on that edge alone), computed on its receptive field only: the
 * rows L hops around the edge, every other row's gradient being zero. On a
 * large grid this is a small fraction of the full backward pass.
 */
export function edgeOutputBackward(model: GraphNet, batch: Batch, cache: ForwardCache, edge: number): void {
  const { hidden: H, headHidden: Hh, eps, residual, layers: L } = model.cfg;
  const N = batch.numNodes;
  const hL = cache.h[L], src = batch.edgeSrc[edge], dst = batch.edgeDst[edge];
  const aE = cache.aE!.subarray(edge * Hh, (edge + 1) * Hh);
  const daE = model.layer('head.edge.out').backward(aE, Float32Array.of(1), 1, true)!;
  for (let f = 0; f < Hh; f++) daE[f] *= +(aE[f] > 0);
  const q = new Float32Array(3 * H);
  q.set(hL.subarray(src * H, (src + 1) * H), 0);
  q.set(hL.subarray(dst * H, (dst + 1) * H), H);
  q.set(cache.e.subarray(edge * H, (edge + 1) * H), 2 * H);
  const dq = model.layer('head.edge.hidden').backward(q, daE, 1, true)!;
  // Gradients of node states and edge encodings, by row (only the rows reached).
  let dh = new Map<number, Float32Array>();
  const de = new Map<number, Float32Array>();
  const add = (m: Map<number, Float32Array>, r: number, g: Float32Array, at: number) => {
    let row = m.get(r);
    if (!row) m.set(r, (row = new Float32Array(H)));
    for (let f = 0; f < H; f++) row[f] += g[at + f];
  };
  add(dh, src, dq, 0);
  add(dh, dst, dq, H);
  add(de, edge, dq, 2 * H);
  // Messages by destination, once.
  const into: number[][] = Array.from({ length: N }, () => []);
  for (let k = 0; k < batch.msgDst.length; k++) into[batch.msgDst[k]].push(k);
  for (let l = L - 1; l >= 0; l--) {
    const rows = [...dh.keys()].sort((a, b) => a - b), n = rows.length;
    const gather = (a: Float32Array) => { const o = new Float32Array(n * H); rows.forEach((v, j) => o.set(a.subarray(v * H, (v + 1) * H), j * H)); return o; };
    const dc = new Float32Array(n * H);
    rows.forEach((v, j) => dc.set(dh.get(v)!, j * H));
    const c = gather(cache.c[l]), a = gather(cache.a[l]), z = gather(cache.z[l]);
    const dres = residual ? dc.slice() : null;
    for (let i = 0; i < dc.length; i++) dc[i] *= +(c[i] > 0);
    const da = model.layer(`mp${l}.lin2`).backward(a, dc, n, true)!;
    for (let i = 0; i < da.length; i++) da[i] *= +(a[i] > 0);
    const dz = model.layer(`mp${l}.lin1`).backward(z, da, n, true)!;
    const prev = new Map<number, Float32Array>();
    const h = cache.h[l], e = cache.e;
    rows.forEach((v, j) => {
      const row = new Float32Array(H);
      for (let f = 0; f < H; f++) row[f] = (1 + eps) * dz[j * H + f] + (dres ? dres[j * H + f] : 0);
      const old = prev.get(v);
      if (old) for (let f = 0; f < H; f++) old[f] += row[f]; else prev.set(v, row);
      for (const k of into[v]) {
        const u = batch.msgSrc[k], ee = batch.msgEdge[k];
        const g = new Float32Array(H);
        for (let f = 0; f < H; f++) g[f] = dz[j * H + f] * +(h[u * H + f] + e[ee * H + f] > 0);
        add(prev, u, g, 0);
        add(de, ee, g, 0);
      }
    });
    dh = prev;
  }
  const encode = (name: string, x: Float32Array, act: Float32Array, m: Map<number, Float32Array>, F: number) => {
    const rows = [...m.keys()].sort((a, b) => a - b), n = rows.length;
    const xs = new Float32Array(n * F), d = new Float32Array(n * H);
    rows.forEach((r, j) => {
      xs.set(x.subarray(r * F, (r + 1) * F), j * F);
      const g = m.get(r)!;
      for (let f = 0; f < H; f++) d[j * H + f] = g[f] * +(act[r * H + f] > 0);
    });
    model.layer(name).backward(xs, d, n, false);
  };
  encode('enc.edge', batch.edgeFeat, cache.e, de, model.cfg.edgeFeatDim);
  encode('enc.node', batch.nodeFeat, cache.h[0], dh, model.cfg.nodeFeatDim);
}

/** The largest predicted margins the readout measures (edge over its limit, node over its upper limit, node over its lower limit). */
function headMargins(batch: Batch, yE: Float32Array | null, yN: Float32Array | null): { edge: number; upper: number; lower: number } {
  let edge = -Infinity, upper = -Infinity, lower = Infinity;
  if (yE) for (let e = 0; e < batch.numEdges; e++) if (batch.active[e]) edge = Math.max(edge, yE[e] - (batch.edgeLimit ? batch.edgeLimit[e] : 0));
  if (yN) for (let v = 0; v < batch.numNodes; v++) {
    upper = Math.max(upper, yN[v] - (batch.nodeUpper ? batch.nodeUpper[v] : 0));
    lower = Math.min(lower, yN[v] - (batch.nodeLower ? batch.nodeLower[v] : 0));
  }
  return { edge, upper, lower };
}

/**
 * The verdict at threshold th, named as `gridrewire predict` names it: secure
 * below the threshold, else by which predicted margins are positive.
 */
export function surrogateVerdict(prob: number, th: number, m: { edge: number; upper: number; lower: number }): SurrogateVerdict {
  if (!(prob >= th)) return 'secure';
  const over = m.edge > 0, volt = m.upper > 0 || m.lower < 0;
  return over && volt ? 'overload+voltage' : over ? 'overload' : volt ? 'voltage' : 'insecure';
}

export interface Occlusion {
  /** Per layer (model order), per weight: f(model) - f(model without that connection); null for readouts. */
  verdict: (Float64Array | null)[];
  loading: (Float64Array | null)[];
  seconds: number;
}

/**
 * Exact single-connection occlusion of every connection of the hidden
 * layers: each removed in turn, the network recomputed from its layer on.
 */
export function occludeConnections(model: GraphNet, batch: Batch, shouldStop?: () => boolean): Occlusion {
  const t0 = performance.now();
  const sf = new StagedForward(model, batch);
  const f0 = sf.logit(), m0 = sf.maxEdge()?.value ?? NaN;
  const verdict: (Float64Array | null)[] = [], loading: (Float64Array | null)[] = [];
  for (const layer of model.layers) {
    if (isReadout(layer.name)) { verdict.push(null); loading.push(null); continue; }
    const li = model.layers.indexOf(layer), w = layer.weight.data;
    const dv = new Float64Array(w.length), dl = new Float64Array(w.length);
    const one = new Int32Array(1), remove = new Map([[li, one]]);
    for (let k = 0; k < w.length; k++) {
      if (shouldStop?.()) throw new LearnError('bad-config', 'occlusion cancelled');
      if (w[k] === 0) continue;
      one[0] = k;
      const r = sf.without(remove);
      dv[k] = f0 - r.logit;
      dl[k] = m0 - r.maxEdge;
    }
    verdict.push(dv);
    loading.push(dl);
  }
  return { verdict, loading, seconds: (performance.now() - t0) / 1000 };
}

/** Ranks 1..n with ties at their average rank. */
function ranks(x: ArrayLike<number>): Float64Array {
  const idx = Array.from({ length: x.length }, (_, i) => i).sort((a, b) => x[a] - x[b]);
  const r = new Float64Array(x.length);
  for (let i = 0; i < idx.length;) {
    let j = i;
    while (j + 1 < idx.length && x[idx[j + 1]] === x[idx[i]]) j++;
    for (let t = i; t <= j; t++) r[idx[t]] = (i + j) / 2 + 1;
    i = j + 1;
  }
  return r;
}

/** Spearman rank correlation (Pearson of the ranks); NaN for fewer than two values or a constant one. */
export function spearman(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = a.length;
  if (n < 2 || b.length !== n) return NaN;
  const ra = ranks(a), rb = ranks(b);
  let ma = 0, mb = 0;
  for (let i = 0; i < n; i++) { ma += ra[i]; mb += rb[i]; }
  ma /= n; mb /= n;
  let sab = 0, saa = 0, sbb = 0;
  for (let i = 0; i < n; i++) { const da = ra[i] - ma, db = rb[i] - mb; sab += da * db; saa += da * da; sbb += db * db; }
  return saa > 0 && sbb > 0 ? sab / Math.sqrt(saa * sbb) : NaN;
}

/** Spearman correlation of attribution and occlusion over the `top` connections with the largest |occlusion|. */
export function occlusionAgreement(attr: readonly (Float64Array | null)[], occ: readonly (Float64Array | null)[], top = 50): number {
  const pairs: [number, number][] = [];
  attr.forEach((a, i) => { const o = occ[i]; if (a && o) for (let k = 0; k < a.length; k++) pairs.push([o[k], a[k]]); });
  pairs.sort((p, q) => Math.abs(q[0]) - Math.abs(p[0]));
  const sel = pairs.slice(0, top);
  return spearman(sel.map((p) => p[0]), sel.map((p) => p[1]));
}

/** The main chain of layers for a target, and the input columns of each layer that read unit u of the layer before. */
function chain(model: GraphNet, target: ExplainTarget): { layers: string[]; cols: (u: number, t: number) => number[] } | null {
  const L = model.cfg.layers, H = model.cfg.hidden;
  const has = (n: string) => model.layers.some((l) => l.name === n);
  const head = target === 'verdict' ? ['head.graph.hidden', 'head.graph.out'] : ['head.edge.hidden', 'head.edge.out'];
  if (!head.every(has)) return null;
  const layers = ['enc.node'];
  for (let l = 0; l < L; l++) layers.push(`mp${l}.lin1`, `mp${l}.lin2`);
  layers.push(...head);
  const headIn = layers.length - 2;
  // Into the head's hidden layer h_L is read twice: mean and max (graph), source and destination (edge).
  return { layers, cols: (u, t) => (t === headIn ? [u, H + u] : [u]) };
}

/** The k best input-to-output paths of a target by summed log |attribution| (k-best dynamic programme over the chain). */
export function bestPaths(model: GraphNet, attr: NetworkAttribution, target: ExplainTarget, k: number): ExplainedPath[] {
  const ch = chain(model, target);
  if (!ch || k <= 0) return [];
  const byName = new Map(attr.layers.map((l) => [l.name, l]));
  // A partial path is its last connection and a link to the partial path it extends.
  interface Entry { score: number; t: number; q: number; prev: Entry | null }
  const insert = (list: Entry[], e: Entry) => {
    let i = list.length;
    while (i > 0 && list[i - 1].score < e.score) i--;
    if (i >= k) return;
    list.splice(i, 0, e);
    if (list.length > k) list.pop();
  };
  const first = byName.get(ch.layers[0])!.layer.nIn;
  let cur: Entry[][] = Array.from({ length: first }, () => [{ score: 0, t: -1, q: -1, prev: null }]);
  const levels: LayerAttribution[] = [];
  for (let t = 0; t < ch.layers.length; t++) {
    const la = byName.get(ch.layers[t])!;
    levels.push(la);
    const a = target === 'verdict' ? la.verdict : la.loading;
    if (!a) return [];
    // Input column c of this layer reads unit unitOf[c] of the level before (-1: off the chain).
    const unitOf = new Int32Array(la.layer.nIn).fill(-1);
    if (t === 0) for (let c = 0; c < la.layer.nIn; c++) unitOf[c] = c;
    else for (let u = 0; u < cur.length; u++) for (const c of ch.cols(u, t)) if (c < la.layer.nIn) unitOf[c] = u;
    const next: Entry[][] = Array.from({ length: la.layer.nOut }, () => []);
    for (let q = 0; q < la.from.length; q++) {
      const u = unitOf[la.from[q]];
      if (u < 0 || a[q] === 0) continue;
      const s = Math.log(Math.abs(a[q])), into = next[la.to[q]];
      for (const p of cur[u]) {
        const score = p.score + s;
        if (into.length >= k && score <= into[into.length - 1].score) break; // cur[u] is sorted: the rest are worse
        insert(into, { score, t, q, prev: p });
      }
    }
    cur = next;
  }
  const best: Entry[] = [];
  for (const list of cur) for (const e of list) insert(best, e);
  return best.map((e) => {
    const steps: ExplainedConnection[] = [];
    for (let p: Entry | null = e; p && p.t >= 0; p = p.prev) {
      const la = levels[p.t], q = p.q;
      steps.push({ layer: la.name, from: la.from[q], to: la.to[q], weight: la.weight[q], attribution: la.verdict[q], attributionLoading: la.loading ? la.loading[q] : null });
    }
    return { target, score: e.score, steps: steps.reverse() };
  });
}

/** What each layer reads, for the reader of a drawing. */
function readsOf(model: GraphNet, name: string): string {
  const L = model.cfg.layers;
  if (name === 'enc.node') return 'node features';
  if (name === 'enc.edge') return 'branch features';
  const m = /^mp(\d+)\.lin(\d)$/.exec(name);
  if (m) return m[2] === '2' ? `mp${m[1]}.lin1` : `aggregated h${m[1]} (${Number(m[1]) === 0 ? 'enc.node' : `mp${Number(m[1]) - 1}.lin2`} + enc.edge messages)`;
  if (name === 'head.edge.hidden') return `[h${L}(from) | h${L}(to) | enc.edge]`;
  if (name === 'head.node.hidden') return `h${L}`;
  if (name === 'head.graph.hidden') return `[mean h${L} | max h${L} | mean edge head | max edge head | largest predicted margins]`;
  if (name === 'head.graph.skip') return 'largest predicted margins';
  return name.replace(/\.out$/, '.hidden');
}

export const NETWORK_METHOD =
  'connections: gradient x weight (parameter gradient of one backward pass, summed over every node, edge and layer application); ' +
  'neurons: activation x gradient summed over every row (= incoming connections + bias); ' +
  'paths: k best by summed log |attribution| along enc.node -> mp layers -> head';

/** The JSON-able network part of an explanation, connections ranked by |verdict attribution|. */
export function networkExplanation(model: GraphNet, attr: NetworkAttribution, names: { node: readonly string[]; edge: readonly string[] }, opts: { paths?: number; occlusion?: Occlusion } = {}): NetworkExplanation {
  const connections: ExplainedConnection[] = [], readouts: ExplainedConnection[] = [];
  const layers: ExplainedLayer[] = attr.layers.map((la, i) => {
    const occ = opts.occlusion;
    for (let q = 0; q < la.from.length; q++) {
      const c: ExplainedConnection = { layer: la.name, from: la.from[q], to: la.to[q], weight: la.weight[q], attribution: la.verdict[q], attributionLoading: la.loading ? la.loading[q] : null };
      if (occ && occ.verdict[i]) { c.occlusion = occ.verdict[i]![q]; c.occlusionLoading = la.loading ? occ.loading[i]![q] : null; }
      (la.readout ? readouts : connections).push(c);
    }
    return {
      name: la.name, nIn: la.layer.nIn, nOut: la.layer.nOut, kind: la.layer.kind, readout: la.readout, connections: la.from.length, reads: readsOf(model, la.name),
      units: Array.from(la.unitVerdict, (a, unit) => ({ unit, attribution: a, attributionLoading: la.unitLoading ? la.unitLoading[unit] : null })),
    };
  });
  connections.sort((a, b) => Math.abs(b.attribution) - Math.abs(a.attribution));
  const k = opts.paths ?? 10;
  const feat = (names: readonly string[], v: Float64Array) => Array.from(v, (a, f) => ({ feature: names[f] ?? `feature ${f}`, attribution: a }));
  return {
    layers, connections, readouts,
    paths: [...bestPaths(model, attr, 'verdict', k), ...bestPaths(model, attr, 'loading', k)],
    inputs: { node: feat(names.node, attr.inputs.node), edge: feat(names.edge, attr.inputs.edge) },
    method: NETWORK_METHOD,
  };
}
