// How good the explanations are, measured on held-out outages.
//
// Connection fidelity, per ranking of the hidden layers' connections and per
// k (the score is the verdict logit):
//   R(k)      mean |score change| when the ranking's top k are removed,
//             divided by the same for k random connections drawn from the
//             same layers with the same per-layer counts (`draws` draws per
//             outage), with a bootstrap interval over outages;
//   flipRate  share of outages whose verdict changes when the top k go (fid+);
//   keptScore 1 - mean |f - f(only the top k)| / mean |f - f(no connection)|:
//             1 when the top k alone give the score, 0 when they do no
//             better than an empty network (fid-).
// Rankings: the explanation's, and as controls a random ranking, the
// inverse ranking (least |attribution| first), |attribution| alone and
// |weight|. The explanation's top k for a joint removal are the k strongest
// connections that push the score the same way: attributions are signed, and
// removing k connections of mixed signs cancels what each does (the k largest
// |attribution| of a verdict held up by one dominant path and opposed by a
// few others remove less than the dominant path's own k). Of the k most
// positive and the k most negative, the set whose attributions sum to more
// is taken (the best set under the first-order estimate the attributions
// are); k = 1 is the largest |attribution| either way.
//
// Physics agreement, per outage: precision@k and Jaccard of the top-k
// branches by |grid attribution| against the top-k by exact |flow change|;
// for the correctly predicted insecure outages with a counted overload,
// whether the most loaded overloaded branch is in the explanation's top 5,
// beside a random choice of 5 branches (its exact expectation) and the DC
// screen's top 5 by |LODF flow change|.

import { sigmoid } from './loss';
import { LearnError } from './errors';
import type { GraphNet } from './gnn';
import type { Batch } from './graph';
import { StagedForward } from './explain-forward';
import type { NetworkAttribution } from './explain';
import type { Rng } from './rng';

export const FIDELITY_KS: readonly number[] = [1, 5, 10, 50];
export const RANKINGS = ['attribution', 'random', 'inverse', 'magnitude', 'weight'] as const;
export type Ranking = (typeof RANKINGS)[number];

/** One outage's measurements for one ranking and k. */
interface Measured {
  /** |f - f(without top k)| and whether the verdict flipped. */
  change: number;
  flipped: boolean;
  /** |f - f(only top k)|. */
  keptGap: number;
  /** Mean |f - f(without k matched random connections)| over the draws. */
  randomChange: number;
}

export interface OutageFidelity {
  /** |f - f(no hidden connection)|. */
  emptyGap: number;
  /** By ranking, by k (null where k exceeds the connections). */
  byRanking: Record<Ranking, (Measured | null)[]>;
}

/** The hidden layers' connections as one list: layer index and weight position. */
export interface ConnectionIndex {
  layer: Int32Array;
  pos: Int32Array;
}

export function hiddenConnections(attr: NetworkAttribution, model: GraphNet): ConnectionIndex {
  const layer: number[] = [], pos: number[] = [];
  attr.layers.forEach((l, li) => {
    if (l.readout) return;
    if (model.layers[li].name !== l.name) throw new LearnError('bad-model', 'attribution and model layers differ');
    for (let q = 0; q < l.from.length; q++) { layer.push(li); pos.push(q); }
  });
  return { layer: Int32Array.from(layer), pos: Int32Array.from(pos) };
}

/** Connection indices (into ConnectionIndex) in the order of one key, largest first. */
function orderBy(idx: ConnectionIndex, key: (i: number) => number): Int32Array {
  const n = idx.layer.length;
  const keys = Float64Array.from({ length: n }, (_, i) => key(i));
  return Int32Array.from(Array.from({ length: n }, (_, i) => i).sort((a, b) => keys[b] - keys[a] || a - b));
}

