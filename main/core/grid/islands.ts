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
 * Bridges of the multigraph (parallel branches are never bridges), by an
 * iterative Tarjan low-link DFS. Returns 1 for each branch whose loss
 * disconnects its component.
 */
export function bridges(net: Network, adj: Adjacency = adjacency(net)): Uint8Array {
  const n = net.nb;
  const out = new Uint8Array(net.nl);
  const disc = new Int32Array(n).fill(-1), low = new Int32Array(n);
  const stackV = new Int32Array(n), stackE = new Int32Array(n), stackPos = new Int32Array(n);
  let time = 0;
  for (let s = 0; s < n; s++) {
    if (disc[s] >= 0) continue;
    let sp = 0;
    stackV[0] = s; stackE[0] = -1; stackPos[0] = adj.ptr[s];
    disc[s] = low[s] = time++;
    while (sp >= 0) {
      const v = stackV[sp];
      if (stackPos[sp] < adj.ptr[v + 1]) {
        const p = stackPos[sp]++;
        const e = adj.branch[p], w = adj.other[p];
        if (e === stackE[sp]) continue; // the tree edge we came by (by id, so parallels count)
        if (disc[w] < 0) {
          disc[w] = low[w] = time++;
          sp++;
          stackV[sp] = w; stackE[sp] = e; stackPos[sp] = adj.ptr[w];
        } else if (disc[w] < low[v]) low[v] = disc[w];
      } else {
        sp--;
        if (sp >= 0) {
          const u = stackV[sp];
          if (low[v] < low[u]) low[u] = low[v];
          if (low[v] > disc[u]) out[stackE[sp + 1]] = 1;
        }
      }
    }
  }
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
