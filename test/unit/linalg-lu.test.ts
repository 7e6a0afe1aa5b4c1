import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  assembleInto,
  cscFromTriplets,
  cscMatVec,
  cscMatVecTranspose,
  cscToDense,
  NonFiniteValueError,
  SingularMatrixError,
  SparseLU,
  type CSC,
} from '../../main/core/linalg';
import { jacobian } from '../../bench/linalg';
import { DenseSingularError, denseSolve, denseTranspose, rng } from './dense-lu';

/** Dense row-major to CSC keeping exactly the nonzeros plus `alsoStore` positions. */
function fromDense(d: number[][], alsoStore: Array<[number, number]> = []): CSC {
  const rows: number[] = [];
  const cols: number[] = [];
  const vals: number[] = [];
  d.forEach((row, i) =>
    row.forEach((v, j) => {
      if (v !== 0) {
        rows.push(i);
        cols.push(j);
        vals.push(v);
      }
    }),
  );
  for (const [i, j] of alsoStore) {
    rows.push(i);
    cols.push(j);
    vals.push(0);
  }
  return cscFromTriplets(d.length, d.length, rows, cols, vals);
}

interface RandomOpts {
  n: number;
  density: number;
  dominant: boolean;
  zeroDiagFrac: number;
}

/**
 * Random sparse matrix: a random permutation pattern (keeps it structurally
 * nonsingular even with zero diagonals) plus random off-diagonal entries,
 * nonsymmetric in pattern. Some diagonals are left out so pivoting must pick
 * another row.
 */
function randomSparse(r: () => number, o: RandomOpts): CSC {
  const { n } = o;
  const d: number[][] = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  const perm = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [perm[i], perm[j]] = [perm[j], perm[i]];
  }
  for (let j = 0; j < n; j++) d[perm[j]][j] = (r() < 0.5 ? -1 : 1) * (0.5 + r());
  const extra = Math.floor(o.density * n * n);
  for (let t = 0; t < extra; t++) d[Math.floor(r() * n)][Math.floor(r() * n)] = r() * 2 - 1;
  for (let i = 0; i < n; i++) {
    if (r() < o.zeroDiagFrac) d[i][i] = 0;
    else if (o.dominant) d[i][i] = (r() < 0.5 ? -1 : 1) * (1 + d[i].reduce((s, v) => s + Math.abs(v), 0));
    else if (d[i][i] === 0 && r() < 0.5) d[i][i] = r() * 2 - 1;
  }
  return fromDense(d);
}

function relResidual(a: CSC, x: Float64Array, b: Float64Array, transpose = false): number {
  const ax = transpose ? cscMatVecTranspose(a, x) : cscMatVec(a, x);
  let num = 0;
  let bn = 0;
  let xn = 0;
  for (let i = 0; i < b.length; i++) {
    num = Math.max(num, Math.abs(ax[i] - b[i]));
    bn = Math.max(bn, Math.abs(b[i]));
    xn = Math.max(xn, Math.abs(x[i]));
  }
  let an = 0;
  for (let j = 0; j < a.ncols; j++) {
    for (let p = a.colPtr[j]; p < a.colPtr[j + 1]; p++) an = Math.max(an, Math.abs(a.values[p]));
  }
  return num / (an * xn * a.ncols + bn);
}

const KERNELS = ['js', 'wasm'] as const;

function randomVector(r: () => number, n: number): Float64Array {
  return Float64Array.from({ length: n }, () => r() * 2 - 1);
}

test('hand example: 3x3 tridiagonal solves to the known vector', () => {
  const a = fromDense([
    [4, 1, 0],
    [1, 3, 1],
    [0, 1, 2],
  ]);
  const lu = new SparseLU(a);
  lu.factor(a.values);
  const x = lu.solve(new Float64Array([6, 10, 8])); // A [1 2 3]^T
  [1, 2, 3].forEach((v, i) => assert.ok(Math.abs(x[i] - v) < 1e-14));
  assert.equal(lu.n, 3);
  // tridiagonal: no fill, so L and U keep exactly the pattern of A
  assert.equal(lu.nnzL + lu.nnzU - lu.n, 7);
});

