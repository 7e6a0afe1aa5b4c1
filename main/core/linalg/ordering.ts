// Fill-reducing ordering: approximate minimum degree (Amestoy, Davis & Duff,
// SIAM J. Matrix Anal. Appl. 17(4), 1996) on the pattern of A + A^T.
//
// The elimination graph is kept implicitly as a quotient graph: each
// eliminated pivot becomes an "element" whose list holds the variables it
// connects, and each variable's list holds its adjacent elements followed by
// its remaining variable neighbours. The ingredients that make it fast:
// element absorption (an element swallowed by a newer one disappears),
// approximate external degrees computed from |Le \ Lk| instead of exact set
// unions, mass elimination (variables only adjacent to the new element are
// eliminated with it), supervariables (variables with identical lists are
// merged, found by hashing), and aggressive absorption.

import type { CSC } from './csc';
import { CscFormatError } from './csc';

export interface AmdOptions {
  /**
   * Rows with more than max(16, denseFactor * sqrt(n)) off-diagonal entries
   * are ordered last instead of being tracked (they would make every degree
   * update expensive). Default 10; pass Infinity to disable.
   */
  denseFactor?: number;
  /**
   * Spare room for new element lists, as a fraction of the graph's size
   * (default 0.5). Less room means more compactions, same result; tests use 0
   * to exercise compaction.
   */
  elbowRoom?: number;
}

/** Adjacency lists of A + A^T without the diagonal, duplicates removed. */
export function symmetricAdjacency(a: CSC): { ptr: Int32Array; adj: Int32Array } {
  const n = a.ncols;
  if (a.nrows !== n) throw new CscFormatError(`AMD needs a square matrix, got ${a.nrows} x ${a.ncols}`);
  const { colPtr, rowIdx } = a;
  const cnt = new Int32Array(n + 1);
  for (let j = 0; j < n; j++) {
    for (let p = colPtr[j]; p < colPtr[j + 1]; p++) {
      const i = rowIdx[p];
      if (i === j) continue;
      cnt[i + 1]++;
      cnt[j + 1]++;
    }
  }
  for (let i = 0; i < n; i++) cnt[i + 1] += cnt[i];
  const raw = new Int32Array(cnt[n]);
  const fill = cnt.slice(0, n);
  for (let j = 0; j < n; j++) {
    for (let p = colPtr[j]; p < colPtr[j + 1]; p++) {
      const i = rowIdx[p];
      if (i === j) continue;
      raw[fill[i]++] = j;
      raw[fill[j]++] = i;
    }
  }
  // Drop duplicates (entries present in both A and A^T) in place.
  const mark = new Int32Array(n).fill(-1);
  const ptr = new Int32Array(n + 1);
  let nz = 0;
  for (let i = 0; i < n; i++) {
    ptr[i] = nz;
    for (let p = cnt[i]; p < cnt[i + 1]; p++) {
      const j = raw[p];
      if (mark[j] === i) continue;
      mark[j] = i;
      raw[nz++] = j;
    }
  }
  ptr[n] = nz;
  return { ptr, adj: raw.slice(0, nz) };
}

/**
 * Approximate minimum degree ordering of the symmetric pattern A + A^T.
 * Returns perm with perm[k] = the row/column eliminated k-th.
 */
export function amdOrder(a: CSC, opts: AmdOptions = {}): Int32Array {
  const { ptr, adj } = symmetricAdjacency(a);
  const perm = amdOnGraph(a.ncols, ptr, adj, opts);
  return postorderElimination(a.ncols, ptr, adj, perm);
}

/**
 * Reorders perm by a postorder of the elimination tree of the permuted graph.
 * Fill is unchanged (an equivalent ordering) but each subtree becomes a
 * contiguous run of columns, so a left-looking LU reads the L columns it needs
 * from nearby memory: on power-grid Jacobians this roughly halves refactor time.
 */
