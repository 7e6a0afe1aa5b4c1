// A synthetic graph task with the shape of N-1 screening, for tests and
// benchmarks: one topology (a ring with chords), per-sample node values and
// edge capacities, one edge removed per sample. Targets:
//   edge:  load_e = |x_u - x_v| * cap_e          (present edges)
//   node:  mean of x over present neighbours
//   graph: 1 when some present edge has load_e > threshold
// The threshold is set from the data so about `positiveRate` are positive.

import type { GraphSample, GraphTopology } from './graph';
import { Rng } from './rng';

export interface SyntheticTask {
  graph: GraphTopology;
  samples: GraphSample[];
  threshold: number;
  nodeFeatDim: number;
  edgeFeatDim: number;
}

/** Ring of n nodes plus `chords` extra edges between random non-adjacent nodes. */
export function ringWithChords(n: number, chords: number, rng: Rng): GraphTopology {
  const src: number[] = [], dst: number[] = [];
  const seen = new Set<string>();
  const add = (a: number, b: number) => {
    const key = a < b ? `${a}-${b}` : `${b}-${a}`;
    if (a === b || seen.has(key)) return false;
    seen.add(key);
    src.push(a);
    dst.push(b);
    return true;
  };
  for (let i = 0; i < n; i++) add(i, (i + 1) % n);
  let tries = 0;
  for (let c = 0; c < chords && tries < chords * 100; tries++) if (add(rng.int(n), rng.int(n))) c++;
  return { numNodes: n, src: Int32Array.from(src), dst: Int32Array.from(dst) };
}

export interface SyntheticOptions {
  nodes: number;
  chords: number;
  samples: number;
  seed: number;
  /** Fraction of positive graphs (default 0.4). */
  positiveRate?: number;
  /** Drop samples whose largest load is within this relative margin of the threshold (a cleaner boundary). */
  margin?: number;
}

export function syntheticTask(opts: SyntheticOptions): SyntheticTask {
  const rng = new Rng(opts.seed);
  const graph = ringWithChords(opts.nodes, opts.chords, rng);
  const N = graph.numNodes, E = graph.src.length;
  const Fn = 3, Fe = 2;
  const raw: { x: Float32Array; cap: Float32Array; mask: Uint8Array; load: Float32Array; maxLoad: number }[] = [];
  for (let s = 0; s < opts.samples; s++) {
    const x = new Float32Array(N), cap = new Float32Array(E), mask = new Uint8Array(E).fill(1), load = new Float32Array(E);
    for (let v = 0; v < N; v++) x[v] = rng.float();
    for (let e = 0; e < E; e++) cap[e] = 0.5 + rng.float();
    mask[rng.int(E)] = 0;
    let maxLoad = 0;
    for (let e = 0; e < E; e++) {
      load[e] = Math.abs(x[graph.src[e]] - x[graph.dst[e]]) * cap[e];
      if (mask[e] && load[e] > maxLoad) maxLoad = load[e];
    }
    raw.push({ x, cap, mask, load, maxLoad });
  }
  const sorted = raw.map((r) => r.maxLoad).sort((a, b) => a - b);
  const threshold = sorted[Math.floor((1 - (opts.positiveRate ?? 0.4)) * (sorted.length - 1))];
  const margin = (opts.margin ?? 0) * threshold;
  const kept = raw.filter((r) => Math.abs(r.maxLoad - threshold) >= margin);
  const samples = kept.map((r): GraphSample => {
    const nodeFeat = new Float32Array(N * Fn), edgeFeat = new Float32Array(E * Fe), node = new Float32Array(N), deg = new Float32Array(N);
    for (let v = 0; v < N; v++) {
      nodeFeat[v * Fn] = r.x[v];
      nodeFeat[v * Fn + 1] = rng.float();
      nodeFeat[v * Fn + 2] = 1;
    }
    for (let e = 0; e < E; e++) {
      edgeFeat[e * Fe] = r.cap[e];
      edgeFeat[e * Fe + 1] = 1;
      if (!r.mask[e]) continue;
      const a = graph.src[e], b = graph.dst[e];
      node[a] += r.x[b];
      node[b] += r.x[a];
      deg[a]++;
      deg[b]++;
    }
    for (let v = 0; v < N; v++) node[v] = deg[v] > 0 ? node[v] / deg[v] : 0;
    return { nodeFeat, edgeFeat, edgeMask: r.mask, targets: { edge: r.load, node, graph: r.maxLoad > threshold ? 1 : 0 } };
  });
  return { graph, samples, threshold, nodeFeatDim: Fn, edgeFeatDim: Fe };
}
