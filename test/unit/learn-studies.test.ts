// The studies' numerical cores: the graphon estimate of a mask, the
// perturbations of a trained network, magnitude pruning, the compact stored
// form with quantized weights, and the weighted test sample.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GraphNet, resolveGraphNet } from '../../main/core/learn/gnn';
import { Rng } from '../../main/core/learn/rng';
import { SparseLayer, csrFromPositions } from '../../main/core/learn/sparse';
import { deserializeModel, floatToHalf, halfToFloat, serializeModel } from '../../main/core/learn/serialize';
import { layerGraphon } from '../../main/core/learn/studies/graphon';
import { PerturbableNet, noiseScale } from '../../main/core/learn/studies/perturb';
import { pruneModel, serializeCompact } from '../../main/core/learn/studies/compress';
import { flipRate, stratifiedSample, studyMetrics } from '../../main/core/learn/studies/evaluation';
import { LearnError } from '../../main/core/learn/errors';
import { sampleDistinct } from '../../main/core/learn/select';
import type { SurrogateEvaluation } from '../../main/core/learn/surrogate';

const mask = (nIn: number, nOut: number, positions: number[]) => ({ nIn, nOut, ...csrFromPositions(nIn, nOut, Int32Array.from(positions)) });

test('graphon: a full mask is flat at 1; a random mask sits at its null; a hub mask is far above it, its dense corner first', () => {
  const full = layerGraphon('full', mask(8, 6, Array.from({ length: 48 }, (_, k) => k)), 4);
  assert.deepEqual(full.density, Array.from({ length: 4 }, () => [1, 1, 1, 1]));
  assert.equal(full.distanceFromConstant, 0);
  assert.equal(full.p, 1);

  const rng = new Rng(3);
  const er = mask(64, 64, Array.from(sampleDistinct(64 * 64, 400, rng)));
  const g = layerGraphon('er', er, 8, { rng: new Rng(5), draws: 16 });
  assert.ok(Math.abs(g.distanceFromConstant - g.nullDistance) < 4 * g.nullSpread + 1e-9, `${g.distanceFromConstant} vs null ${g.nullDistance} +- ${g.nullSpread}`);
  assert.equal(g.inDegree.counts.reduce((a, b) => a + b, 0), 64);
  assert.equal(g.outDegree.counts.reduce((a, b, d) => a + b * d, 0), 400, 'out-degrees add up to the connections');

  // Every output reads the 8 inputs 56..63 (hubs) and nothing else.
  const hub: number[] = [];
  for (let o = 0; o < 64; o++) for (let i = 56; i < 64; i++) hub.push(o * 64 + i);
  const h = layerGraphon('hub', mask(64, 64, hub), 8, { rng: new Rng(5), draws: 4 });
  assert.equal(h.density[0][0], 1, 'the highest in-degree inputs come first');
  assert.equal(h.density[0][7], 0);
  assert.ok(h.distanceFromConstant > 4 * h.nullDistance, `${h.distanceFromConstant} vs ${h.nullDistance}`);
  assert.equal(h.inDegree.max, 64);
  assert.equal(h.outDegree.cv, 0, 'every output reads 8 inputs');
  // An axis shorter than K gets one block per unit.
  const narrow = layerGraphon('narrow', mask(3, 40, Array.from({ length: 40 }, (_, o) => o * 3)), 32);
  assert.equal(narrow.density.length, 32);
  assert.equal(narrow.density[0].length, 3);
  assert.throws(() => layerGraphon('x', er, 0), /blocks must be a whole number of at least 1/);
});

function tinyNet(sparsity = 0.5, seed = 1): GraphNet {
  return GraphNet.create(resolveGraphNet({ nodeFeatDim: 3, edgeFeatDim: 2, hidden: 6, layers: 1, headHidden: 6, sparsity }), new Rng(seed));
}

