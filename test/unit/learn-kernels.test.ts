// The inference kernels: WebAssembly SIMD, scalar WebAssembly and the
// TypeScript loops must produce the same bits on every kernel, with random
// sparse layers, random row lists (repeats and all), odd row counts for the
// four-row blocks, zeros, negative values and NaN.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { arenaBytes, inferenceKernels, packLayer, type InferenceKernels, type KernelChoice } from '../../main/core/learn/kernels';
import { SparseLayer } from '../../main/core/learn/sparse';
import { DenseLayer } from '../../main/core/learn/dense';
import { Rng } from '../../main/core/learn/rng';

const KINDS: KernelChoice[] = ['wasm-simd', 'wasm', 'js'];

function randomSparse(rng: Rng, nIn: number, nOut: number, density: number): SparseLayer {
  const pos: number[] = [];
  for (let p = 0; p < nIn * nOut; p++) if (rng.float() < density) pos.push(p);
  const l = SparseLayer.fromPositions('t', nIn, nOut, Int32Array.from(pos));
  for (let k = 0; k < l.weight.data.length; k++) l.weight.data[k] = rng.normal();
  for (let o = 0; o < nOut; o++) l.bias.data[o] = rng.normal() * 0.3;
  return l;
}

/** Runs `body` on a fresh arena of each kernel set and returns what it returns. */
function each<T>(bytes: number, body: (k: InferenceKernels) => T): T[] {
  return KINDS.map((kind) => {
    const k = inferenceKernels(bytes, kind, true, 64);
    assert.equal(k.kind, kind);
    return body(k);
  });
}

/** The inputs output o of a layer reads: its CSR connections, or every input of a dense layer. */
function readsOf(layer: SparseLayer | DenseLayer, o: number): number[] {
  if (layer instanceof SparseLayer) return Array.from(layer.col.subarray(layer.rowPtr[o], layer.rowPtr[o + 1]));
  return Array.from({ length: layer.nIn }, (_, c) => c);
}

const values = (rng: Rng, n: number, nanEvery = 0) => Float32Array.from({ length: n }, (_, i) => (nanEvery && i % nanEvery === 7 ? NaN : rng.float() < 0.2 ? 0 : rng.normal()));

test('spmm: sparse and dense layers, 1 to 11 rows, with and without ReLU, equal on every kernel set', () => {
  const rng = new Rng(3);
  for (const [nIn, nOut, density] of [[48, 48, 0.1], [13, 7, 0.5], [64, 1, 1], [5, 30, 0.3]] as const) {
    const layer = density === 1 ? new DenseLayer('d', nIn, nOut).init(rng, 'relu') : randomSparse(rng, nIn, nOut, density);
    for (const rows of [1, 3, 4, 5, 8, 11]) {
      const x = values(rng, rows * nIn);
      // The same input with NaN at every 23rd value from index 7, and at least one (the last value when there are fewer).
      const xn = Float32Array.from(x, (v, i) => (i % 23 === 7 ? NaN : v));
      if (x.length <= 7) xn[x.length - 1] = NaN;
      assert.ok(!x.some(Number.isNaN) && xn.some(Number.isNaN));
      for (const relu of [false, true]) {
        const run = (input: Float32Array) => each(arenaBytes({ n4: [rows * nIn, rows * nOut, nOut + 1, layer.nnz(), layer.nnz(), nOut] }), (k) => {
          const L = packLayer(layer, k.arena);
          const xs = k.arena.f32From(input), y = k.arena.f32(rows * nOut);
          k.spmm(L, xs, rows, y, relu);
          return y.slice();
        });
        const tag = `${nIn}x${nOut} rows ${rows} relu ${relu}`;
        const out = run(x);
        assert.deepEqual(out[0], out[2], `simd vs js ${tag}`);
        assert.deepEqual(out[1], out[2], `wasm vs js ${tag}`);
        // And the layer's own forward (the batched network's arithmetic), in every combination.
        assert.deepEqual(out[2], layer.forward(x, rows, relu), `layer.forward ${tag}`);
        // NaN: the same bits on every kernel set, and NaN exactly in the outputs that read a NaN input.
        const outN = run(xn);
        assert.deepEqual(outN[0], outN[2], `simd vs js, NaN input, ${tag}`);
        assert.deepEqual(outN[1], outN[2], `wasm vs js, NaN input, ${tag}`);
        const nanAt = Array.from(outN[2], Number.isNaN);
        const expected = Array.from({ length: rows * nOut }, (_, i) => readsOf(layer, i % nOut).some((c) => Number.isNaN(xn[Math.floor(i / nOut) * nIn + c])));
        assert.deepEqual(nanAt, expected, `NaN outputs ${tag}`);
        assert.ok(expected.some(Boolean), `some output reads a NaN ${tag}`);
        // Elsewhere the values of the same input without NaN.
        outN[2].forEach((v, i) => { if (!expected[i]) assert.equal(v, out[2][i], `output ${i} ${tag}`); });
      }
    }
  }
});