export function postorderElimination(n: number, ptr: Int32Array, adj: Int32Array, perm: Int32Array): Int32Array {
  const parent = eliminationTree(n, ptr, adj, perm);
  // Children lists (built backwards so each list is in increasing order), then an iterative DFS.
  const head = new Int32Array(n).fill(-1);
  const next = new Int32Array(n).fill(-1);
  for (let j = n - 1; j >= 0; j--) {
    const pj = parent[j];
    if (pj === -1) continue;
    next[j] = head[pj];
    head[pj] = j;
  }
  const out = new Int32Array(n);
  const stack = new Int32Array(n);
  let k = 0;
  for (let root = 0; root < n; root++) {
    if (parent[root] !== -1) continue;
    let top = 0;
    stack[0] = root;
    while (top >= 0) {
      const j = stack[top];
      const c = head[j];
      if (c === -1) {
        top--;
        out[k++] = perm[j];
      } else {
        head[j] = next[c];
        stack[++top] = c;
      }
    }
  }
  return out;
}

/** Working state of one AMD run; the phases below each do one job per pivot. */
class AmdState {
  readonly pe: Int32Array; // start of a node's list in iw, -1 when it has none
  readonly len: Int32Array; // list length
  readonly elen: Int32Array; // variable: #elements at list head; -2 element; -1 gone (merged / mass-eliminated / dense)
  readonly nv: Int32Array; // supervariable size; 0 when merged into another; negated while in Lk
  readonly degree: Int32Array; // variable: approximate external degree; element: |Le| (weighted)
  readonly w: Int32Array; // 0 marks a dead element; otherwise a flag area
  readonly head: Int32Array; // degree lists
  readonly next: Int32Array; // degree-list / hash-bucket links
  readonly last: Int32Array; // degree-list back links; hash of a variable in Lk
  readonly hhead: Int32Array; // hash buckets
  readonly varParent: Int32Array; // merged or mass-eliminated variable -> the node it went with
  readonly pivotStep: Int32Array; // step at which a pivot was eliminated
  readonly saved: Int32Array; // compaction scratch
  /** Every list lives in iw; lists freed by absorption are garbage until `compact`. */
  iw: Int32Array;
  cnz: number; // used length of iw
  readonly wbig: number;
  wflg = 2;
  lemax = 0;
  mindeg = 0;
  nel = 0; // eliminated variables (weighted)
  step = 0; // pivots taken
  // the element being built
  pk1 = 0;
  pk2 = 0;
  dk = 0;
  nvk = 0;

  constructor(
    readonly n: number,
    ptr: Int32Array,
    adj: Int32Array,
    elbowRoom: number,
  ) {
    const nzaat = ptr[n];
    const iwlen = Math.max(Math.ceil(nzaat * (1 + elbowRoom)) + (elbowRoom > 0 ? 2 * n : 1), 1);
    this.iw = new Int32Array(iwlen);
    this.iw.set(adj.subarray(0, nzaat));
    this.cnz = nzaat;
    this.pe = new Int32Array(n);
    this.len = new Int32Array(n);
    this.elen = new Int32Array(n);
    this.nv = new Int32Array(n);
    this.degree = new Int32Array(n);
    this.w = new Int32Array(n);
    this.head = new Int32Array(n + 1).fill(-1);
    this.next = new Int32Array(n).fill(-1);
    this.last = new Int32Array(n).fill(-1);
    this.hhead = new Int32Array(n).fill(-1);
    this.varParent = new Int32Array(n).fill(-1);
    this.pivotStep = new Int32Array(n).fill(-1);
    this.saved = new Int32Array(n);
    this.wbig = 2147483647 - 2 * n - 2;
    for (let i = 0; i < n; i++) {
      this.pe[i] = ptr[i];
      this.len[i] = ptr[i + 1] - ptr[i];
      this.nv[i] = 1;
      this.w[i] = 1;
      this.degree[i] = this.len[i];
    }
  }
}

/** Resets the w flags when wflg would overflow; returns the flag to use. */
function clearFlag(s: AmdState, flag: number): number {
  if (flag < 2 || flag >= s.wbig) {
    const w = s.w;
    for (let x = 0; x < s.n; x++) if (w[x] !== 0) w[x] = 1;
    return 2;
  }
  return flag;
}