/** Connection indices (into ConnectionIndex) in ranking order; 'attribution' by |attribution| (its sets: topConnections). */
export function rankConnections(ranking: Ranking, idx: ConnectionIndex, attr: NetworkAttribution, rng: Rng): Int32Array {
  const a = (i: number) => attr.layers[idx.layer[i]].verdict[idx.pos[i]];
  switch (ranking) {
    case 'random': return rng.shuffle(Int32Array.from({ length: idx.layer.length }, (_, i) => i));
    case 'weight': return orderBy(idx, (i) => Math.abs(attr.layers[idx.layer[i]].weight[idx.pos[i]]));
    case 'inverse': return orderBy(idx, (i) => -Math.abs(a(i)));
    case 'attribution': case 'magnitude': return orderBy(idx, (i) => Math.abs(a(i)));
  }
}

/** A ranking's top k for every k, as the sets removed together (see the head comment for 'attribution'). */
export function topConnections(ranking: Ranking, idx: ConnectionIndex, attr: NetworkAttribution, ks: readonly number[], rng: Rng): (Int32Array | null)[] {
  const n = idx.layer.length;
  if (ranking !== 'attribution') {
    const order = rankConnections(ranking, idx, attr, rng);
    return ks.map((k) => (k > n ? null : order.subarray(0, k)));
  }
  const a = (i: number) => attr.layers[idx.layer[i]].verdict[idx.pos[i]];
  const up = orderBy(idx, a), down = orderBy(idx, (i) => -a(i));
  const sum = (o: Int32Array, k: number) => { let t = 0; for (let j = 0; j < k; j++) t += a(o[j]); return Math.abs(t); };
  return ks.map((k) => (k > n ? null : sum(up, k) >= sum(down, k) ? up.subarray(0, k) : down.subarray(0, k)));
}

/** Groups connection indices by layer: layer index -> weight positions. */
function byLayer(idx: ConnectionIndex, set: ArrayLike<number>): Map<number, number[]> {
  const m = new Map<number, number[]>();
  for (let j = 0; j < set.length; j++) {
    const i = set[j];
    let l = m.get(idx.layer[i]);
    if (!l) m.set(idx.layer[i], (l = []));
    l.push(idx.pos[i]);
  }
  return m;
}

/** k distinct positions of a layer of n weights, uniformly. */
function drawPositions(n: number, k: number, rng: Rng): number[] {
  if (k >= n) return Array.from({ length: n }, (_, i) => i);
  const chosen = new Set<number>();
  while (chosen.size < k) chosen.add(rng.int(n));
  return [...chosen];
}

/**
 * The connection measurements of one outage (a batch of one): every ranking,
 * every k, `draws` matched random draws each. The model's weights are
 * restored before returning.
 */
export function measureOutage(
  model: GraphNet, batch: Batch, attr: NetworkAttribution, threshold: number, ks: readonly number[], draws: number, rng: Rng,
): OutageFidelity {
  const it = measureOutageSteps(model, batch, attr, threshold, ks, draws, rng);
  for (;;) {
    const r = it.next();
    if (r.done) return r.value;
  }
}

/**
 * The same, one (ranking, k) at a time: a caller that must stay responsive
 * (a server's event loop) yields between the steps. The weights are back
 * whenever the generator is suspended.
 */