test('row kernels (aggregate, residual, gather/scatter/restore, combine, pooling, grow) equal on every kernel set', () => {
  const rng = new Rng(4);
  const N = 40, E = 70, H = 6;
  const src = Int32Array.from({ length: E }, () => rng.int(N)), dst = Int32Array.from({ length: E }, () => rng.int(N));
  const deg = new Int32Array(N + 1);
  for (let e = 0; e < E; e++) { deg[src[e] + 1]++; deg[dst[e] + 1]++; }
  for (let v = 0; v < N; v++) deg[v + 1] += deg[v];
  const fill = deg.slice(0, N), adjEdge = new Int32Array(2 * E), adjOther = new Int32Array(2 * E);
  for (let e = 0; e < E; e++) {
    adjEdge[fill[dst[e]]] = e; adjOther[fill[dst[e]]++] = src[e];
    adjEdge[fill[src[e]]] = e; adjOther[fill[src[e]]++] = dst[e];
  }
  const h = values(rng, N * H, 31), e = values(rng, E * H), hb = values(rng, N * H);
  const S = Int32Array.from({ length: 17 }, () => rng.int(N));
  const removed = Uint8Array.from({ length: E }, () => (rng.float() < 0.1 ? 1 : 0));
  const mark0 = Uint8Array.from({ length: Math.max(N, E) }, () => (rng.float() < 0.2 ? 1 : 0));
  const bytes = arenaBytes({ n4: [N + 1, 2 * E, 2 * E, E, E, N * H, E * H, N * H, N * H, N * H, 17, 4 * E, E * H, N * H, N * H, E * H], n8: [H, H, H, H], n1: [E, Math.max(N, E)] });
  const out = each(bytes, (k) => {
    const A = k.arena;
    const ap = A.i32From(deg), ae = A.i32From(adjEdge), ao = A.i32From(adjOther), s = A.i32From(src), t = A.i32From(dst);
    const hv = A.f32From(h), ev = A.f32From(e), hbv = A.f32From(hb), Sv = A.i32From(S), rm = A.u8(E);
    rm.set(removed);
    const z = A.f32(N * H), hw = A.f32From(hb);
    k.aggregate(Sv, S.length, ap, ae, ao, rm, hv, ev, z, H, 1.25);
    k.residual(Sv, S.length, z, hv, hw, H, true);
    const g = A.f32(N * H);
    k.gather(Sv, S.length, hw, g, H);
    const sc = A.f32From(hb);
    k.scatter(Sv, S.length, g, sc, H);
    k.restore(Sv, 5, hv, sc, H);
    const aE = A.f32(E * H), list = A.i32From(Array.from({ length: E }, (_, i) => (i * 7) % E));
    k.combine(list, E, s, t, hv, hbv, ev, aE, H);
    const sum = A.f64(H), mx = A.f64(H).fill(-Infinity), sum2 = A.f64(H), mx2 = A.f64(H).fill(-Infinity);
    const anyE = k.poolEdges(list, E, aE, ev, rm, H, sum, mx);
    k.poolNodes(Sv, S.length, hv, hbv, H, sum2, mx2);
    const mark = A.u8(Math.max(N, E));
    mark.set(mark0);
    const grown = A.i32(4 * E);
    grown.set(S);
    const n = k.grow(grown, 0, S.length, ap, ao, mark, 1, grown, S.length);
    return { z: z.slice(), hw: hw.slice(), sc: sc.slice(), aE: aE.slice(), sum: sum.slice(), mx: mx.slice(), sum2: sum2.slice(), mx2: mx2.slice(), anyE, grown: grown.slice(0, n), mark: mark.slice() };
  });
  assert.deepEqual(out[0], out[2], 'wasm-simd vs js');
  assert.deepEqual(out[1], out[2], 'wasm vs js');
  assert.ok(out[2].grown.length > S.length, 'grow added neighbours');
});

test('the arena refuses to hand out more than was reserved', () => {
  const k = inferenceKernels(1024, 'js');
  k.arena.f32(200);
  assert.throws(() => k.arena.f32(100), /inference arena: \d+ bytes needed, 1024 reserved/);
});