test('zero diagonal forces row pivoting', () => {
  // [0 2 0; 1 0 0; 0 0 3] x = [4 5 6]  ->  x = [5 2 2]
  const a = fromDense([
    [0, 2, 0],
    [1, 0, 0],
    [0, 0, 3],
  ]);
  for (const ordering of ['amd', 'natural'] as const) {
    const lu = new SparseLU(a, { ordering });
    lu.factor(a.values);
    const x = lu.solve(new Float64Array([4, 5, 6]));
    assert.deepEqual(Array.from(x), [5, 2, 2]);
    const y = lu.solveTranspose(new Float64Array([1, 4, 6])); // A^T y = b -> y = [2 1 2]
    assert.deepEqual(Array.from(y), [2, 1, 2]);
  }
});

test('random sparse matrices: solve and solveTranspose match dense LU', () => {
  const r = rng(2024);
  let checked = 0;
  for (let trial = 0; trial < 240; trial++) {
    const n = 1 + Math.floor(r() * (trial < 200 ? 40 : 150));
    const o: RandomOpts = {
      n,
      density: [0.01, 0.05, 0.15, 0.4][trial % 4],
      dominant: trial % 3 === 0,
      zeroDiagFrac: [0, 0.2, 0.6][trial % 5 % 3],
    };
    const a = randomSparse(r, o);
    const dense = cscToDense(a);
    const b = randomVector(r, n);
    let xd: number[];
    let xtd: number[];
    try {
      xd = denseSolve(dense, b);
      xtd = denseSolve(denseTranspose(dense), b);
    } catch (e) {
      if (e instanceof DenseSingularError) continue; // numerically singular draw
      throw e;
    }
    const ordering = trial % 2 === 0 ? 'amd' : 'natural';
    const lu = new SparseLU(a, { ordering, kernel: 'wasm' });
    lu.factor(a.values);
    const x = lu.solve(b);
    const xt = lu.solveTranspose(b);
    // the TypeScript loops do the same arithmetic in the same order
    const js = new SparseLU(a, { ordering, kernel: 'js' });
    js.factor(a.values);
    assert.deepEqual(js.solve(b), x);
    assert.deepEqual(js.solveTranspose(b), xt);
    assert.ok(relResidual(a, x, b) < 1e-12, `trial ${trial}: residual ${relResidual(a, x, b)}`);
    assert.ok(relResidual(a, xt, b, true) < 1e-12, `trial ${trial}: transposed residual`);
    const scale = Math.max(1, ...xd.map(Math.abs));
    for (let i = 0; i < n; i++) {
      assert.ok(Math.abs(x[i] - xd[i]) < 1e-7 * scale, `trial ${trial} x[${i}] ${x[i]} vs ${xd[i]}`);
    }
    const scaleT = Math.max(1, ...xtd.map(Math.abs));
    for (let i = 0; i < n; i++) assert.ok(Math.abs(xt[i] - xtd[i]) < 1e-7 * scaleT);
    checked++;
  }
  assert.ok(checked > 200, `only ${checked} non-singular draws`);
});

test('solve accepts x aliasing b and an explicit output vector', () => {
  const r = rng(5);
  const a = randomSparse(r, { n: 30, density: 0.1, dominant: true, zeroDiagFrac: 0.1 });
  const lu = new SparseLU(a);
  lu.factor(a.values);
  const b = randomVector(r, 30);
  const ref = lu.solve(b);
  const out = new Float64Array(30);
  assert.equal(lu.solve(b, out), out);
  assert.deepEqual(Array.from(out), Array.from(ref));
  const inplace = b.slice();
  lu.solve(inplace, inplace);
  assert.deepEqual(Array.from(inplace), Array.from(ref));
  const refT = lu.solveTranspose(b);
  const inplaceT = b.slice();
  lu.solveTranspose(inplaceT, inplaceT);
  assert.deepEqual(Array.from(inplaceT), Array.from(refT));
});