export function* measureOutageSteps(
  model: GraphNet, batch: Batch, attr: NetworkAttribution, threshold: number, ks: readonly number[], draws: number, rng: Rng,
): Generator<void, OutageFidelity, void> {
  const sf = new StagedForward(model, batch);
  const f = sf.logit(), verdict = sigmoid(f) >= threshold;
  const idx = hiddenConnections(attr, model);
  const n = idx.layer.length;
  const all = Int32Array.from({ length: n }, (_, i) => i);
  const emptyGap = Math.abs(f - sf.without(byLayer(idx, all)).logit);
  const layerSize = new Map<number, number>();
  for (let i = 0; i < n; i++) layerSize.set(idx.layer[i], (layerSize.get(idx.layer[i]) ?? 0) + 1);
  const byRanking = {} as Record<Ranking, (Measured | null)[]>;
  for (const r of RANKINGS) {
    const tops = topConnections(r, idx, attr, ks, rng);
    byRanking[r] = [];
    for (const top of tops) {
      if (top === null) { byRanking[r].push(null); continue; }
      const removed = sf.without(byLayer(idx, top)).logit;
      const inTop = new Uint8Array(n);
      for (const i of top) inTop[i] = 1;
      const rest: number[] = [];
      for (let i = 0; i < n; i++) if (!inTop[i]) rest.push(i);
      const kept = sf.without(byLayer(idx, rest)).logit;
      const counts = byLayer(idx, top);
      let rand = 0;
      for (let d = 0; d < draws; d++) {
        const set = new Map<number, number[]>();
        for (const [li, ps] of counts) set.set(li, drawPositions(layerSize.get(li)!, ps.length, rng));
        rand += Math.abs(f - sf.without(set).logit);
      }
      byRanking[r].push({ change: Math.abs(f - removed), flipped: (sigmoid(removed) >= threshold) !== verdict, keptGap: Math.abs(f - kept), randomChange: rand / draws });
      yield;
    }
  }
  return { emptyGap, byRanking };
}


export interface FidelityRow {
  k: number;
  /** Null where k exceeds the model's connections (then `note` says so). */
  ratio: number | null;
  ratioLow: number | null;
  ratioHigh: number | null;
  flipRate: number | null;
  keptScore: number | null;
  /** Mean |score change| of the ranking's top k and of the matched random draws. */
  meanChange: number | null;
  meanRandomChange: number | null;
  note?: string;
}

/** Percentile of a sorted list (linear interpolation). */
function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  const x = p * (sorted.length - 1), lo = Math.floor(x), hi = Math.ceil(x);
  return sorted[lo] + (x - lo) * (sorted[hi] - sorted[lo]);
}

/** The rows of one ranking over outages, with a bootstrap interval (resampling outages) for R(k). */
export function fidelityRows(outages: readonly OutageFidelity[], ranking: Ranking, ks: readonly number[], connections: number, rng: Rng, bootstrap = 1000): FidelityRow[] {
  return ks.map((k, j) => {
    const pairs = outages.map((o) => ({ m: o.byRanking[ranking][j], empty: o.emptyGap })).filter((x): x is { m: Measured; empty: number } => x.m !== null);
    const ms = pairs.map((x) => x.m);
    if (k > connections || ms.length === 0) {
      return { k, ratio: null, ratioLow: null, ratioHigh: null, flipRate: null, keptScore: null, meanChange: null, meanRandomChange: null, note: k > connections ? `k = ${k} is more than the model's ${connections} connections` : 'no outage measured' };
    }
    const n = ms.length;
    let num = 0, den = 0, flips = 0, kept = 0, empty = 0;
    for (const { m, empty: e } of pairs) { num += m.change; den += m.randomChange; flips += m.flipped ? 1 : 0; kept += m.keptGap; empty += e; }
    const boots = new Float64Array(bootstrap);
    for (let b = 0; b < bootstrap; b++) {
      let a = 0, c = 0;
      for (let t = 0; t < n; t++) { const m = ms[rng.int(n)]; a += m.change; c += m.randomChange; }
      boots[b] = c > 0 ? a / c : NaN;
    }
    boots.sort();
    return {
      k, ratio: den > 0 ? num / den : null, ratioLow: percentile(boots, 0.025), ratioHigh: percentile(boots, 0.975),
      flipRate: flips / n, keptScore: empty > 0 ? 1 - kept / empty : null, meanChange: num / n, meanRandomChange: den / n,
    };
  });
}

/**
 * R(k) of ranking a minus R(k) of ranking b, with a paired bootstrap interval:
 * the same outages resampled for both, so the interval is that of the
 * difference, not two intervals side by side. Null without measurements.
 */