/** Squeezes out garbage: tag each live list's first slot with -(owner+1), then slide lists left. */
function compact(s: AmdState): void {
  const { n, pe, len, saved, iw } = s;
  for (let j = 0; j < n; j++) {
    const p = pe[j];
    if (p < 0) continue;
    if (len[j] === 0) {
      pe[j] = 0;
      continue;
    }
    saved[j] = iw[p];
    iw[p] = -(j + 1);
  }
  const cnz = s.cnz;
  let q = 0;
  let p = 0;
  while (p < cnz) {
    const v = iw[p];
    if (v < 0) {
      const j = -v - 1;
      const l = len[j];
      pe[j] = q;
      iw[q++] = saved[j];
      for (let t = 1; t < l; t++) iw[q++] = iw[p + t];
      p += l;
    } else {
      p++;
    }
  }
  s.cnz = q;
}

/** Makes room for `need` more entries at the end of iw (compacting, then growing). */
function ensureRoom(s: AmdState, need: number): void {
  if (s.cnz + need <= s.iw.length) return;
  compact(s);
  const iwlen = s.iw.length;
  if (s.cnz + need + (iwlen >> 3) > iwlen) {
    const bigger = new Int32Array(Math.max(2 * iwlen, s.cnz + need + s.n));
    bigger.set(s.iw.subarray(0, s.cnz));
    s.iw = bigger;
  }
}

/** Takes a variable of minimum approximate degree off the degree lists. */
function pickPivot(s: AmdState): number {
  const { head, next, last, n } = s;
  let mindeg = s.mindeg;
  let k = -1;
  for (; mindeg < n; mindeg++) {
    if (head[mindeg] !== -1) {
      k = head[mindeg];
      break;
    }
  }
  if (k < 0) throw new Error('AMD internal error: no variable left in the degree lists');
  const nxt = next[k];
  if (nxt !== -1) last[nxt] = -1;
  head[mindeg] = nxt;
  s.mindeg = mindeg;
  return k;
}

/** Lk = (union of k's elements and k's variables) \ k, written at [pk1, pk2) of iw; absorbs k's elements. */
function constructElement(s: AmdState, k: number, elenk: number): void {
  const { iw, pe, len, nv, w, degree, head, next, last } = s;
  let dk = 0;
  let p = pe[k];
  const pk1 = elenk === 0 ? p : s.cnz; // with no elements, Lk fits in k's own list
  let pk2 = pk1;
  for (let k1 = 1; k1 <= elenk + 1; k1++) {
    let e: number;
    let pj: number;
    let ln: number;
    if (k1 > elenk) {
      e = k;
      pj = p;
      ln = len[k] - elenk;
    } else {
      e = iw[p++];
      if (w[e] === 0) continue; // already absorbed
      pj = pe[e];
      ln = len[e];
    }
    for (let k2 = 0; k2 < ln; k2++) {
      const i = iw[pj++];
      const nvi = nv[i];
      if (nvi <= 0) continue; // already in Lk, merged, or dense
      dk += nvi;
      nv[i] = -nvi;
      iw[pk2++] = i;
      // unlink i from its degree list
      const ni = next[i];
      const li = last[i];
      if (ni !== -1) last[ni] = li;
      if (li !== -1) next[li] = ni;
      else head[degree[i]] = ni;
    }
    if (e !== k) {
      // e is absorbed into k
      pe[e] = -1;
      w[e] = 0;
    }
  }
  if (elenk !== 0) s.cnz = pk2;
  s.pk1 = pk1;
  s.pk2 = pk2;
  s.dk = dk;
}

/** Sets w[e] - wflg = |Le \ Lk| for every element e adjacent to a variable of Lk. */
function externalElementSizes(s: AmdState): void {
  const { iw, pe, elen, nv, w, degree } = s;
  const wflg = s.wflg;
  for (let pk = s.pk1; pk < s.pk2; pk++) {
    const i = iw[pk];
    const eln = elen[i];
    if (eln <= 0) continue;
    const nvi = -nv[i];
    const wnvi = wflg - nvi;
    const pend = pe[i] + eln;
    for (let q = pe[i]; q < pend; q++) {
      const e = iw[q];
      let we = w[e];
      if (we >= wflg) we -= nvi;
      else if (we !== 0) we = degree[e] + wnvi;
      w[e] = we;
    }
  }
}

