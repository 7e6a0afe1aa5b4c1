// CH3-L3 scores on a layer's bipartite graph: a hand-computed example and a
// brute-force reference written straight from the definition on a general
// graph (Muscoloni et al.; de(z) = deg(z) - links into the local community
// - links to the seeds u and v).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ch3l3Scores, countL3Paths } from '../../main/core/learn/ch3l3';
import { csrFromPositions } from '../../main/core/learn/sparse';
import { randomMask } from '../../main/core/learn/density';
import { Rng } from '../../main/core/learn/rng';

const scoreMap = (nIn: number, nOut: number, positions: number[]) => {
  const { rowPtr, col } = csrFromPositions(nIn, nOut, Int32Array.from(positions));
  const r = ch3l3Scores(nIn, nOut, rowPtr, col);
  return new Map(Array.from(r.position, (p, j) => [p, r.score[j]]));
};

test('CH3-L3 on a 4-input x 3-output layer, by hand', () => {
  // Links (input-output): i0-o0, i1-o0, i2-o0, i1-o1, i2-o1, i3-o1, i2-o2, i3-o2.
  // Position = o * 4 + i.
  const links = [0, 1, 2, 5, 6, 7, 10, 11];
  const s = scoreMap(4, 3, links);
  // Missing pairs: (i3,o0)=3, (i0,o1)=4, (i0,o2)=8, (i1,o2)=9; all reachable.
  assert.deepEqual([...s.keys()].sort((a, b) => a - b), [3, 4, 8, 9]);

  // (i0,o1): paths i0-o0-i1-o1 and i0-o0-i2-o1; community {o0, i1, i2}.
  //   de(o0) = 3 links - 2 (i1,i2 in community) - 1 (seed i0) = 0
  //   de(i1) = 2 - 1 (o0) - 1 (seed o1) = 0
  //   de(i2) = 3 - 1 (o0) - 1 (seed o1) = 1   (its link to o2 leaves the community)
  //   score = 1/sqrt(1*1) + 1/sqrt(1*2) = 1 + 1/sqrt(2)
  assert.ok(Math.abs(s.get(4)! - (1 + 1 / Math.SQRT2)) < 1e-12);

  // (i0,o2): one path i0-o0-i2-o2; community {o0, i2}.
  //   de(o0) = 3 - 1 (i2) - 1 (seed i0) = 1   (i1 is outside the community)
  //   de(i2) = 3 - 1 (o0) - 1 (seed o2) = 1   (o1 is outside the community)
  //   score = 1/sqrt(2*2) = 0.5
  assert.ok(Math.abs(s.get(8)! - 0.5) < 1e-12);

  // (i1,o2): paths i1-o0-i2-o2, i1-o1-i2-o2, i1-o1-i3-o2; community {o0, o1, i2, i3}.
  //   de(o0) = 3 - 1 (i2) - 1 (seed i1) = 1   (i0 outside)
  //   de(o1) = 3 - 2 (i2, i3) - 1 (seed i1) = 0
  //   de(i2) = 3 - 2 (o0, o1) - 1 (seed o2) = 0   (o1 now inside: the local-community rule)
  //   de(i3) = 2 - 1 (o1) - 1 (seed o2) = 0
  //   score = 1/sqrt(2*1) + 1 + 1 = 2 + 1/sqrt(2)
  assert.ok(Math.abs(s.get(9)! - (2 + 1 / Math.SQRT2)) < 1e-12);

  // (i3,o0): paths i3-o1-i1-o0, i3-o1-i2-o0, i3-o2-i2-o0; community {o1, o2, i1, i2}.
  //   every de = 0 (o1: i1,i2 inside + seed i3; o2: i2 inside + seed i3;
  //   i1: o1 inside + seed o0; i2: o1,o2 inside + seed o0) -> score = 3
  assert.ok(Math.abs(s.get(3)! - 3) < 1e-12);
});

test('pairs with no length-3 path get no score; linked pairs are never scored', () => {
  // i0-o0 and i1-o1 only: no length-3 path at all.
  assert.equal(scoreMap(2, 2, [0, 3]).size, 0);
  // A single star o0 - {i0, i1}: still no length-3 path to another output.
  assert.equal(scoreMap(3, 2, [0, 1]).size, 0);
});

/** Straight from the definition, on the general graph of inputs 0..nIn-1 and outputs nIn.. */
function bruteForce(nIn: number, nOut: number, positions: Int32Array): Map<number, number> {
  const n = nIn + nOut;
  const A: boolean[][] = Array.from({ length: n }, () => new Array(n).fill(false));
  for (const p of positions) {
    const o = Math.floor(p / nIn), i = p % nIn;
    A[i][nIn + o] = A[nIn + o][i] = true;
  }
  const nb = (x: number) => [...Array(n).keys()].filter((y) => A[x][y]);
  const out = new Map<number, number>();
  for (let u = 0; u < nIn; u++) {
    for (let o = 0; o < nOut; o++) {
      const v = nIn + o;
      if (A[u][v]) continue;
      const paths: [number, number][] = [];
      for (const a of nb(u)) for (const b of nb(a)) if (b !== u && b !== v && a !== v && A[b][v]) paths.push([a, b]);
      if (paths.length === 0) continue;
      const C = new Set(paths.flat());
      const de = (z: number) => nb(z).length - nb(z).filter((y) => C.has(y)).length - (A[z][u] ? 1 : 0) - (A[z][v] ? 1 : 0);
      out.set(o * nIn + u, paths.reduce((s, [a, b]) => s + 1 / Math.sqrt((1 + de(a)) * (1 + de(b))), 0));
    }
  }
  return out;
}

test('CH3-L3 matches the brute-force definition on random layers', () => {
  const rng = new Rng(21);
  for (const [nIn, nOut, count] of [[6, 5, 8], [12, 9, 30], [20, 15, 40], [9, 14, 60], [30, 30, 90]] as const) {
    const pos = randomMask({ nIn, nOut }, count, rng);
    const { rowPtr, col } = csrFromPositions(nIn, nOut, pos);
    const got = ch3l3Scores(nIn, nOut, rowPtr, col);
    const want = bruteForce(nIn, nOut, pos);
    assert.equal(got.position.length, want.size, `${nOut}x${nIn}: number of scored pairs`);
    got.position.forEach((p, j) => {
      assert.ok(want.has(p), `pair ${p} scored but has no length-3 path`);
      assert.ok(Math.abs(got.score[j] - want.get(p)!) < 1e-9, `pair ${p}: ${got.score[j]} vs ${want.get(p)}`);
    });
    // Path count estimate equals the number of u-z1-z2-v walks (used for the budget).
    let walks = 0;
    for (let o = 0; o < nOut; o++) for (let k = rowPtr[o]; k < rowPtr[o + 1]; k++) {
      const i = col[k];
      for (let o2 = 0; o2 < nOut; o2++) for (let k2 = rowPtr[o2]; k2 < rowPtr[o2 + 1]; k2++) if (col[k2] === i) walks += rowPtr[o + 1] - rowPtr[o];
    }
    assert.equal(countL3Paths(nIn, nOut, rowPtr, col), walks);
  }
});