test('refactor with new values on the same pattern equals a fresh factor', () => {
  const r = rng(99);
  for (let trial = 0; trial < 60; trial++) {
    const n = 2 + Math.floor(r() * 60);
    const a = randomSparse(r, { n, density: 0.08, dominant: true, zeroDiagFrac: trial % 2 ? 0.3 : 0 });
    const lu = new SparseLU(a, { kernel: KERNELS[trial % 2] });
    try {
      lu.factor(a.values);
    } catch (e) {
      if (e instanceof SingularMatrixError) continue; // a zero-diagonal draw can be singular
      throw e;
    }
    const nnzL = lu.nnzL;
    const nnzU = lu.nnzU;
    for (let round = 0; round < 3; round++) {
      // perturb the values by up to 10% (keeps the pivots of a dominant matrix good)
      const v = a.values.map((x) => x * (0.9 + 0.2 * r()));
      assert.equal(lu.refactor(v), true);
      assert.equal(lu.nnzL, nnzL);
      assert.equal(lu.nnzU, nnzU);
      const b = randomVector(r, n);
      const x = lu.solve(b);
      const fresh = new SparseLU(a);
      fresh.factor(v);
      const xf = fresh.solve(b);
      const a2: CSC = { ...a, values: v };
      assert.ok(relResidual(a2, x, b) < 1e-12);
      for (let i = 0; i < n; i++) assert.ok(Math.abs(x[i] - xf[i]) < 1e-10 * Math.max(1, Math.abs(xf[i])));
      const xt = lu.solveTranspose(b);
      assert.ok(relResidual(a2, xt, b, true) < 1e-12);
    }
  }
});

test('wasm and TypeScript refactor give bit-identical factors and solutions', () => {
  const r = rng(31);
  for (let trial = 0; trial < 20; trial++) {
    const n = 5 + Math.floor(r() * 200);
    const a = randomSparse(r, { n, density: 3 / n, dominant: trial % 2 === 0, zeroDiagFrac: 0.2 });
    const wasm = new SparseLU(a, { kernel: 'wasm' });
    const js = new SparseLU(a, { kernel: 'js' });
    try {
      wasm.factor(a.values);
    } catch (e) {
      if (e instanceof SingularMatrixError) continue;
      throw e;
    }
    js.factor(a.values);
    for (let round = 0; round < 3; round++) {
      const v = a.values.map((x) => x * (0.8 + 0.4 * r()));
      const okW = wasm.refactor(v);
      assert.equal(js.refactor(v), okW);
      if (!okW) break;
      const b = randomVector(r, n);
      assert.deepEqual(wasm.solve(b), js.solve(b));
      assert.deepEqual(wasm.solveTranspose(b), js.solveTranspose(b));
    }
  }
});

test('a later factor with more fill regrows the wasm memory and stays correct', () => {
  const r = rng(8);
  // a 40 x 40 grid with nonsymmetric values: L and U outgrow the first 64 KiB page
  const side = 40;
  const n = side * side;
  const rows: number[] = [];
  const cols: number[] = [];
  const vals: number[] = [];
  for (let v = 0; v < n; v++) {
    rows.push(v);
    cols.push(v);
    vals.push(5);
    for (const u of [v + 1, v + side]) {
      if ((u === v + 1 && (v + 1) % side === 0) || u >= n) continue;
      rows.push(v, u);
      cols.push(u, v);
      vals.push(r() * 2 - 1, r() * 2 - 1);
    }
  }
  const a = cscFromTriplets(n, n, rows, cols, vals);
  const lu = new SparseLU(a, { kernel: 'wasm' });
  lu.factor(a.values);
  const fill1 = lu.nnzL + lu.nnzU;
  const b = randomVector(r, n);
  assert.ok(relResidual(a, lu.solve(b), b) < 1e-12);
  // same pattern, but weak diagonals: pivoting goes off-diagonal and fill changes
  const v = a.values.slice();
  for (let j = 0; j < n; j++) {
    for (let p = a.colPtr[j]; p < a.colPtr[j + 1]; p++) if (a.rowIdx[p] === j) v[p] *= 1e-3;
  }
  const a2: CSC = { ...a, values: v };
  lu.factor(v);
  assert.notEqual(lu.nnzL + lu.nnzU, fill1);
  assert.ok(relResidual(a2, lu.solve(b), b) < 1e-12);
  assert.ok(relResidual(a2, lu.solveTranspose(b), b, true) < 1e-12);
  assert.equal(lu.refactor(v), true);
  assert.ok(relResidual(a2, lu.solve(b), b) < 1e-12);
});