/** Degree update of Lk's variables, with aggressive element absorption, mass elimination and hashing. */
function updateDegrees(s: AmdState, k: number): void {
  const { iw, pe, len, elen, nv, w, degree, next, last, hhead, varParent, n } = s;
  const wflg = s.wflg;
  for (let pk = s.pk1; pk < s.pk2; pk++) {
    const i = iw[pk];
    const p1 = pe[i];
    const p2 = p1 + elen[i] - 1;
    let pn = p1;
    let h = 0;
    let d = 0;
    for (let q = p1; q <= p2; q++) {
      const e = iw[q];
      if (w[e] === 0) continue; // absorbed
      const dext = w[e] - wflg;
      if (dext > 0) {
        d += dext;
        iw[pn++] = e;
        h += e;
      } else {
        // aggressive absorption: Le is inside Lk
        pe[e] = -1;
        w[e] = 0;
      }
    }
    elen[i] = pn - p1 + 1; // + the new element k
    const p3 = pn;
    const p4 = p1 + len[i];
    for (let q = p2 + 1; q < p4; q++) {
      const j = iw[q];
      const nvj = nv[j];
      if (nvj <= 0) continue;
      d += nvj;
      iw[pn++] = j;
      h += j;
    }
    if (d === 0) {
      // i is adjacent to Lk only: eliminate it together with k
      pe[i] = -1;
      const nvi = -nv[i];
      s.dk -= nvi;
      s.nvk += nvi;
      s.nel += nvi;
      nv[i] = 0;
      elen[i] = -1;
      varParent[i] = k;
    } else {
      if (d < degree[i]) degree[i] = d;
      // put k first among the elements (a slot was freed: k or an absorbed element left i's list)
      iw[pn] = iw[p3];
      iw[p3] = iw[p1];
      iw[p1] = k;
      len[i] = pn - p1 + 1;
      h %= n;
      next[i] = hhead[h];
      hhead[h] = i;
      last[i] = h;
    }
  }
}

/** Merges variables of Lk whose lists are identical (same hash bucket, then compared). */
function mergeSupervariables(s: AmdState): void {
  const { iw, pe, len, elen, nv, w, next, last, hhead, varParent } = s;
  let wflg = s.wflg;
  for (let pk = s.pk1; pk < s.pk2; pk++) {
    let i = iw[pk];
    if (nv[i] >= 0) continue;
    const hb = last[i];
    i = hhead[hb];
    hhead[hb] = -1;
    for (; i !== -1 && next[i] !== -1; i = next[i]) {
      const ln = len[i];
      const eln = elen[i];
      const pi0 = pe[i];
      for (let q = pi0 + 1; q < pi0 + ln; q++) w[iw[q]] = wflg;
      let jlast = i;
      let j = next[i];
      while (j !== -1) {
        let same = len[j] === ln && elen[j] === eln;
        const pj0 = pe[j];
        for (let q = pj0 + 1; same && q < pj0 + ln; q++) if (w[iw[q]] !== wflg) same = false;
        if (same) {
          pe[j] = -1;
          varParent[j] = i;
          nv[i] += nv[j]; // both negative while in Lk
          nv[j] = 0;
          elen[j] = -1;
          j = next[j];
          next[jlast] = j;
        } else {
          jlast = j;
          j = next[j];
        }
      }
      wflg++;
    }
  }
  s.wflg = wflg;
}