export function ratioDifference(
  outages: readonly OutageFidelity[], a: Ranking, b: Ranking, kIndex: number, rng: Rng, bootstrap = 1000,
): { difference: number; low: number; high: number } | null {
  const both = outages.map((o) => [o.byRanking[a][kIndex], o.byRanking[b][kIndex]] as const).filter((x): x is readonly [Measured, Measured] => x[0] !== null && x[1] !== null);
  const n = both.length;
  const diff = (pick: (t: number) => number) => {
    let na = 0, da = 0, nb = 0, db = 0;
    for (let t = 0; t < n; t++) { const [x, y] = both[pick(t)]; na += x.change; da += x.randomChange; nb += y.change; db += y.randomChange; }
    return da > 0 && db > 0 ? na / da - nb / db : NaN;
  };
  if (n === 0) return null;
  const boots = new Float64Array(bootstrap);
  for (let s = 0; s < bootstrap; s++) boots[s] = diff(() => rng.int(n));
  boots.sort();
  return { difference: diff((t) => t), low: percentile(boots, 0.025), high: percentile(boots, 0.975) };
}

/** One outage's branch rankings for the physics agreement (internal branch indices). */
export interface PhysicsCase {
  /** Branches with a non-zero grid attribution, largest |attribution| first. */
  explained: readonly number[];
  /** Every branch of the main island but the outaged one, by exact |flow change| and by the DC screen's |LODF flow change|. */
  exact: readonly number[];
  dc: readonly number[];
  /** The most loaded counted overload when the outage is insecure, predicted insecure and overloads something; else -1. */
  worstOverload: number;
}

export interface PhysicsAgreement {
  k: number;
  outages: number;
  precisionAtK: number;
  jaccardAtK: number;
  /** Correctly predicted insecure outages with a counted overload, and the share whose worst overload is in the top 5. */
  outagesWithOverload: number;
  overloadedInTop5: number | null;
  baselineRandom: number | null;
  baselineDcLodf: number | null;
  /** The DC screen's ranking against the exact one (the same measures). */
  dcLodf: { precisionAtK: number; jaccardAtK: number };
}

function overlap(a: readonly number[], b: readonly number[], k: number): { precision: number; jaccard: number } {
  const A = new Set(a.slice(0, k)), B = new Set(b.slice(0, k));
  let inter = 0;
  for (const x of A) if (B.has(x)) inter++;
  const union = A.size + B.size - inter;
  return { precision: inter / k, jaccard: union > 0 ? inter / union : 1 };
}

export function physicsAgreement(cases: readonly PhysicsCase[], k: number): PhysicsAgreement {
  let p = 0, j = 0, dp = 0, dj = 0, n = 0, withO = 0, hit = 0, rnd = 0, dcHit = 0;
  for (const c of cases) {
    if (c.exact.length === 0) continue;
    n++;
    const e = overlap(c.explained, c.exact, k), d = overlap(c.dc, c.exact, k);
    p += e.precision; j += e.jaccard; dp += d.precision; dj += d.jaccard;
    if (c.worstOverload >= 0) {
      withO++;
      if (c.explained.slice(0, 5).includes(c.worstOverload)) hit++;
      if (c.dc.slice(0, 5).includes(c.worstOverload)) dcHit++;
      rnd += Math.min(1, 5 / c.exact.length);
    }
  }
  const share = (x: number) => (withO > 0 ? x / withO : null);
  return {
    k, outages: n, precisionAtK: n ? p / n : NaN, jaccardAtK: n ? j / n : NaN, outagesWithOverload: withO,
    overloadedInTop5: share(hit), baselineRandom: share(rnd), baselineDcLodf: share(dcHit),
    dcLodf: { precisionAtK: n ? dp / n : NaN, jaccardAtK: n ? dj / n : NaN },
  };
}
