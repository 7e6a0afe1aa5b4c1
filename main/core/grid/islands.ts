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
