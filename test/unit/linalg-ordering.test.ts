import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  amdOrder,
  symbolicCholesky,
  cscFromTriplets,
  invertPermutation,
  isPermutation,
  SparseLU,
  symmetricAdjacency,
  type CSC,
} from '../../main/core/linalg';
import { rng } from './dense-lu';

/** Symmetric pattern from an undirected edge list, with the diagonal present. */
function graphMatrix(n: number, edges: Array<[number, number]>): CSC {
  const rows: number[] = [];
  const cols: number[] = [];
  const vals: number[] = [];
  const deg = new Array<number>(n).fill(0);
  for (const [i, j] of edges) {
    rows.push(i, j);
    cols.push(j, i);
    vals.push(-1, -1);
    deg[i]++;
    deg[j]++;
  }
  for (let i = 0; i < n; i++) {
    rows.push(i);
    cols.push(i);
    vals.push(deg[i] + 1);
  }
  return cscFromTriplets(n, n, rows, cols, vals);
}

function grid(nx: number, ny: number): CSC {
  const edges: Array<[number, number]> = [];
  for (let y = 0; y < ny; y++) {
    for (let x = 0; x < nx; x++) {
      const v = y * nx + x;
      if (x + 1 < nx) edges.push([v, v + 1]);
      if (y + 1 < ny) edges.push([v, v + nx]);
    }
  }
  return graphMatrix(nx * ny, edges);
}

function randomGraph(r: () => number, n: number, m: number): Array<[number, number]> {
  const edges: Array<[number, number]> = [];
  for (let t = 0; t < m; t++) {
    const i = Math.floor(r() * n);
    const j = Math.floor(r() * n);
    if (i !== j) edges.push([i, j]);
  }
  return edges;
}

/** Explicit elimination graph: returns nnz of the Cholesky factor (strict lower) for order perm. */
function choleskyFill(a: CSC, perm: ArrayLike<number>): number {
  const n = a.ncols;
  const { ptr, adj } = symmetricAdjacency(a);
  const g: Array<Set<number>> = [];
  for (let i = 0; i < n; i++) g.push(new Set(adj.subarray(ptr[i], ptr[i + 1])));
  let fill = 0;
  for (let k = 0; k < n; k++) {
    const v = perm[k];
    const nb = [...g[v]];
    fill += nb.length;
    for (const u of nb) g[u].delete(v);
    for (let s = 0; s < nb.length; s++) for (let t = s + 1; t < nb.length; t++) {
      g[nb[s]].add(nb[t]);
      g[nb[t]].add(nb[s]);
    }
    g[v].clear();
  }
  return fill;
}

/** Reference: exact minimum degree on the explicit elimination graph (ties -> lowest index). */
function exactMinimumDegree(a: CSC): number[] {
  const n = a.ncols;
  const { ptr, adj } = symmetricAdjacency(a);
  const g: Array<Set<number>> = [];
  for (let i = 0; i < n; i++) g.push(new Set(adj.subarray(ptr[i], ptr[i + 1])));
  const done = new Array<boolean>(n).fill(false);
  const perm: number[] = [];
  for (let k = 0; k < n; k++) {
    let v = -1;
    for (let i = 0; i < n; i++) if (!done[i] && (v < 0 || g[i].size < g[v].size)) v = i;
    const nb = [...g[v]];
    for (const u of nb) g[u].delete(v);
    for (let s = 0; s < nb.length; s++) for (let t = s + 1; t < nb.length; t++) {
      g[nb[s]].add(nb[t]);
      g[nb[t]].add(nb[s]);
    }
    done[v] = true;
    perm.push(v);
  }
  return perm;
}

test('AMD returns a valid permutation on assorted graphs', () => {
  const r = rng(3);
  const cases: CSC[] = [
    graphMatrix(0, []),
    graphMatrix(1, []),
    graphMatrix(5, []), // no edges at all
    graphMatrix(2, [[0, 1]]),
    graphMatrix(6, [[0, 1], [1, 2], [3, 4]]), // disconnected pieces and an isolated node
    grid(7, 5),
  ];
  // a star: its centre is dense and must still be ordered (last)
  const star: Array<[number, number]> = [];
  for (let i = 1; i < 400; i++) star.push([0, i]);
  cases.push(graphMatrix(400, star));
  // a clique
  const clique: Array<[number, number]> = [];
  for (let i = 0; i < 25; i++) for (let j = i + 1; j < 25; j++) clique.push([i, j]);
  cases.push(graphMatrix(25, clique));
  for (let t = 0; t < 40; t++) {
    const n = 1 + Math.floor(r() * 300);
    cases.push(graphMatrix(n, randomGraph(r, n, Math.floor(r() * 4 * n))));
  }
  for (const a of cases) {
    const p = amdOrder(a);
    assert.ok(isPermutation(p, a.ncols), `not a permutation for n=${a.ncols}`);
    const inv = invertPermutation(p);
    for (let k = 0; k < p.length; k++) assert.equal(inv[p[k]], k);
  }
  const starOrder = amdOrder(cases[6]);
  assert.equal(starOrder[399], 0, 'the dense centre of a star goes last');
});

test('AMD gives the same order when short of workspace (compaction and growth paths)', () => {
  const r = rng(23);
  const mats: CSC[] = [grid(25, 25)];
  for (let t = 0; t < 20; t++) {
    const n = 50 + Math.floor(r() * 400);
    mats.push(graphMatrix(n, randomGraph(r, n, Math.floor(n * (1 + 3 * r())))));
  }
  for (const a of mats) {
    const roomy = amdOrder(a);
    const tight = amdOrder(a, { elbowRoom: 0 });
    assert.deepEqual(Array.from(tight), Array.from(roomy));
  }
});