test('perturbations: weight order removes the largest |w| first, reverse the smallest; shuffle keeps the values; noise 0 is none; restore undoes', () => {
  const net = tinyNet();
  const p = PerturbableNet.ofGraphNet(net);
  const l = p.layers[2], w0 = l.weight.data.slice(), n = w0.length, k = Math.round(0.25 * n);
  const byMag = [...w0].map(Math.abs).sort((a, b) => b - a);
  p.apply('weight', 0.25, new Rng(1));
  const zeroed = [...l.weight.data].map((v, i) => (v === 0 && w0[i] !== 0 ? Math.abs(w0[i]) : -1)).filter((v) => v >= 0).sort((a, b) => b - a);
  assert.equal(zeroed.length, k);
  assert.deepEqual(zeroed, byMag.slice(0, k));
  p.apply('reverse', 0.25, new Rng(1));
  const kept = [...l.weight.data].filter((v) => v !== 0).map(Math.abs).sort((a, b) => b - a);
  assert.deepEqual(kept, byMag.slice(0, n - k));
  p.apply('random', 0.5, new Rng(2));
  assert.equal([...l.weight.data].filter((v) => v === 0).length, Math.round(0.5 * n));
  p.apply('shuffle', 1, new Rng(2));
  assert.deepEqual([...l.weight.data].sort(), [...w0].sort(), 'a shuffle permutes the layer\'s weights');
  assert.notDeepEqual([...l.weight.data], [...w0]);
  p.apply('noise', 0, new Rng(2));
  assert.deepEqual(l.weight.data, w0);
  assert.equal(noiseScale(0.95), 2);
  p.apply('noise', 0.5, new Rng(2));
  assert.notDeepEqual(l.weight.data, w0);
  p.restore();
  assert.deepEqual(l.weight.data, w0);
  // Readouts are never touched.
  const readout = net.layer('head.graph.out').weight.data.slice();
  p.apply('weight', 0.95, new Rng(1));
  assert.deepEqual(net.layer('head.graph.out').weight.data, readout);
  assert.throws(() => p.apply('random', 1.5, new Rng(1)), /fraction must be in \[0, 1\]/);
});

test('pruning removes the smallest connections from the CSR (per layer or below one global cut); a pruned dense layer becomes sparse', () => {
  const net = tinyNet();
  const per = pruneModel(net, { scope: 'layer', fraction: 0.5 });
  net.layers.forEach((l, i) => {
    const q = per.layers[i];
    if (l.name.endsWith('.out') || l.name.endsWith('.skip')) { assert.deepEqual(q.weight.data, l.weight.data); return; }
    assert.equal(q.nnz(), l.nnz() - Math.round(0.5 * l.nnz()), l.name);
    const cut = Math.min(...[...q.weight.data].map(Math.abs));
    const dropped = [...l.weight.data].map(Math.abs).sort((a, b) => b - a).slice(q.nnz());
    assert.ok(dropped.every((a) => a <= cut), `${l.name}: only the smallest go`);
  });
  const glob = pruneModel(net, { scope: 'global', fraction: 0.5 });
  const hidden = glob.layers.filter((l) => !l.name.endsWith('.out') && !l.name.endsWith('.skip'));
  const keptMin = Math.min(...hidden.flatMap((l) => [...l.weight.data].map(Math.abs)));
  const all = net.layers.filter((l) => !l.name.endsWith('.out') && !l.name.endsWith('.skip')).flatMap((l) => [...l.weight.data].map(Math.abs)).sort((a, b) => b - a);
  assert.equal(hidden.reduce((a, l) => a + l.nnz(), 0), all.length - Math.round(0.5 * all.length));
  assert.ok(all.slice(hidden.reduce((a, l) => a + l.nnz(), 0)).every((a) => a <= keptMin));
  const dense = pruneModel(tinyNet(0), { scope: 'layer', fraction: 0.75 });
  assert.ok(dense.layer('mp0.lin1') instanceof SparseLayer);
  assert.equal(dense.layer('mp0.lin1').nnz(), 36 - 27);
  assert.throws(() => pruneModel(net, { scope: 'layer', fraction: 1 }), /prune fraction must be in \[0, 1\)/);
});

