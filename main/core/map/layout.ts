// The map's layout of a grid: multilevel ForceAtlas2 (graphology). The grid
// is coarsened by matching neighbouring buses until a few dozen groups are
// left; the coarsest graph is laid out from a radial placement around the
// reference bus, and each finer level starts from its parent's position and
// is refined by ForceAtlas2. Power grids are long and stringy: one
// ForceAtlas2 run from random positions folds them and never unfolds; from
// the coarse shape it only has to settle the details, in few iterations.
// Everything random draws from one seeded Rng, so a seed gives one layout.

import Graph from 'graphology';
import forceAtlas2 from 'graphology-layout-forceatlas2';
import type { Case } from '../grid/case';
import { BUS_I, BUS_TYPE, F_BUS, REF, T_BUS } from '../grid/idx';
import { Rng } from '../learn/rng';

/** A grid as the layout sees it: n buses (0..n-1) and undirected edges between them. */
export interface LayoutGraph {
  n: number;
  /** Pairs (a, b) of bus indices, one per branch; parallel branches and self-loops are allowed. */
  edges: Int32Array;
  /** The bus the placement starts from (the reference bus), or -1. */
  root: number;
}

export interface LayoutOptions {
  seed: number;
  /**
   * How hard to work: iterations of ForceAtlas2 at the finest level (default
   * 300 below 600 buses, else 100; small coarse levels get 300). The draft is
   * taken after `draftIterations` of them (default 20; below 600 buses the
   * draft is the final layout).
   */
  fineIterations?: number;
  draftIterations?: number;
}

/** Where a layout stands: the finest level is 0. */
export interface LayoutStatus {
  stage: 'coarse' | 'fine' | 'done';
  level: number;
  levels: number;
  /** Groups (buses at level 0) of the level being refined. */
  levelSize: number;
  /** Estimated share of the work done, 0..1. */
  progress: number;
  /** The draft (a first usable layout) is ready; positions() gives it until better ones come. */
  draftReady: boolean;
  done: boolean;
}

interface Level {
  n: number;
  /** Unique edges (a < b) with their weights (the branches they stand for). */
  edges: Int32Array;
  weights: Float64Array;
  /** Parent group at the next coarser level (absent for the coarsest). */
  parent: Int32Array | null;
  root: number;
}

/** Stop coarsening below this many groups, or when a round removes fewer than 10% of them. */
const COARSEST = 40;
/** The Barnes-Hut approximation pays from this size on. */
const BARNES_HUT_FROM = 600;
/** Iterations of a level below BARNES_HUT_FROM groups, and of a larger one but the finest. */
const SMALL_LEVEL_ITERATIONS = 300;
const MID_LEVEL_ITERATIONS = 40;
/** ForceAtlas2 iterations per call. */
const BATCH = 20;
/** Median drawn edge length of the final positions (Cytoscape pixels at zoom 1). */
export const EDGE_LENGTH = 30;

export class MultilevelLayout {
  private readonly levels: Level[];
  private readonly rng: Rng;
  private readonly plan: number[];
  private readonly workTotal: number;
  private workDone = 0;
  /** Level being refined (levels.length - 1 = coarsest), and its graph. */
  private current: number;
  private graph: Graph;
  private left: number;
  private draft = false;
  private finished = false;
  private readonly draftIterations: number;

  constructor(input: LayoutGraph, opts: LayoutOptions) {
    checkGraph(input);
    this.rng = new Rng(opts.seed);
    this.levels = coarsen(finestLevel(input), this.rng);
    const small = input.n < BARNES_HUT_FROM;
    const fine = Math.max(1, opts.fineIterations ?? (small ? SMALL_LEVEL_ITERATIONS : 100));
    // A small grid is laid out in about a second: its draft is the final layout.
    this.draftIterations = Math.min(fine, Math.max(1, opts.draftIterations ?? (small ? fine : 20)));
    // Small levels are cheap and settle the overall shape: many iterations
    // there; a large level starts from its parent's shape and needs few.
    this.plan = this.levels.map((l, i) => (i === 0 ? fine : l.n < BARNES_HUT_FROM ? SMALL_LEVEL_ITERATIONS : Math.min(fine, MID_LEVEL_ITERATIONS)));
    this.workTotal = this.levels.reduce((s, l, i) => s + this.plan[i] * cost(l.n), 0);
    this.current = this.levels.length - 1;
    this.graph = toGraph(this.levels[this.current], radialPlacement(this.levels[this.current], this.rng));
    this.left = this.plan[this.current];
    if (input.n === 0) this.finished = this.draft = true;
  }

