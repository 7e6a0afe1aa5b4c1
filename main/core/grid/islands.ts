// Topology after an outage: which branches are bridges (their loss splits
// the grid), and which buses stay with the reference bus.

import type { Network } from './network';

/** Bus -> incident branches, CSR. */
export interface Adjacency {
  ptr: Int32Array;
  branch: Int32Array;
  other: Int32Array;
}

export function adjacency(net: Network): Adjacency {
  const n = net.nb, nl = net.nl;
  const ptr = new Int32Array(n + 1);
  for (let k = 0; k < nl; k++) { ptr[net.f[k] + 1]++; ptr[net.t[k] + 1]++; }
  for (let i = 0; i < n; i++) ptr[i + 1] += ptr[i];
  const fill = ptr.slice(0, n);
  const branch = new Int32Array(2 * nl), other = new Int32Array(2 * nl);
  for (let k = 0; k < nl; k++) {
    const f = net.f[k], t = net.t[k];
    branch[fill[f]] = k; other[fill[f]++] = t;
    branch[fill[t]] = k; other[fill[t]++] = f;
  }
  return { ptr, branch, other };
}

/**
 * A depth-first forest of the multigraph (iterative, with Tarjan low-links),
 * searching from `first` before the other buses. The tree branch into bus v
 * is a bridge exactly when low[v] > disc[parent[v]] (parallel branches are
 * never bridges: the search skips only the branch it came by, by id), and
 * removing it cuts off v's subtree.
 */
export interface DfsForest {
  /** Parent bus in the tree and the branch to it (-1 for roots). */
  parent: Int32Array;
  parentBranch: Int32Array;
  disc: Int32Array;
  low: Int32Array;
  /** Buses in the order their search finished: children before parents. */
  post: Int32Array;
  /** The root of each bus's tree. */
  root: Int32Array;
}

export function dfsForest(adj: Adjacency, n: number, first = 0): DfsForest {
  const parent = new Int32Array(n).fill(-1), parentBranch = new Int32Array(n).fill(-1);
  const disc = new Int32Array(n).fill(-1), low = new Int32Array(n), post = new Int32Array(n), root = new Int32Array(n);
  const stackV = new Int32Array(n), stackPos = new Int32Array(n);
  let time = 0, done = 0;
  for (let i = 0; i < n; i++) {
    const s = i === 0 ? first : i === first ? 0 : i;
    if (disc[s] >= 0) continue;
    let sp = 0;
    stackV[0] = s; stackPos[0] = adj.ptr[s];
    disc[s] = low[s] = time++;
    root[s] = s;
    while (sp >= 0) {
      const v = stackV[sp];
      if (stackPos[sp] < adj.ptr[v + 1]) {
        const p = stackPos[sp]++;
        const e = adj.branch[p], w = adj.other[p];
        if (e === parentBranch[v]) continue; // the tree branch we came by
        if (disc[w] < 0) {
          disc[w] = low[w] = time++;
          parent[w] = v; parentBranch[w] = e; root[w] = s;
          sp++;
          stackV[sp] = w; stackPos[sp] = adj.ptr[w];
        } else if (disc[w] < low[v]) low[v] = disc[w];
      } else {
        post[done++] = v;
        sp--;
        if (sp >= 0 && low[v] < low[stackV[sp]]) low[stackV[sp]] = low[v];
      }
    }
  }
  return { parent, parentBranch, disc, low, post, root };
}

/** Returns 1 for each branch whose loss disconnects its component (a bridge). */
export function bridges(net: Network, adj: Adjacency = adjacency(net)): Uint8Array {
  const out = new Uint8Array(net.nl);
  const { parent, parentBranch, disc, low } = dfsForest(adj, net.nb);
  for (let v = 0; v < net.nb; v++) if (parentBranch[v] >= 0 && low[v] > disc[parent[v]]) out[parentBranch[v]] = 1;
  return out;
}

/**
 * Buses reachable from `root` without using the branches in `out` (by
 * internal index). Marks them 1 in the returned array.
 */
export function reachable(adj: Adjacency, nb: number, root: number, outBranch: number, outBranch2 = -1): Uint8Array {
  const seen = new Uint8Array(nb);
  const queue = new Int32Array(nb);
  let head = 0, tail = 0;
  queue[tail++] = root; seen[root] = 1;
  while (head < tail) {
    const v = queue[head++];
    for (let p = adj.ptr[v]; p < adj.ptr[v + 1]; p++) {
      const e = adj.branch[p];
      if (e === outBranch || e === outBranch2) continue;
      const w = adj.other[p];
      if (!seen[w]) { seen[w] = 1; queue[tail++] = w; }
    }
  }
  return seen;
}

/** Topology of a network: adjacency, bridges, and the buses in the reference bus's base island. */
export interface GridTopology {
  adj: Adjacency;
  isBridge: Uint8Array;
  /** Buses connected to the reference bus in the base case (null: all). */
  baseActive: Uint8Array | null;
}