test('refactor returns false when a pivot becomes zero, and factorize recovers', () => {
  for (const kernel of KERNELS) {
    // natural order, diagonal pivots at factor time
    const a0 = [
      [1, 1, 0],
      [1, 3, 1],
      [0, 1, 1],
    ];
    const a = fromDense(a0);
    const lu = new SparseLU(a, { ordering: 'natural', kernel });
    assert.equal(lu.kernel, kernel);
    assert.equal(lu.factorize(a.values), 'factor');
    assert.equal(lu.factorize(a.values), 'refactor');
    // a11 -> 1 makes the second pivot 1 - 1*1 = 0 with the old pivot order;
    // the matrix itself is nonsingular (det = -1)
    const v = a.values.slice();
    const pos22 = a.colPtr[1] + 1; // column 1 holds rows 0, 1, 2
    assert.equal(a.rowIdx[pos22], 1);
    v[pos22] = 1;
    assert.equal(lu.refactor(v), false);
    assert.equal(lu.isFactored, false);
    assert.throws(() => lu.solve(new Float64Array(3)), /factor/);
    assert.equal(lu.factorize(v), 'factor');
    const b = new Float64Array([2, 3, 2]); // x = [1 1 1]
    const x = lu.solve(b);
    x.forEach((xi) => assert.ok(Math.abs(xi - 1) < 1e-14));
    // and the new pivot sequence refactors the original values fine
    assert.equal(lu.refactor(a.values), true);
    const x0 = lu.solve(new Float64Array([2, 5, 2]));
    x0.forEach((xi) => assert.ok(Math.abs(xi - 1) < 1e-14));
  }
});

test('refactor rejects a tiny pivot and non-finite values', () => {
  for (const kernel of KERNELS) {
    const a = fromDense([
      [2, 1],
      [1, 2],
    ]);
    const lu = new SparseLU(a, { ordering: 'natural', kernel });
    lu.factor(a.values);
    // pivot 1e-14 against candidate 1 is below 1e-12 relative
    assert.equal(lu.refactor(new Float64Array([1e-14, 1, 1, 2])), false);
    assert.equal(lu.refactor(new Float64Array([2, 1, 1, 2])), true);
    assert.equal(lu.refactor(new Float64Array([2, NaN, 1, 2])), false);
    assert.equal(lu.refactor(new Float64Array([2, 1, Infinity, 2])), false);
    // NaN in an L position (row 1 of column 0), followed by finite entries
    assert.equal(lu.refactor(new Float64Array([2, NaN, 1, 2])), false);
    assert.throws(() => lu.factor(new Float64Array([2, 1, NaN, 2])), NonFiniteValueError);
    // a refused refactor leaves no residue: the next good one solves exactly
    lu.factor(new Float64Array([2, 1, 1, 2]));
    assert.equal(lu.refactor(new Float64Array([0, 1, 1, 2])), false);
    assert.equal(lu.refactor(new Float64Array([2, 1, 1, 2])), true);
    const x = lu.solve(new Float64Array([3, 3]));
    assert.ok(Math.abs(x[0] - 1) < 1e-15 && Math.abs(x[1] - 1) < 1e-15);
  }
});

