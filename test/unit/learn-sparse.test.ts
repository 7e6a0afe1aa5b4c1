// Sparse layer kernels against a dense layer holding the same masked
// weights, and both against finite differences.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DenseLayer } from '../../main/core/learn/dense';
import { SparseLayer, csrFromPositions } from '../../main/core/learn/sparse';
import { randomMask } from '../../main/core/learn/density';
import { LearnError } from '../../main/core/learn/errors';
import type { Layer } from '../../main/core/learn/layer';
import { Rng } from '../../main/core/learn/rng';

const rand = (rng: Rng, n: number, scale = 1) => Float32Array.from({ length: n }, () => (rng.float() * 2 - 1) * scale);

function close(a: ArrayLike<number>, b: ArrayLike<number>, tol: number, what: string) {
  assert.equal(a.length, b.length, `${what}: lengths`);
  for (let i = 0; i < a.length; i++) {
    assert.ok(Math.abs(a[i] - b[i]) <= tol * (1 + Math.abs(b[i])), `${what}[${i}]: ${a[i]} vs ${b[i]}`);
  }
}

for (const [nIn, nOut, density, rows] of [[7, 5, 0.4, 9], [32, 24, 0.1, 13], [16, 16, 1, 4], [20, 3, 0.02, 6]] as const) {
  test(`sparse forward/backward equal dense-with-mask: ${nOut}x${nIn}, density ${density}, ${rows} rows`, () => {
    const rng = new Rng(nIn * 100 + rows);
    const count = Math.max(1, Math.round(density * nIn * nOut));
    const sparse = SparseLayer.fromPositions('s', nIn, nOut, randomMask({ nIn, nOut }, count, rng)).init(rng, 'relu');
    sparse.bias.data.set(rand(rng, nOut));
    const dense = new DenseLayer('d', nIn, nOut, sparse.toDense(), sparse.bias.data.slice());
    const x = rand(rng, rows * nIn), dy = rand(rng, rows * nOut);
    close(sparse.forward(x, rows), dense.forward(x, rows), 1e-5, 'Y');
    const dxS = sparse.backward(x, dy, rows, true)!, dxD = dense.backward(x, dy, rows, true)!;
    close(dxS, dxD, 1e-5, 'dX');
    close(sparse.bias.grad, dense.bias.grad, 1e-5, 'db');
    // dW exists only for existing connections and equals the dense gradient there.
    const pos = sparse.positions();
    assert.equal(sparse.weight.grad.length, pos.length);
    close(sparse.weight.grad, Array.from(pos, (p) => dense.weight.grad[p]), 1e-5, 'dW');
    // The dense gradient captured for RigL is the full one.
    sparse.zeroGrad();
    sparse.denseGrad = new Float32Array(nIn * nOut);
    sparse.backward(x, dy, rows, false);
    close(sparse.denseGrad, dense.weight.grad, 1e-5, 'dense dW');
  });
}

/** Finite differences of L = sum(R * tanh(Y)) against backward (weights, bias and inputs). */
function fdCheck(layer: Layer, rows: number, rng: Rng) {
  const x = rand(rng, rows * layer.nIn), R = rand(rng, rows * layer.nOut);
  const loss = () => {
    const y = layer.forward(x, rows);
    let s = 0;
    for (let i = 0; i < y.length; i++) s += R[i] * Math.tanh(y[i]);
    return s;
  };
  const y = layer.forward(x, rows);
  const dy = Float32Array.from(y, (v, i) => R[i] * (1 - Math.tanh(v) ** 2));
  layer.zeroGrad();
  const dx = layer.backward(x, dy, rows, true)!;
  const h = 1e-3;
  const probe = (arr: Float32Array, grad: ArrayLike<number>, what: string) => {
    for (let k = 0; k < arr.length; k++) {
      const v0 = arr[k];
      arr[k] = v0 + h;
      const lp = loss();
      arr[k] = v0 - h;
      const lm = loss();
      arr[k] = v0;
      const fd = (lp - lm) / (2 * h);
      assert.ok(Math.abs(fd - grad[k]) <= 2e-3 + 1e-2 * Math.abs(fd), `${layer.kind} ${what}[${k}]: fd ${fd} vs ${grad[k]}`);
    }
  };
  probe(layer.weight.data, layer.weight.grad, 'W');
  probe(layer.bias.data, layer.bias.grad, 'b');
  probe(x, dx, 'X');
}

test('sparse layer gradients match finite differences', () => {
  const rng = new Rng(5);
  const layer = SparseLayer.fromPositions('s', 9, 6, randomMask({ nIn: 9, nOut: 6 }, 20, rng)).init(rng, 'relu');
  fdCheck(layer, 7, rng);
});