export function gridTopology(net: Network): GridTopology {
  const adj = adjacency(net);
  const reach = reachable(adj, net.nb, net.ref, -1);
  return { adj, isBridge: bridges(net, adj), baseActive: reach.every((v) => v === 1) ? null : reach };
}

/** Buses left with the reference bus after branch k's outage (the base island when k is no bridge). */
export function outageActive(net: Network, topo: GridTopology, k: number): Uint8Array | null {
  if (!topo.isBridge[k]) return topo.baseActive;
  const active = reachable(topo.adj, net.nb, net.ref, k);
  if (topo.baseActive) for (let i = 0; i < net.nb; i++) active[i] &= topo.baseActive[i];
  return active;
}

/**
 * The spec's island rule for one outage, given the buses left with the
 * reference bus: what is cut off (buses of the base island that are not
 * active), the load and generation lost with it, whether it carries anything
 * (load, or an in-service generator other than `outGen`), and whether the
 * reference bus itself is lost (cut off, or left alone: no main island).
 * `genMW` is the output counted as lost per generator (the solved base case's
 * for AC, the case's dispatch for DC).
 */
export interface CutOff {
  cutBuses: number;
  lostLoadMW: number;
  lostGenMW: number;
  carries: boolean;
  referenceLost: boolean;
}

export function cutOff(net: Network, topo: GridTopology, active: Uint8Array | null, genMW: Float64Array, genAt: readonly Int32Array[], outGen = -1): CutOff {
  const out: CutOff = { cutBuses: 0, lostLoadMW: 0, lostGenMW: 0, carries: false, referenceLost: false };
  if (!active || active === topo.baseActive) return out;
  let kept = 0;
  for (let i = 0; i < net.nb; i++) {
    if (active[i]) { kept++; continue; }
    if (topo.baseActive && !topo.baseActive[i]) continue;
    out.cutBuses++;
    out.lostLoadMW += net.Pd[i] * net.baseMVA;
    if (net.Pd[i] !== 0 || net.Qd[i] !== 0) out.carries = true;
    for (const g of genAt[i]) {
      if (g === outGen) continue;
      out.carries = true;
      out.lostGenMW += genMW[g];
    }
  }
  out.referenceLost = !active[net.ref] || (kept === 1 && net.nb > 1);
  return out;
}

/** In-service generators of each bus (internal indices). */
export function gensAt(net: Network): Int32Array[] {
  const lists: number[][] = Array.from({ length: net.nb }, () => []);
  for (let k = 0; k < net.ng; k++) lists[net.genBus[k]].push(k);
  return lists.map((l) => Int32Array.from(l));
}

/** Per internal branch: 1 when its outage is `islanded` (decided by topology, no power flow). */
export function islandedByTopology(net: Network, topo: GridTopology = gridTopology(net)): Uint8Array {
  // One depth-first search from the reference bus: removing the tree branch
  // into v cuts off exactly v's subtree when it is a bridge, so the
  // subtree's bus count and whether it carries load or generation decide
  // every bridge at once (cutOff decides the same per branch, by search).
  const n = net.nb;
  const { parent, parentBranch, disc, low, post, root } = dfsForest(topo.adj, n, net.ref);
  const carries = new Uint8Array(n), size = new Int32Array(n).fill(1);
  for (let i = 0; i < n; i++) if (net.Pd[i] !== 0 || net.Qd[i] !== 0) carries[i] = 1;
  for (let g = 0; g < net.ng; g++) carries[net.genBus[g]] = 1;
  const out = new Uint8Array(net.nl);
  for (const v of post) {
    const u = parent[v];
    if (u < 0 || root[v] !== net.ref) continue;
    size[u] += size[v];
    carries[u] |= carries[v];
    // The reference bus left alone also counts (cutOff's referenceLost).
    if (low[v] > disc[u] && (carries[v] || (size[v] === n - 1 && n > 1))) out[parentBranch[v]] = 1;
  }
  return out;
}

/**
 * Connected groups of buses holding no reference bus (internal indices,
 * ascending): such an island has no angle reference, so no power flow can
 * solve it (its Jacobian is singular). Empty for a sound case. Union-find
 * over the branches: it runs on every compile, so it builds no adjacency.
 */
export function islandsWithoutReference(net: Network): number[][] {
  const parent = new Int32Array(net.nb);
  for (let i = 0; i < net.nb; i++) parent[i] = i;
  const find = (i: number): number => {
    while (parent[i] !== i) { parent[i] = parent[parent[i]]; i = parent[i]; }
    return i;
  };
  for (let k = 0; k < net.nl; k++) {
    const a = find(net.f[k]), b = find(net.t[k]);
    if (a !== b) parent[a < b ? b : a] = a < b ? a : b;
  }
  const referenced = new Uint8Array(net.nb);
  for (const r of net.refs) referenced[find(r)] = 1;
  const islands = new Map<number, number[]>();
  for (let i = 0; i < net.nb; i++) {
    const root = find(i);
    if (referenced[root]) continue;
    let list = islands.get(root);
    if (!list) islands.set(root, (list = []));
    list.push(i);
  }
  return [...islands.values()];
}