  get levelCount(): number {
    return this.levels.length;
  }

  /** Sizes of the levels, finest first. */
  get levelSizes(): number[] {
    return this.levels.map((l) => l.n);
  }

  /**
   * Runs ForceAtlas2 for about `work` node-iterations (at least one batch of
   * iterations), moving to the next finer level when one is done. The result
   * does not depend on how the work is sliced into steps.
   */
  step(work: number): LayoutStatus {
    let budget = work;
    while (!this.finished && budget > 0) {
      if (this.left === 0) {
        if (this.current === 0) { this.finished = true; break; }
        this.descend();
        continue;
      }
      const level = this.levels[this.current];
      const per = cost(level.n);
      // Whole batches of BATCH iterations, whatever the budget, so that the
      // layout does not depend on how the work is sliced (each call starts
      // ForceAtlas2's adaptive speeds afresh). The draft ends a batch.
      let k = Math.min(this.left, BATCH);
      if (this.current === 0 && !this.draft) k = Math.min(k, this.draftIterations - (this.plan[0] - this.left));
      forceAtlas2.assign(this.graph, { iterations: k, getEdgeWeight: 'weight', settings: settingsFor(level.n) });
      this.left -= k;
      this.workDone += k * per;
      budget -= k * per;
      if (this.current === 0 && this.plan[0] - this.left >= this.draftIterations && !this.draft) {
        this.draft = true;
        if (this.left === 0) this.finished = true;
        break;
      }
    }
    return this.status();
  }

  /** Runs to the end. */
  run(): Float64Array {
    while (!this.step(Infinity).done);
    return this.positions();
  }

  status(): LayoutStatus {
    return {
      stage: this.finished ? 'done' : this.current === 0 ? 'fine' : 'coarse',
      level: this.current, levels: this.levels.length, levelSize: this.levels[this.current].n,
      progress: this.finished ? 1 : Math.min(0.99, this.workDone / this.workTotal),
      draftReady: this.draft, done: this.finished,
    };
  }

  /**
   * Positions of every bus (x0, y0, x1, y1, ...), scaled so that the median
   * edge is EDGE_LENGTH long, centred, the wider extent horizontal. Before the
   * finest level is reached, each bus takes its group's position.
   */
  positions(): Float64Array {
    return normalise(prolongTo0(this.levels, this.current, this.levelPositions()), this.levels[0]);
  }

  private levelPositions(): Float64Array {
    const n = this.levels[this.current].n;
    const xy = new Float64Array(2 * n);
    this.graph.forEachNode((key, a) => { const i = Number(key); xy[2 * i] = a.x; xy[2 * i + 1] = a.y; });
    return xy;
  }

  /** From the current level to the next finer one: each bus starts near its group. */
  private descend(): void {
    const coarse = this.levelPositions();
    const coarseLevel = this.levels[this.current];
    const fineLevel = this.levels[this.current - 1];
    const spread = 0.25 * medianEdgeLength(coarse, coarseLevel);
    const xy = new Float64Array(2 * fineLevel.n);
    const parent = fineLevel.parent!;
    for (let i = 0; i < fineLevel.n; i++) {
      const angle = 2 * Math.PI * this.rng.float();
      const r = spread * (0.5 + 0.5 * this.rng.float());
      xy[2 * i] = coarse[2 * parent[i]] + r * Math.cos(angle);
      xy[2 * i + 1] = coarse[2 * parent[i] + 1] + r * Math.sin(angle);
    }
    this.current--;
    this.graph = toGraph(fineLevel, xy);
    this.left = this.plan[this.current];
  }
}