test('singular matrices throw SingularMatrixError naming the column', () => {
  // structurally singular: column 1 only has row 0, which column 0 also needs alone
  const s1 = fromDense([
    [1, 1, 0],
    [0, 0, 0],
    [0, 0, 1],
  ]);
  const lu1 = new SparseLU(s1, { ordering: 'natural' });
  assert.throws(
    () => lu1.factor(s1.values),
    (e: unknown) => e instanceof SingularMatrixError && e.column === 1 && /column 1/.test(e.message),
  );
  // numerically singular: second column is twice the first
  const s2 = fromDense([
    [1, 2],
    [3, 6],
  ]);
  const lu2 = new SparseLU(s2, { ordering: 'natural' });
  assert.throws(() => lu2.factor(s2.values), SingularMatrixError);
  // an empty column
  const s3 = cscFromTriplets(3, 3, [0, 2], [0, 2], [1, 1]);
  assert.throws(
    () => new SparseLU(s3).factor(s3.values),
    (e: unknown) => e instanceof SingularMatrixError && e.column === 1,
  );
  // after a throw the same object can factor a good matrix again
  const good = new Float64Array([1, 3, 2, 7]); // [1 2; 3 7], column-major
  lu2.factor(good);
  const x = lu2.solve(new Float64Array([3, 10]));
  assert.ok(Math.abs(x[0] - 1) < 1e-14 && Math.abs(x[1] - 1) < 1e-14);
});

test('explicitly stored zeros stay in the pattern and take values on refactor', () => {
  // diagonal (0,0) stored but zero: pivoting must go off-diagonal, and the
  // stored zero at (1,2) must be in the L/U pattern for a later refactor
  const d = [
    [0, 1, 0],
    [2, 1, 0],
    [0, 1, 3],
  ];
  const a = fromDense(d, [
    [0, 0],
    [1, 2],
  ]);
  assert.equal(a.colPtr[3], 7);
  const lu = new SparseLU(a);
  lu.factor(a.values);
  const b = new Float64Array([1, 3, 4]);
  const x = lu.solve(b);
  assert.ok(relResidual(a, x, b) < 1e-15);
  // now give the stored zeros values; pivots stay acceptable -> refactor works
  const v = a.values.slice();
  const d2 = d.map((row) => row.slice());
  for (let j = 0; j < 3; j++) {
    for (let p = a.colPtr[j]; p < a.colPtr[j + 1]; p++) {
      if (a.values[p] === 0) {
        v[p] = 0.05;
        d2[a.rowIdx[p]][j] = 0.05;
      }
    }
  }
  assert.equal(lu.refactor(v), true);
  const x2 = lu.solve(b);
  const xd = denseSolve(d2, b);
  xd.forEach((xi, i) => assert.ok(Math.abs(x2[i] - xi) < 1e-13));
});

test('diagonal is preferred within the threshold, max row otherwise', () => {
  // column 0 candidates: diag 0.5, other 1 -> 0.5 >= 0.1 * 1 keeps the diagonal
  const a = fromDense([
    [0.5, 1],
    [1, 1],
  ]);
  const lu = new SparseLU(a, { ordering: 'natural' });
  lu.factor(a.values);
  // with the diagonal kept, a22 pivot is 1 - 1*1/0.5 = -1: refactor of a
  // matrix whose a11 is 0 must then fail (it would not with a row swap)
  assert.equal(lu.refactor(new Float64Array([0, 1, 1, 1])), false);
  // pivotTol 1 forces the largest candidate: row 1 first, so a11 = 0 refactors fine
  const strict = new SparseLU(a, { ordering: 'natural', pivotTol: 1 });
  strict.factor(a.values);
  assert.equal(strict.refactor(new Float64Array([0, 1, 1, 1])), true);
  const x = strict.solve(new Float64Array([1, 2])); // [0 1; 1 1] x = [1 2] -> x = [1 1]
  assert.ok(Math.abs(x[0] - 1) < 1e-15 && Math.abs(x[1] - 1) < 1e-15);
});

test('bad arguments give actionable errors', () => {
  const a = fromDense([
    [1, 0],
    [0, 1],
  ]);
  const lu = new SparseLU(a);
  assert.throws(() => lu.solve(new Float64Array(2)), /factor/);
  assert.throws(() => lu.refactor(a.values), /before a successful factor/);
  lu.factor(a.values);
  assert.throws(() => lu.solve(new Float64Array(3)), /length 3/);
  assert.throws(() => lu.factor(new Float64Array(1)), /values has 1/);
  assert.throws(() => new SparseLU(cscFromTriplets(2, 3, [0], [0], [1])), /square/);
  assert.throws(() => new SparseLU(a, { pivotTol: 2 }), RangeError);
  const empty = new SparseLU(cscFromTriplets(0, 0, [], [], []));
  empty.factor(new Float64Array(0));
  assert.equal(empty.solve(new Float64Array(0)).length, 0);
});