/** Final approximate degrees; Lk's principal variables go back in the degree lists; Lk is compressed. */
function finalizeElement(s: AmdState, k: number, elenk: number): void {
  const { iw, pe, len, nv, w, degree, head, next, last } = s;
  const dk = s.dk;
  const pk1 = s.pk1;
  let p2 = pk1;
  const nleft = s.n - s.nel;
  let mindeg = s.mindeg;
  for (let pk = pk1; pk < s.pk2; pk++) {
    const i = iw[pk];
    const nvi = -nv[i];
    if (nvi <= 0) continue;
    nv[i] = nvi;
    let d = degree[i] + dk - nvi;
    if (d > nleft - nvi) d = nleft - nvi;
    const hd = head[d];
    if (hd !== -1) last[hd] = i;
    next[i] = hd;
    last[i] = -1;
    head[d] = i;
    if (d < mindeg) mindeg = d;
    degree[i] = d;
    iw[p2++] = i;
  }
  s.mindeg = mindeg;
  nv[k] = s.nvk;
  len[k] = p2 - pk1;
  if (len[k] === 0) {
    pe[k] = -1;
    w[k] = 0;
  }
  if (elenk !== 0) s.cnz = p2;
}

/**
 * AMD on an undirected graph given as adjacency lists (symmetric, no self
 * loops, no duplicates), e.g. from `symmetricAdjacency`.
 */
export function amdOnGraph(n: number, ptr: Int32Array, adj: Int32Array, opts: AmdOptions = {}): Int32Array {
  if (n === 0) return new Int32Array(0);
  const s = new AmdState(n, ptr, adj, Math.max(0, opts.elbowRoom ?? 0.5));
  const { pe, elen, nv, w, degree, head, next, last, varParent, pivotStep } = s;

  const denseFactor = opts.denseFactor ?? 10;
  const dense = Math.min(n - 2, Math.max(16, denseFactor * Math.sqrt(n)));
  const denseNodes: number[] = [];
  for (let i = 0; i < n; i++) {
    const d = degree[i];
    if (d === 0) {
      // isolated: eliminate at once as an empty element
      elen[i] = -2;
      s.nel++;
      pe[i] = -1;
      w[i] = 0;
      pivotStep[i] = s.step++;
    } else if (d > dense) {
      nv[i] = 0;
      elen[i] = -1;
      s.nel++;
      pe[i] = -1;
      denseNodes.push(i);
    } else {
      const h = head[d];
      if (h !== -1) last[h] = i;
      next[i] = h;
      head[d] = i;
    }
  }

  while (s.nel < n) {
    const k = pickPivot(s);
    const elenk = elen[k];
    s.nvk = nv[k];
    s.nel += s.nvk;
    pivotStep[k] = s.step++;
    // |Lk| counts distinct principal variables, at most n - nel of them
    if (elenk > 0) ensureRoom(s, n - s.nel + 1);
    nv[k] = -s.nvk;
    constructElement(s, k, elenk);
    degree[k] = s.dk;
    pe[k] = s.pk1;
    s.len[k] = s.pk2 - s.pk1;
    elen[k] = -2;

    s.wflg = clearFlag(s, s.wflg);
    externalElementSizes(s);
    updateDegrees(s, k);
    degree[k] = s.dk;
    if (s.dk > s.lemax) s.lemax = s.dk;
    s.wflg = clearFlag(s, s.wflg + s.lemax);
    mergeSupervariables(s);
    finalizeElement(s, k, elenk);
  }

  for (const i of denseNodes) pivotStep[i] = s.step++;

  // Each node is ordered with the pivot it was merged into or eliminated with.
  const step = s.step;
  const groupOf = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let r = i;
    while (varParent[r] !== -1) r = varParent[r];
    let c = i;
    while (varParent[c] !== -1) {
      const up = varParent[c];
      varParent[c] = r;
      c = up;
    }
    if (pivotStep[r] < 0) throw new Error(`AMD internal error: node ${i} was never eliminated`);
    groupOf[i] = pivotStep[r];
  }
  const start = new Int32Array(step + 1);
  for (let i = 0; i < n; i++) start[groupOf[i] + 1]++;
  for (let t = 0; t < step; t++) start[t + 1] += start[t];
  const perm = new Int32Array(n);
  // pivot first within its group, then the variables that went with it
  for (let i = 0; i < n; i++) if (varParent[i] === -1) perm[start[groupOf[i]]++] = i;
  for (let i = 0; i < n; i++) if (varParent[i] !== -1) perm[start[groupOf[i]]++] = i;
  return perm;
}