/** The layout's graph of a case: every branch (in service or not, so the map does not move when one is switched), the reference bus as root. */
export function layoutGraphOf(c: Case): LayoutGraph {
  const row = new Map(c.bus.map((b, i) => [b[BUS_I], i]));
  const ends: number[] = [];
  for (const br of c.branch) {
    const f = row.get(br[F_BUS]), t = row.get(br[T_BUS]);
    if (f !== undefined && t !== undefined) ends.push(f, t);
  }
  return { n: c.bus.length, edges: Int32Array.from(ends), root: c.bus.findIndex((b) => b[BUS_TYPE] === REF) };
}

/** Lays out a graph from a seed to the end, in this thread. */
export function layoutGraph(input: LayoutGraph, opts: LayoutOptions): Float64Array {
  return new MultilevelLayout(input, opts).run();
}

/** Work of one iteration on n nodes (Barnes-Hut: about n log n). */
function cost(n: number): number {
  return n < BARNES_HUT_FROM ? Math.max(1, (n * n) / 60) : n * Math.log2(n);
}

function settingsFor(n: number) {
  return {
    ...forceAtlas2.inferSettings(n),
    barnesHutOptimize: n >= BARNES_HUT_FROM,
    barnesHutTheta: 0.8,
  };
}

function checkGraph(g: LayoutGraph): void {
  if (!Number.isSafeInteger(g.n) || g.n < 0) throw new RangeError(`a layout needs a bus count of at least 0, got ${g.n}`);
  if (g.edges.length % 2 !== 0) throw new RangeError('layout edges must come in pairs');
  for (const e of g.edges) if (e < 0 || e >= g.n) throw new RangeError(`layout edge end ${e} is not a bus index below ${g.n}`);
  if (g.root >= g.n) throw new RangeError(`layout root ${g.root} is not a bus index below ${g.n}`);
}

/** The grid's own level: parallel branches merged into one edge weighing as many, self-loops dropped. */
function finestLevel(g: LayoutGraph): Level {
  const w = new Map<number, number>();
  for (let e = 0; e < g.edges.length; e += 2) {
    const a = Math.min(g.edges[e], g.edges[e + 1]), b = Math.max(g.edges[e], g.edges[e + 1]);
    if (a === b) continue;
    const k = a * g.n + b;
    w.set(k, (w.get(k) ?? 0) + 1);
  }
  return levelFrom(g.n, w, null, g.root >= 0 ? g.root : 0);
}

function levelFrom(n: number, w: Map<number, number>, parent: Int32Array | null, root: number): Level {
  const keys = [...w.keys()].sort((x, y) => x - y);
  const edges = new Int32Array(2 * keys.length);
  const weights = new Float64Array(keys.length);
  keys.forEach((k, i) => { edges[2 * i] = Math.floor(k / n); edges[2 * i + 1] = k % n; weights[i] = w.get(k)!; });
  return { n, edges, weights, parent, root };
}

/** Neighbour lists (with edge weights) of a level. */
function adjacency(l: Level): { start: Int32Array; nbr: Int32Array; wt: Float64Array } {
  const deg = new Int32Array(l.n + 1);
  for (let e = 0; e < l.edges.length; e++) deg[l.edges[e] + 1]++;
  for (let i = 0; i < l.n; i++) deg[i + 1] += deg[i];
  const fill = deg.slice(0, l.n);
  const nbr = new Int32Array(l.edges.length), wt = new Float64Array(l.edges.length);
  for (let e = 0; e < l.weights.length; e++) {
    const a = l.edges[2 * e], b = l.edges[2 * e + 1];
    nbr[fill[a]] = b; wt[fill[a]++] = l.weights[e];
    nbr[fill[b]] = a; wt[fill[b]++] = l.weights[e];
  }
  return { start: deg, nbr, wt };
}