test('case118 Jacobian-shaped matrix: outages by zeroed values refactor to the dense solution', () => {
  const { a, map, slotValues, nbranch, branchSlot } = jacobian('case118');
  const n = a.ncols;
  const lu = new SparseLU(a);
  lu.factor(a.values);
  const r = rng(118);
  const b = randomVector(r, n);
  const values = new Float64Array(a.values.length);
  const outage = slotValues.slice();
  let refactored = 0;
  for (let t = 0; t < 12; t++) {
    const br = Math.floor((t * nbranch) / 12);
    outage.set(slotValues);
    for (let s = branchSlot[br]; s < branchSlot[br + 1]; s++) outage[s] = 0;
    assembleInto(values, map, outage);
    const a2: CSC = { ...a, values };
    let xd: number[] | null = null;
    try {
      xd = denseSolve(cscToDense(a2), b);
    } catch (e) {
      if (!(e instanceof DenseSingularError)) throw e;
    }
    if (xd === null) {
      assert.throws(() => lu.factorize(values), SingularMatrixError);
      continue;
    }
    if (lu.factorize(values) === 'refactor') refactored++;
    const x = lu.solve(b);
    assert.ok(relResidual(a2, x, b) < 1e-12, `outage of branch ${br}`);
    for (let i = 0; i < n; i++) assert.ok(Math.abs(x[i] - xd[i]) < 1e-8 * Math.max(1, Math.abs(xd[i])));
  }
  assert.ok(refactored >= 6, `only ${refactored} outages were refactored`);
});

test('diagonal-first factor matches full pivoting when diagonal pivots pass, and falls back otherwise', () => {
  const r = rng(404);
  let diagonal = 0;
  const paths: Record<string, number> = {};
  for (let trial = 0; trial < 40; trial++) {
    const n = 3 + Math.floor(r() * 80);
    const symmetricPattern = trial % 2 === 0;
    let a = randomSparse(r, { n, density: 0.06, dominant: true, zeroDiagFrac: trial % 5 === 4 ? 0.2 : 0 });
    if (symmetricPattern) {
      // add the transpose's positions with small values: structurally symmetric, still dominant
      const d = cscToDense(a);
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) if (d[i][j] !== 0 && d[j][i] === 0) d[j][i] = 0.01;
      a = fromDense(d);
    }
    const fast = new SparseLU(a);
    const full = new SparseLU(a, { diagonalFirst: false });
    try {
      full.factor(a.values);
    } catch (e) {
      if (e instanceof SingularMatrixError) continue;
      throw e;
    }
    fast.factor(a.values);
    assert.equal(full.lastFactorPath, 'pivoting');
    paths[fast.lastFactorPath ?? 'none'] = (paths[fast.lastFactorPath ?? 'none'] ?? 0) + 1;
    if (fast.lastFactorPath === 'diagonal') {
      diagonal++;
      if (symmetricPattern) {
        assert.equal(fast.nnzL, full.nnzL);
        assert.equal(fast.nnzU, full.nnzU);
      } else {
        assert.ok(fast.nnzL + fast.nnzU >= full.nnzL + full.nnzU);
      }
    }
    const b = randomVector(r, n);
    const x = fast.solve(b);
    const xf = full.solve(b);
    assert.ok(relResidual(a, x, b) < 1e-12);
    for (let i = 0; i < n; i++) assert.ok(Math.abs(x[i] - xf[i]) < 1e-10 * Math.max(1, Math.abs(xf[i])));
    // and both refactor the same new values alike
    const v = a.values.map((y) => y * (0.9 + 0.2 * r()));
    assert.equal(fast.refactor(v), true);
    assert.equal(full.refactor(v), true);
    const y = fast.solveTranspose(b);
    const yf = full.solveTranspose(b);
    for (let i = 0; i < n; i++) assert.ok(Math.abs(y[i] - yf[i]) < 1e-10 * Math.max(1, Math.abs(yf[i])));
  }
  assert.ok(diagonal >= 15, `diagonal path taken only ${diagonal} times`);
  assert.ok((paths.mixed ?? 0) >= 3, `mixed path taken only ${paths.mixed ?? 0} times`);
  // hand example: column 1's diagonal (-0.24 after elimination) loses to 5 below it
  const mixed = fromDense([
    [4, 1, 0],
    [1, 0.01, 1],
    [0, 5, 3],
  ]);
  for (const kernel of KERNELS) {
    const m = new SparseLU(mixed, { ordering: 'natural', kernel });
    m.factor(mixed.values);
    assert.equal(m.lastFactorPath, 'mixed');
    const bm = new Float64Array([5, 2.01, 8]); // x = [1 1 1]
    m.solve(bm).forEach((xi) => assert.ok(Math.abs(xi - 1) < 1e-14));
    assert.equal(m.refactor(mixed.values), true);
    m.solveTranspose(new Float64Array([5, 6.01, 4])).forEach((xi) => assert.ok(Math.abs(xi - 1) < 1e-14));
  }
  // a diagonal below the threshold sends factor down the pivoting path
  const weak = fromDense([
    [0.05, 1],
    [1, 1],
  ]);
  const lu = new SparseLU(weak, { ordering: 'natural' });
  lu.factor(weak.values);
  assert.equal(lu.lastFactorPath, 'pivoting');
  const x = lu.solve(new Float64Array([1.05, 2])); // x = [1 1]
  assert.ok(Math.abs(x[0] - 1) < 1e-14 && Math.abs(x[1] - 1) < 1e-14);
  // so does a zero diagonal
  const swap = fromDense([
    [0, 1],
    [1, 0],
  ]);
  const lu2 = new SparseLU(swap);
  lu2.factor(swap.values);
  assert.equal(lu2.lastFactorPath, 'pivoting');
  assert.deepEqual(Array.from(lu2.solve(new Float64Array([2, 3]))), [3, 2]);
});

