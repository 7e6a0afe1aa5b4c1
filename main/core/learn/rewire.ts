// One rewiring step of a sparse layer: prune the fraction zeta of its
// connections with the smallest |w|, then regrow exactly as many connections
// that did not exist before this step, chosen by
//   random   (SET, Mocanu et al. 2018): uniformly among the absent pairs;
//   gradient (RigL, Evci et al. 2020): largest |dL/dw| of the absent pairs,
//            from a dense gradient captured for this step only;
//   ch3l3    (CHT, Zhang et al. 2024): highest CH3-L3 score on the pruned
//            layer graph, random for whatever the positive scores cannot fill.
// Survivors keep their weight and optimiser moments; regrown connections
// start at zero weight with zero moments. The count never changes, indices
// stay sorted and distinct.

import { ch3l3Scores, countL3Paths } from './ch3l3';
import { LearnError } from './errors';
import type { Rng } from './rng';
import { bottomK, sampleDistinct, topK } from './select';
import { type SparseLayer, csrFromPositions } from './sparse';

export type RegrowRule = 'random' | 'gradient' | 'ch3l3';
export const REGROW_RULES: readonly RegrowRule[] = ['random', 'gradient', 'ch3l3'];

export interface RewireOptions {
  zeta: number;
  regrow: RegrowRule;
  rng: Rng;
  /** Dense dL/dW [out x in] for 'gradient' regrowth. */
  denseGrad?: Float32Array | null;
  /** CH3-L3 path budget; a layer with more length-3 paths regrows at random. */
  maxPaths?: number;
}

export interface RewireStats {
  layer: string;
  connections: number;
  pruned: number;
  regrown: number;
  /** Regrown by the rule's score (the rest were drawn at random). */
  byScore: number;
  /** Why the rule fell back to random, if it did. */
  fallback?: string;
}

export const DEFAULT_MAX_PATHS = 40_000_000;