test('dense layer gradients match finite differences', () => {
  const rng = new Rng(6);
  fdCheck(new DenseLayer('d', 8, 5).init(rng, 'relu'), 6, rng);
});

test('He init uses each output\'s kept fan-in, not the layer width', () => {
  const rng = new Rng(11);
  // Output o keeps fanIn[o] inputs.
  const nIn = 400, fanIn = [400, 200, 50, 10];
  const positions: number[] = [];
  fanIn.forEach((f, o) => { for (let i = 0; i < f; i++) positions.push(o * nIn + i); });
  const layer = SparseLayer.fromPositions('s', nIn, 4, Int32Array.from(positions)).init(rng, 'relu');
  const w = layer.weight.data;
  let k = 0;
  fanIn.forEach((f) => {
    let ss = 0;
    for (let j = 0; j < f; j++, k++) ss += w[k] * w[k];
    // Var(w) = 2 / fanIn: sum of squares over the row ~ 2 (chi-square, loose bound).
    const tol = f >= 50 ? 0.5 : 1.2;
    assert.ok(Math.abs(ss - 2) < tol, `fan-in ${f}: sum of squares ${ss}`);
  });
  assert.deepEqual(Array.from(layer.bias.data), [0, 0, 0, 0]);
});

test('CSR validation refuses unsorted, duplicate or out-of-range inputs', () => {
  const ok = () => new SparseLayer('s', 4, 2, Int32Array.from([0, 2, 3]), Int32Array.from([0, 3, 1]));
  assert.doesNotThrow(ok);
  assert.throws(() => new SparseLayer('s', 4, 2, Int32Array.from([0, 2, 3]), Int32Array.from([3, 0, 1])), LearnError);
  assert.throws(() => new SparseLayer('s', 4, 2, Int32Array.from([0, 2, 3]), Int32Array.from([1, 1, 1])), LearnError);
  assert.throws(() => new SparseLayer('s', 4, 2, Int32Array.from([0, 2, 3]), Int32Array.from([0, 4, 1])), /outside 0..3/);
  assert.throws(() => new SparseLayer('s', 4, 2, Int32Array.from([0, 2]), Int32Array.from([0, 1])), LearnError);
  assert.throws(() => csrFromPositions(4, 2, Int32Array.from([5, 1])), /sorted/);
  const { rowPtr, col } = csrFromPositions(4, 2, Int32Array.from([1, 3, 4, 6]));
  assert.deepEqual(Array.from(rowPtr), [0, 2, 4]);
  assert.deepEqual(Array.from(col), [1, 3, 0, 2]);
});

// How much faster 1% density runs than dense is the bench's (`npm run bench -- learn`): a timed test would
// flake on a loaded machine. What makes the forward O(rows x connections) is checked here: every
// multiply-add reads one input entry, so the inputs each layer reads are counted.
test('sparse cost follows connections: at 1% density the forward does rows x nnz multiply-adds, dense rows x in x out', () => {
  const rng = new Rng(3);
  const n = 128, rows = 32;
  const x = rand(rng, rows * n);
  const dense = new DenseLayer('d', n, n).init(rng, 'relu');
  const sparse = SparseLayer.fromPositions('s', n, n, randomMask({ nIn: n, nOut: n }, Math.round(0.01 * n * n), rng)).init(rng, 'relu');
  /** The layer's forward on x, and how many input entries it read. */
  const reads = (l: Layer) => {
    let count = 0;
    const counted = new Proxy(x, {
      get(target, prop) {
        if (typeof prop === 'string' && /^\d+$/.test(prop)) count++;
        return Reflect.get(target, prop);
      },
    });
    return { y: l.forward(counted, rows), count };
  };
  const s = reads(sparse), d = reads(dense);
  assert.equal(sparse.nnz(), Math.round(0.01 * n * n));
  assert.equal(s.count, rows * sparse.nnz(), 'one input read per row and kept connection');
  assert.equal(d.count, rows * n * n, 'one input read per row, input and output');
  assert.ok(s.count * 50 < d.count, `sparse reads ${s.count} inputs, dense ${d.count}`);
  // Counting did not change the results: the same as an uncounted forward, and as dense-with-mask.
  close(s.y, sparse.forward(x, rows), 0, 'Y counted');
  close(s.y, new DenseLayer('m', n, n, sparse.toDense(), sparse.bias.data.slice()).forward(x, rows), 1e-5, 'Y vs dense-with-mask');
});