/**
 * Coarser and coarser levels, finest first. Each round matches every bus
 * with an unmatched neighbour of least size (heavy-edge matching on sizes,
 * which keeps groups even), and folds leaves into their neighbour's group.
 */
function coarsen(finest: Level, rng: Rng): Level[] {
  const levels = [finest];
  let size = new Float64Array(finest.n).fill(1);
  for (;;) {
    const l = levels[levels.length - 1];
    if (l.n <= COARSEST) break;
    const { start, nbr, wt } = adjacency(l);
    const group = new Int32Array(l.n).fill(-1);
    let groups = 0;
    const order = rng.shuffle(Int32Array.from({ length: l.n }, (_, i) => i));
    for (const u of order) {
      if (group[u] >= 0) continue;
      let best = -1, bestScore = -Infinity;
      for (let k = start[u]; k < start[u + 1]; k++) {
        const v = nbr[k];
        if (group[v] >= 0) continue;
        const score = wt[k] / (size[u] + size[v]);
        if (score > bestScore) { bestScore = score; best = v; }
      }
      group[u] = groups;
      if (best >= 0) group[best] = groups;
      groups++;
    }
    // A leaf left alone joins its neighbour's group: stars would otherwise coarsen one leaf a round.
    const members = new Int32Array(groups);
    for (let i = 0; i < l.n; i++) members[group[i]]++;
    for (let i = 0; i < l.n; i++) {
      if (start[i + 1] - start[i] === 1 && members[group[i]] === 1) {
        const g = group[nbr[start[i]]];
        members[group[i]]--; members[g]++;
        group[i] = g;
      }
    }
    // Renumber the groups left non-empty, in order of first member (deterministic).
    const renum = new Int32Array(groups).fill(-1);
    let m = 0;
    for (let i = 0; i < l.n; i++) if (renum[group[i]] < 0) renum[group[i]] = m++;
    if (m > 0.9 * l.n) break;
    const parent = Int32Array.from(group, (g) => renum[g]);
    const w = new Map<number, number>();
    for (let e = 0; e < l.weights.length; e++) {
      const a = parent[l.edges[2 * e]], b = parent[l.edges[2 * e + 1]];
      if (a === b) continue;
      const k = Math.min(a, b) * m + Math.max(a, b);
      w.set(k, (w.get(k) ?? 0) + l.weights[e]);
    }
    const nextSize = new Float64Array(m);
    for (let i = 0; i < l.n; i++) nextSize[parent[i]] += size[i];
    size = nextSize;
    l.parent = parent;
    levels.push(levelFrom(m, w, null, parent[l.root]));
  }
  return levels;
}

/**
 * The coarsest level's start: rings of breadth-first depth around the root,
 * each group within its parent's angle (a radial tree), so that the first
 * ForceAtlas2 run starts untangled. Unreached groups (other islands) go on an outer ring.
 */