export function rewireLayer(layer: SparseLayer, opts: RewireOptions): RewireStats {
  const { rng, regrow } = opts;
  const nnz = layer.nnz(), total = layer.nIn * layer.nOut;
  const stats: RewireStats = { layer: layer.name, connections: nnz, pruned: 0, regrown: 0, byScore: 0 };
  if (!(opts.zeta >= 0 && opts.zeta <= 1)) throw new LearnError('bad-config', `zeta must be in [0, 1], got ${opts.zeta}`);
  const k = Math.min(Math.round(opts.zeta * nnz), nnz, total - nnz);
  if (k <= 0) return stats;

  // Prune the k smallest magnitudes.
  const w = layer.weight.data, m = layer.weight.m, v = layer.weight.v;
  const mag = new Float64Array(nnz);
  for (let j = 0; j < nnz; j++) mag[j] = Math.abs(w[j]);
  const pruned = bottomK(mag, k, rng);
  const oldPos = layer.positions();
  const keep = new Uint8Array(nnz).fill(1);
  for (let j = 0; j < k; j++) keep[pruned[j]] = 0;

  // taken[p]: 1 = existed before this step (survivor or just pruned), 2 = chosen now.
  const taken = new Uint8Array(total);
  for (let j = 0; j < nnz; j++) taken[oldPos[j]] = 1;

  const chosen: number[] = [];
  if (regrow === 'gradient') {
    const G = opts.denseGrad;
    if (!G || G.length !== total) throw new LearnError('bad-config', `layer ${layer.name}: gradient regrowth needs a ${layer.nOut}x${layer.nIn} dense gradient`);
    const cand = new Int32Array(total - nnz);
    const sc = new Float64Array(total - nnz);
    let c = 0;
    for (let p = 0; p < total; p++) if (!taken[p]) { cand[c] = p; sc[c++] = Math.abs(G[p]); }
    for (const j of topK(sc, k, rng)) chosen.push(cand[j]);
    stats.byScore = k;
  } else if (regrow === 'ch3l3') {
    // Score on the layer as it is after pruning.
    const survivors = new Int32Array(nnz - k);
    for (let j = 0, s = 0; j < nnz; j++) if (keep[j]) survivors[s++] = oldPos[j];
    const { rowPtr, col } = csrFromPositions(layer.nIn, layer.nOut, survivors);
    const paths = countL3Paths(layer.nIn, layer.nOut, rowPtr, col);
    if (paths > (opts.maxPaths ?? DEFAULT_MAX_PATHS)) {
      stats.fallback = `${paths} length-3 paths exceed the budget`;
    } else {
      const { position, score } = ch3l3Scores(layer.nIn, layer.nOut, rowPtr, col);
      // Pairs pruned in this very step are not candidates (regrowth adds new links).
      const cand: number[] = [], sc: number[] = [];
      for (let j = 0; j < position.length; j++) {
        if (!taken[position[j]] && score[j] > 0) { cand.push(position[j]); sc.push(score[j]); }
      }
      for (const j of topK(sc, Math.min(k, cand.length), rng)) chosen.push(cand[j]);
      stats.byScore = chosen.length;
      if (chosen.length < k) stats.fallback = `${cand.length} positive CH3-L3 candidates for ${k} regrowths`;
    }
  } else if (regrow !== 'random') {
    throw new LearnError('bad-config', `regrow must be one of ${REGROW_RULES.join(', ')}, got '${regrow}'`);
  }
  for (const p of chosen) taken[p] = 2;
  if (chosen.length < k) for (const p of randomFree(taken, k - chosen.length, rng)) chosen.push(p);

  // Merge survivors (sorted) with the new positions (sorted).
  const fresh = Int32Array.from(chosen).sort();
  const pos = new Int32Array(nnz);
  const nw = new Float32Array(nnz), nm = new Float32Array(nnz), nv = new Float32Array(nnz);
  let a = 0, b = 0, out = 0;
  while (a < nnz || b < fresh.length) {
    while (a < nnz && !keep[a]) a++;
    const takeOld = a < nnz && (b >= fresh.length || oldPos[a] < fresh[b]);
    if (takeOld) {
      pos[out] = oldPos[a];
      nw[out] = w[a];
      nm[out] = m[a];
      nv[out] = v[a];
      a++;
    } else if (b < fresh.length) {
      pos[out] = fresh[b++];
    } else break;
    out++;
  }
  if (out !== nnz) throw new LearnError('bad-state', `layer ${layer.name}: rewiring produced ${out} connections instead of ${nnz}`);
  const csr = csrFromPositions(layer.nIn, layer.nOut, pos);
  layer.setTopology(csr.rowPtr, csr.col, nw, nm, nv);
  stats.pruned = k;
  stats.regrown = k;
  return stats;
}

/** k distinct positions p with taken[p] === 0, uniformly at random, ascending. */
function randomFree(taken: Uint8Array, k: number, rng: Rng): Int32Array {
  const total = taken.length;
  let free = 0;
  for (let p = 0; p < total; p++) if (!taken[p]) free++;
  if (k > free) throw new LearnError('bad-state', `cannot regrow ${k} connections: only ${free} free pairs`);
  if (free * 2 >= total) {
    // Mostly free: rejection sampling.
    const out = new Int32Array(k);
    const mark = new Set<number>();
    let n = 0;
    while (n < k) {
      const p = rng.int(total);
      if (taken[p] || mark.has(p)) continue;
      mark.add(p);
      out[n++] = p;
    }
    return out.sort();
  }
  const list = new Int32Array(free);
  for (let p = 0, c = 0; p < total; p++) if (!taken[p]) list[c++] = p;
  const pick = sampleDistinct(free, k, rng);
  const out = new Int32Array(k);
  for (let j = 0; j < k; j++) out[j] = list[pick[j]];
  return out;
}