/**
 * Elimination tree of the graph permuted by perm (Liu's algorithm with path
 * compression): parent[k] in permuted numbering, -1 for roots.
 */
export function eliminationTree(n: number, ptr: Int32Array, adj: Int32Array, perm: Int32Array): Int32Array {
  const pinv = invertPermutation(perm);
  const parent = new Int32Array(n).fill(-1);
  const ancestor = new Int32Array(n).fill(-1);
  for (let k = 0; k < n; k++) {
    const v = perm[k];
    for (let p = ptr[v]; p < ptr[v + 1]; p++) {
      let i = pinv[adj[p]];
      while (i !== -1 && i < k) {
        const up = ancestor[i];
        ancestor[i] = k;
        if (up === -1) {
          parent[i] = k;
          break;
        }
        i = up;
      }
    }
  }
  return parent;
}

/**
 * Pattern of the Cholesky factor L (strictly lower) of the graph permuted by
 * perm, by columns with sorted rows, in permuted numbering; U's pattern is its
 * transpose. For a structurally symmetric matrix factored with diagonal pivots
 * in this order these are exactly the L and U patterns of LU (a superset
 * otherwise). Found row by row from row subtrees of the elimination tree.
 */
export function symbolicCholesky(
  n: number,
  ptr: Int32Array,
  adj: Int32Array,
  perm: Int32Array,
): { lp: Int32Array; li: Int32Array; up: Int32Array; ui: Int32Array } {
  const pinv = invertPermutation(perm);
  const parent = eliminationTree(n, ptr, adj, perm);
  const mark = new Int32Array(n).fill(-1);
  const lp = new Int32Array(n + 1);
  const up = new Int32Array(n + 1);
  // pass 1: counts; row i of L = nodes on the paths from i's lower neighbours up to i
  for (let i = 0; i < n; i++) {
    mark[i] = i;
    const v = perm[i];
    for (let p = ptr[v]; p < ptr[v + 1]; p++) {
      for (let t = pinv[adj[p]]; t < i && mark[t] !== i; t = parent[t]) {
        mark[t] = i;
        lp[t + 1]++;
        up[i + 1]++;
      }
    }
  }
  for (let k = 0; k < n; k++) {
    lp[k + 1] += lp[k];
    up[k + 1] += up[k];
  }
  const li = new Int32Array(lp[n]);
  const fill = lp.slice(0, n);
  mark.fill(-1);
  // pass 2: rows in increasing order, so each column of L comes out sorted
  for (let i = 0; i < n; i++) {
    mark[i] = i;
    const v = perm[i];
    for (let p = ptr[v]; p < ptr[v + 1]; p++) {
      for (let t = pinv[adj[p]]; t < i && mark[t] !== i; t = parent[t]) {
        mark[t] = i;
        li[fill[t]++] = i;
      }
    }
  }
  // U = pattern of L^T: walking L's columns in order fills U's columns with sorted rows
  const ui = new Int32Array(up[n]);
  const ufill = up.slice(0, n);
  for (let t = 0; t < n; t++) {
    for (let p = lp[t]; p < lp[t + 1]; p++) ui[ufill[li[p]]++] = t;
  }
  return { lp, li, up, ui };
}

/** inv[perm[k]] = k. */
export function invertPermutation(perm: Int32Array): Int32Array {
  const inv = new Int32Array(perm.length);
  for (let k = 0; k < perm.length; k++) inv[perm[k]] = k;
  return inv;
}

/** True when perm holds each of 0..n-1 exactly once. */
export function isPermutation(perm: ArrayLike<number>, n: number): boolean {
  if (perm.length !== n) return false;
  const seen = new Uint8Array(n);
  for (let k = 0; k < n; k++) {
    const v = perm[k];
    if (!(v >= 0 && v < n) || seen[v]) return false;
    seen[v] = 1;
  }
  return true;
}