test('the compact form round-trips: float32 exactly, int8 and uint8-affine within half a step (0 exact), fp16 within 2^-11; a wrong blob type is refused', () => {
  const net = pruneModel(tinyNet(), { scope: 'global', fraction: 0.3 });
  const plain = serializeCompact(net, null);
  assert.equal(plain.config.version, 2);
  assert.ok(plain.blobs.find((b) => b.name === 'mp0.lin1.col')!.data instanceof Uint8Array, 'indices of a 6-input layer fit a byte');
  const back = deserializeModel(plain.config, plain.blobs);
  net.layers.forEach((l, i) => assert.deepEqual(back.layers[i].weight.data, l.weight.data));
  for (const q of ['int8', 'int8-affine', 'fp16'] as const) {
    const s = serializeCompact(net, q);
    const m = deserializeModel(s.config, s.blobs);
    s.config.layers.forEach((info, i) => {
      const w = net.layers[i].weight.data, v = m.layers[i].weight.data, e = info.weights!;
      for (let k = 0; k < w.length; k++) {
        if (e.encoding === 'fp16') assert.ok(Math.abs(v[k] - w[k]) <= Math.abs(w[k]) * 2 ** -11 + 1e-7, `${q} ${info.name}`);
        else if (e.encoding === 'int8' || e.encoding === 'uint8-affine') assert.ok(Math.abs(v[k] - w[k]) <= e.scale / 2 + 1e-7, `${q} ${info.name}`);
        if (w[k] === 0) assert.equal(v[k], 0);
      }
    });
    const bytes = (x: typeof s) => x.blobs.reduce((a, b) => a + b.data.byteLength, 0);
    assert.ok(bytes(s) < bytes(plain), `${q} is smaller`);
  }
  const s = serializeCompact(net, 'int8');
  const bad = s.blobs.map((b) => (b.name === 'mp0.lin1.w' ? { name: b.name, data: new Float32Array(b.data.length) } : b));
  assert.throws(() => deserializeModel(s.config, bad), (e) => e instanceof LearnError && /mp0\.lin1\.w should be Int8Array \(int8\), found Float32Array/.test(e.message));
  // Version 1 (what training saves) is read as before.
  const v1 = serializeModel(net);
  assert.deepEqual(deserializeModel(v1.config, v1.blobs).layers[0].weight.data, net.layers[0].weight.data);
  assert.throws(() => deserializeModel({ ...v1.config, version: 3 }, v1.blobs), /version 3 is not supported \(expected 1 or 2\)/);
});

test('float16: exact values, rounding to nearest even, subnormals, overflow to infinity', () => {
  assert.equal(floatToHalf(1), 0x3c00);
  assert.equal(floatToHalf(-2), 0xc000);
  assert.equal(floatToHalf(65504), 0x7bff);
  assert.equal(floatToHalf(70000), 0x7c00);
  assert.equal(floatToHalf(0), 0);
  assert.equal(halfToFloat(floatToHalf(2 ** -24)), 2 ** -24);
  assert.equal(halfToFloat(floatToHalf(1 + 2 ** -11)), 1, 'a tie rounds to even');
  assert.equal(halfToFloat(floatToHalf(1 + 3 * 2 ** -11)), 1 + 2 ** -9);
  assert.ok(Number.isNaN(halfToFloat(floatToHalf(NaN))));
  for (const v of [0.1, -3.14159, 1e-5, 1234.5]) assert.ok(Math.abs(halfToFloat(floatToHalf(v)) - v) <= Math.max(Math.abs(v) * 2 ** -11, 2 ** -25), String(v));
});

test('a stratified sample keeps every insecure outage and weighs the secure ones it draws; weighted figures and flips', () => {
  const label = Uint8Array.from({ length: 100 }, (_, i) => (i % 10 === 0 ? 1 : 0));
  const s = stratifiedSample(label, 30, new Rng(1));
  assert.equal(s.pick.length, 30);
  assert.equal([...s.pick].filter((i) => label[i] === 1).length, 10);
  assert.ok(Math.abs(s.weight.reduce((a, b) => a + b, 0) - 100) < 1e-9, 'the weights stand for the whole split');
  assert.equal(stratifiedSample(label, 0, new Rng(1)).pick.length, 100);
  assert.equal(stratifiedSample(label, 500, new Rng(1)).pick.length, 100);
  const ev = { prob: Float32Array.from([0.9, 0.1, 0.8, 0.2]), label: Uint8Array.from([1, 0, 0, 0]), loadAbs: Float64Array.from([1, 1, 1, 1]), loadN: Int32Array.from([1, 1, 1, 1]) } as SurrogateEvaluation;
  const m = studyMetrics(ev, [1, 3, 3, 3], 0.5);
  assert.equal(m.recall, 1);
  assert.equal(m.accuracy, 7 / 10);
  assert.equal(m.balancedAccuracy, (1 + 6 / 9) / 2);
  assert.equal(flipRate([0.9, 0.1], [0.2, 0.3], null, 0.5), 0.5);
});