test('AMD on a nonsymmetric pattern orders A + A^T', () => {
  // a lower bidiagonal plus one far entry: A + A^T is a path plus an edge
  const n = 50;
  const rows: number[] = [];
  const cols: number[] = [];
  for (let i = 0; i < n; i++) {
    rows.push(i);
    cols.push(i);
    if (i > 0) {
      rows.push(i);
      cols.push(i - 1);
    }
  }
  rows.push(0);
  cols.push(n - 1);
  const a = cscFromTriplets(n, n, rows, cols, rows.map(() => 1));
  const p = amdOrder(a);
  assert.ok(isPermutation(p, n));
  // a cycle has Cholesky fill n - 3 + (n - 1) edges at best; AMD should reach the optimum 2n - 3
  assert.equal(choleskyFill(a, p), 2 * n - 3);
});

test('AMD reduces fill versus natural order on a 2-D grid Laplacian', () => {
  const a = grid(30, 30);
  const natural = new SparseLU(a, { ordering: 'natural' });
  natural.factor(a.values);
  const amd = new SparseLU(a, { ordering: 'amd' });
  amd.factor(a.values);
  const fillNatural = natural.nnzL + natural.nnzU - natural.n;
  const fillAmd = amd.nnzL + amd.nnzU - amd.n;
  // natural order on a 30x30 grid is a band of width 30: about 2 * 900 * 30 entries
  assert.ok(fillNatural > 50000, `natural nnz(L+U) = ${fillNatural}`);
  assert.ok(fillAmd < 0.5 * fillNatural, `AMD nnz(L+U) = ${fillAmd} vs natural ${fillNatural}`);
  // the grid is SPD and diagonally dominant, so LU keeps the diagonal pivots:
  // nnz(L+U) = 2 * Cholesky fill + n
  assert.equal(fillAmd, 2 * choleskyFill(a, amd.columnOrder) + a.ncols);
});

test('AMD fill is close to exact minimum degree', () => {
  const r = rng(17);
  let amdTotal = 0;
  let mdTotal = 0;
  const mats: CSC[] = [grid(12, 12), grid(20, 8)];
  for (let t = 0; t < 12; t++) {
    const n = 60 + Math.floor(r() * 140);
    // power-grid-like: a random spanning tree plus a few extra edges
    const edges: Array<[number, number]> = [];
    for (let i = 1; i < n; i++) edges.push([i, Math.floor(r() * i)]);
    edges.push(...randomGraph(r, n, Math.floor(n * (0.2 + r()))));
    mats.push(graphMatrix(n, edges));
  }
  for (const a of mats) {
    const fa = choleskyFill(a, amdOrder(a));
    const fm = choleskyFill(a, exactMinimumDegree(a));
    assert.ok(fa <= 1.35 * fm + 10, `AMD fill ${fa} vs minimum degree ${fm} (n=${a.ncols})`);
    amdTotal += fa;
    mdTotal += fm;
  }
  assert.ok(amdTotal <= 1.1 * mdTotal, `AMD total fill ${amdTotal} vs minimum degree ${mdTotal}`);
});

test('symbolic Cholesky pattern equals explicit elimination', () => {
  const r = rng(61);
  const mats: CSC[] = [grid(9, 7), graphMatrix(1, []), graphMatrix(4, [])];
  for (let t = 0; t < 15; t++) {
    const n = 2 + Math.floor(r() * 120);
    mats.push(graphMatrix(n, randomGraph(r, n, Math.floor(n * 2 * r()))));
  }
  for (const a of mats) {
    const n = a.ncols;
    const perm = maybeShuffled(amdOrder(a), r);
    const { ptr, adj } = symmetricAdjacency(a);
    const { lp, li, up, ui } = symbolicCholesky(n, ptr, adj, perm);
    // explicit elimination graph in permuted numbering: column k of L = later neighbours at step k
    const inv = invertPermutation(perm);
    const g: Array<Set<number>> = [];
    for (let i = 0; i < n; i++) g.push(new Set(Array.from(adj.subarray(ptr[perm[i]], ptr[perm[i] + 1]), (v) => inv[v])));
    for (let k = 0; k < n; k++) {
      const nb = [...g[k]].filter((v) => v > k).sort((x, y) => x - y);
      assert.deepEqual(Array.from(li.subarray(lp[k], lp[k + 1])), nb, `column ${k}`);
      for (const u of nb) for (const v of nb) if (u !== v) g[u].add(v);
    }
    // U is the transpose of L, rows sorted
    for (let i = 0; i < n; i++) {
      const rows: number[] = [];
      for (let k = 0; k < n; k++) for (let p = lp[k]; p < lp[k + 1]; p++) if (li[p] === i) rows.push(k);
      assert.deepEqual(Array.from(ui.subarray(up[i], up[i + 1])), rows);
    }
  }
});

/** A random order half of the time (symbolic analysis must not depend on AMD's). */
function maybeShuffled(perm: Int32Array, r: () => number): Int32Array {
  if (r() < 0.5) return perm;
  const p = Int32Array.from(perm);
  for (let i = p.length - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [p[i], p[j]] = [p[j], p[i]];
  }
  return p;
}