test('factors(): P A Q = L U, the same whether WebAssembly or TypeScript computed them (also after refactor)', () => {
  const r = rng(77);
  let checked = 0;
  for (let trial = 0; trial < 40; trial++) {
    const n = 2 + Math.floor(r() * 30);
    const a = randomSparse(r, { n, density: 0.15, dominant: trial % 2 === 0, zeroDiagFrac: trial % 3 === 0 ? 0.3 : 0 });
    const dense = cscToDense(a);
    try {
      denseSolve(dense, randomVector(r, n));
    } catch (e) {
      if (e instanceof DenseSingularError) continue;
      throw e;
    }
    const fs = (['wasm', 'js'] as const).map((kernel) => {
      const lu = new SparseLU(a, { kernel });
      lu.factor(a.values);
      lu.refactor(a.values); // numeric values then come from the refactor path
      return lu.factors();
    });
    assert.deepEqual(fs[0], fs[1]);
    const F = fs[0];
    // Rebuild L U (step order) and compare with A[prow[i], q[j]].
    const Lm = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j): number => (i === j ? 1 : 0)));
    const Um = Array.from({ length: n }, () => new Array<number>(n).fill(0));
    for (let j = 0; j < n; j++) {
      for (let p = F.lp[j]; p < F.lp[j + 1]; p++) Lm[F.li[p]][j] = F.lx[p];
      for (let p = F.up[j]; p < F.up[j + 1]; p++) Um[F.ui[p]][j] = F.ux[p];
      Um[j][j] = F.udiag[j];
    }
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let k = 0; k < n; k++) s += Lm[i][k] * Um[k][j];
        const want = dense[F.prow[i]][F.q[j]];
        assert.ok(Math.abs(s - want) < 1e-9 * (1 + Math.abs(want)), `trial ${trial} (${i},${j}): ${s} vs ${want}`);
      }
    }
    checked++;
  }
  assert.ok(checked > 20);
});