function radialPlacement(l: Level, rng: Rng): Float64Array {
  const xy = new Float64Array(2 * l.n);
  if (l.n === 0) return xy;
  const { start, nbr } = adjacency(l);
  const depth = new Int32Array(l.n).fill(-1), parent = new Int32Array(l.n).fill(-1);
  const order: number[] = [];
  const visit = (r: number) => {
    depth[r] = 0; order.push(r);
    for (let q = order.length - 1; q < order.length; q++) {
      const u = order[q];
      for (let k = start[u]; k < start[u + 1]; k++) {
        const v = nbr[k];
        if (depth[v] < 0) { depth[v] = depth[u] + 1; parent[v] = u; order.push(v); }
      }
    }
  };
  visit(l.root);
  const reached = order.length;
  // Leaves count 1; a subtree's wedge is proportional to its leaves.
  const weight = new Float64Array(l.n).fill(1);
  for (let q = reached - 1; q > 0; q--) weight[parent[order[q]]] += weight[order[q]];
  const from = new Float64Array(l.n), span = new Float64Array(l.n);
  span[l.root] = 2 * Math.PI;
  const cursor = new Float64Array(l.n);
  for (let q = 0; q < reached; q++) {
    const u = order[q];
    if (q > 0) {
      const p = parent[u];
      from[u] = from[p] + cursor[p];
      span[u] = (span[p] * weight[u]) / (weight[p] - 1 || 1);
      cursor[p] += span[u];
    }
    const angle = from[u] + span[u] / 2;
    xy[2 * u] = depth[u] * Math.cos(angle);
    xy[2 * u + 1] = depth[u] * Math.sin(angle);
  }
  const maxDepth = Math.max(1, ...Array.from(depth));
  for (let i = 0, k = 0; i < l.n; i++) {
    if (depth[i] >= 0) continue;
    const angle = 2 * Math.PI * (k++ / Math.max(1, l.n - reached)) + 0.1 * rng.float();
    xy[2 * i] = (maxDepth + 1) * Math.cos(angle);
    xy[2 * i + 1] = (maxDepth + 1) * Math.sin(angle);
  }
  return xy;
}

function toGraph(l: Level, xy: Float64Array): Graph {
  const g = new Graph({ type: 'undirected', multi: false, allowSelfLoops: false });
  for (let i = 0; i < l.n; i++) g.addNode(String(i), { x: xy[2 * i], y: xy[2 * i + 1] });
  for (let e = 0; e < l.weights.length; e++) g.addEdge(String(l.edges[2 * e]), String(l.edges[2 * e + 1]), { weight: l.weights[e] });
  return g;
}

/** Positions of level `from` taken down to the finest level (each bus at its group's place). */
function prolongTo0(levels: Level[], from: number, xy: Float64Array): Float64Array {
  let cur = xy;
  for (let l = from; l > 0; l--) {
    const parent = levels[l - 1].parent!;
    const fine = new Float64Array(2 * parent.length);
    for (let i = 0; i < parent.length; i++) { fine[2 * i] = cur[2 * parent[i]]; fine[2 * i + 1] = cur[2 * parent[i] + 1]; }
    cur = fine;
  }
  return cur;
}

function medianEdgeLength(xy: Float64Array, l: Level): number {
  if (l.weights.length === 0) return 1;
  const d = Array.from({ length: l.weights.length }, (_, e) => Math.hypot(xy[2 * l.edges[2 * e]] - xy[2 * l.edges[2 * e + 1]], xy[2 * l.edges[2 * e] + 1] - xy[2 * l.edges[2 * e + 1] + 1]));
  d.sort((a, b) => a - b);
  return d[d.length >> 1] || 1;
}

/** Centred, turned so that the wider extent is horizontal (principal axes), median edge EDGE_LENGTH. */
function normalise(xy: Float64Array, finest: Level): Float64Array {
  const n = xy.length / 2;
  if (n === 0) return xy;
  let mx = 0, my = 0;
  for (let i = 0; i < n; i++) { mx += xy[2 * i]; my += xy[2 * i + 1]; }
  mx /= n; my /= n;
  let sxx = 0, syy = 0, sxy = 0;
  for (let i = 0; i < n; i++) { const x = xy[2 * i] - mx, y = xy[2 * i + 1] - my; sxx += x * x; syy += y * y; sxy += x * y; }
  const theta = 0.5 * Math.atan2(2 * sxy, sxx - syy);
  const c = Math.cos(-theta), s = Math.sin(-theta);
  const out = new Float64Array(xy.length);
  for (let i = 0; i < n; i++) {
    const x = xy[2 * i] - mx, y = xy[2 * i + 1] - my;
    out[2 * i] = c * x - s * y;
    out[2 * i + 1] = s * x + c * y;
  }
  const len = medianEdgeLength(out, finest);
  const k = len > 0 ? EDGE_LENGTH / len : 1;
  for (let i = 0; i < out.length; i++) out[i] *= k;
  return out;
}
