// The column extremes incremental inference and training pool with: the
// best row of a column outside the recomputed rows, as a scan of the whole
// column would find it (the first best row on ties), for short lists (with
// the scan fallback) and full sorted ones, largest and smallest.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ColumnTops, Sizer } from '../../main/core/learn/incremental-stages';
import { Arena } from '../../main/core/learn/kernels';
import { Rng } from '../../main/core/learn/rng';

function brute(x: Float32Array, rows: number, W: number, f: number, sign: 1 | -1, mark: Uint8Array): number {
  let arg = -1, bv = -Infinity;
  for (let r = 0; r < rows; r++) {
    if (mark[r]) continue;
    const v = sign * x[r * W + f];
    if (v > bv) { bv = v; arg = r; }
  }
  return arg;
}

for (const [rows, W, K] of [[300, 6, 16], [300, 6, 300], [50, 3, 64], [1000, 4, 8]] as const) {
  for (const sign of [1, -1] as const) {
    test(`column tops: ${rows} rows x ${W}, K ${K}, sign ${sign}, with ties and marked rows`, () => {
      const rng = new Rng(rows + W + K + sign);
      // Few distinct values: many ties.
      const x = Float32Array.from({ length: rows * W }, () => Math.round(rng.normal() * 4) / 4);
      const sizer = new Sizer();
      new ColumnTops(sizer, rows, W, sign, K);
      const tops = new ColumnTops(new Arena(new ArrayBuffer(sizer.bytes)), rows, W, sign, K);
      tops.build(x);
      for (let t = 0; t < 40; t++) {
        const mark = new Uint8Array(rows);
        const n = t < 20 ? rng.int(10) : rng.int(rows);
        for (let i = 0; i < n; i++) mark[rng.int(rows)] = 1;
        for (let f = 0; f < W; f++) assert.equal(tops.best(f, mark, 1), brute(x, rows, W, f, sign, mark), `column ${f}, ${n} marked`);
      }
      // Rebuilt on other values, the same arrays serve.
      const y = Float32Array.from({ length: rows * W }, () => rng.normal());
      tops.build(y);
      const none = new Uint8Array(rows);
      for (let f = 0; f < W; f++) assert.equal(tops.best(f, none, 1), brute(y, rows, W, f, sign, none));
    });
  }
}
