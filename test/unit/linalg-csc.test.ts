import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  assembleInto,
  buildPattern,
  CscFormatError,
  cscFromTriplets,
  cscMatVec,
  cscMatVecTranspose,
  cscToDense,
  cscTranspose,
  cscValidate,
  PatternBuilder,
  type CSC,
} from '../../main/core/linalg';
import { denseMatVec, denseTranspose, rng } from './dense-lu';

test('cscFromTriplets sorts rows and sums duplicates (hand example)', () => {
  // [ 1 0 5 ]
  // [ 0 3 0 ]
  // [ 2 0 4 ]   with (2,2) given as 1 + 3 and (0,0) as 0.5 + 0.5
  const a = cscFromTriplets(3, 3, [2, 0, 1, 2, 0, 0, 2], [0, 2, 1, 2, 0, 0, 2], [2, 5, 3, 1, 0.5, 0.5, 3]);
  assert.deepEqual(Array.from(a.colPtr), [0, 2, 3, 5]);
  assert.deepEqual(Array.from(a.rowIdx), [0, 2, 1, 0, 2]);
  assert.deepEqual(Array.from(a.values), [1, 2, 3, 5, 4]);
  assert.deepEqual(cscToDense(a), [
    [1, 0, 5],
    [0, 3, 0],
    [2, 0, 4],
  ]);
  cscValidate(a);
});

test('buildPattern map re-assembles the same matrix without rebuilding', () => {
  const r = rng(7);
  for (let trial = 0; trial < 30; trial++) {
    const nr = 1 + Math.floor(r() * 20);
    const nc = 1 + Math.floor(r() * 20);
    const m = Math.floor(r() * 80);
    const rows: number[] = [];
    const cols: number[] = [];
    for (let k = 0; k < m; k++) {
      rows.push(Math.floor(r() * nr));
      cols.push(Math.floor(r() * nc));
    }
    const { pattern, map } = buildPattern(nr, nc, rows, cols);
    cscValidate(pattern);
    for (let round = 0; round < 3; round++) {
      const v = rows.map(() => r() * 2 - 1);
      assembleInto(pattern.values, map, v);
      const ref = cscFromTriplets(nr, nc, rows, cols, v);
      assert.deepEqual(Array.from(pattern.colPtr), Array.from(ref.colPtr));
      assert.deepEqual(Array.from(pattern.rowIdx), Array.from(ref.rowIdx));
      // dense sum of the triplets, computed independently
      const d: number[][] = Array.from({ length: nr }, () => new Array<number>(nc).fill(0));
      for (let k = 0; k < m; k++) d[rows[k]][cols[k]] += v[k];
      const got = cscToDense(pattern);
      for (let i = 0; i < nr; i++) for (let j = 0; j < nc; j++) assert.ok(Math.abs(got[i][j] - d[i][j]) < 1e-12);
    }
  }
});

test('PatternBuilder hands out slots in order and maps them to CSC positions', () => {
  const pb = new PatternBuilder(2, 2, 1);
  const s0 = pb.add(1, 1);
  const s1 = pb.add(0, 1);
  const s2 = pb.add(1, 1);
  const s3 = pb.add(1, 0);
  assert.deepEqual([s0, s1, s2, s3], [0, 1, 2, 3]);
  assert.equal(pb.count, 4);
  const { pattern, map } = pb.build();
  // column 0: row 1 (pos 0); column 1: rows 0 (pos 1), 1 (pos 2)
  assert.deepEqual(Array.from(pattern.colPtr), [0, 1, 3]);
  assert.deepEqual(Array.from(pattern.rowIdx), [1, 0, 1]);
  assert.deepEqual(Array.from(map), [2, 1, 2, 0]);
  assert.throws(() => pb.add(2, 0), CscFormatError);
  assert.throws(() => pb.add(0, -1), CscFormatError);
});

test('matvec, transposed matvec and transpose agree with dense arithmetic', () => {
  const r = rng(11);
  for (let trial = 0; trial < 20; trial++) {
    const nr = 1 + Math.floor(r() * 15);
    const nc = 1 + Math.floor(r() * 15);
    const rows: number[] = [];
    const cols: number[] = [];
    const vals: number[] = [];
    for (let k = 0; k < nr * nc * 0.3; k++) {
      rows.push(Math.floor(r() * nr));
      cols.push(Math.floor(r() * nc));
      vals.push(r() - 0.5);
    }
    const a = cscFromTriplets(nr, nc, rows, cols, vals);
    const d = cscToDense(a);
    const x = Array.from({ length: nc }, () => r() - 0.5);
    const y = cscMatVec(a, x);
    const yd = denseMatVec(d, x);
    yd.forEach((v, i) => assert.ok(Math.abs(v - y[i]) < 1e-12));
    const z = Array.from({ length: nr }, () => r() - 0.5);
    const yt = cscMatVecTranspose(a, z);
    const ytd = denseMatVec(denseTranspose(d), z);
    ytd.forEach((v, i) => assert.ok(Math.abs(v - yt[i]) < 1e-12));
    const at = cscTranspose(a);
    cscValidate(at);
    assert.deepEqual(cscToDense(at), denseTranspose(d));
    const att = cscTranspose(at);
    assert.deepEqual(Array.from(att.rowIdx), Array.from(a.rowIdx));
    assert.deepEqual(Array.from(att.values), Array.from(a.values));
  }
});

test('malformed input is rejected with CscFormatError', () => {
  assert.throws(() => cscFromTriplets(2, 2, [2], [0], [1]), CscFormatError);
  assert.throws(() => cscFromTriplets(2, 2, [0], [0.5], [1]), CscFormatError);
  assert.throws(() => cscFromTriplets(2, 2, [0, 1], [0], [1, 2]), CscFormatError);
  const unsorted: CSC = {
    nrows: 2,
    ncols: 1,
    colPtr: new Int32Array([0, 2]),
    rowIdx: new Int32Array([1, 0]),
    values: new Float64Array([1, 2]),
  };
  assert.throws(() => cscValidate(unsorted), /not sorted/);
  const dup: CSC = { ...unsorted, rowIdx: new Int32Array([1, 1]) };
  assert.throws(() => cscValidate(dup), CscFormatError);
});
