// The GIN's hand-written backward against central finite differences of the
// softmax cross-entropy, on three real MUTAG graphs: dense and sparse MLPs,
// learnt eps, and dropout (with a fixed mask, replayed by the same seed).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { Gin, type GinConfig, softmaxCrossEntropy } from '../../main/core/learn/tu/gin';
import { makeBatch } from '../../main/core/learn/tu/graphs';
import { Rng } from '../../main/core/learn/rng';
import { loadTu } from '../../main/services/reproduce/tu-data';

const data = loadTu('MUTAG', join(__dirname, '..', 'fixtures', 'tu'));
const batch = makeBatch(data, [0, 1, 5]);

function check(over: Partial<GinConfig>, seed: number) {
  const cfg: GinConfig = { inDim: data.featDim, classes: 2, hidden: 6, layers: 2, sparsity: 0, learnEps: true, dropout: 0, batchNorm: false, ...over };
  const rng = new Rng(seed);
  const net = new Gin(cfg, rng);
  // Small random biases and eps so that no unit sits at a ReLU kink by construction.
  for (const p of net.params()) if (p.name.endsWith('.b') || p.name === 'gin.eps') for (let k = 0; k < p.data.length; k++) p.data[k] = (rng.float() - 0.5) * 0.2;
  // Scale the readout down: sum pooling over ~17 nodes gives large logits otherwise, where the loss saturates.
  for (let k = 0; k < net.readout.weight.data.length; k++) net.readout.weight.data[k] *= 0.05;
  // Training mode (batch statistics), the same dropout mask every time.
  const loss = () => softmaxCrossEntropy(net.forward(batch, { rng: new Rng(99) }).logits, batch.labels, 2).loss;
  net.zeroGrad();
  const pass = net.forward(batch, { rng: new Rng(99) });
  net.backward(batch, pass, softmaxCrossEntropy(pass.logits, batch.labels, 2).grad);
  const h = 1e-3;
  let checked = 0, skipped = 0, worst = 0, worstName = '';
  const l0 = loss();
  const moved = new Set<string>();
  for (const p of net.params()) {
    for (let k = 0; k < p.data.length; k++) {
      const w0 = p.data[k];
      p.data[k] = w0 + h; const lp = loss();
      p.data[k] = w0 - h; const lm = loss();
      p.data[k] = w0;
      const fwd = (lp - l0) / h, bwd = (l0 - lm) / h, fd = (lp - lm) / (2 * h);
      // The two one-sided slopes disagree where a ReLU kink lies within the step: skipped and counted.
      if (Math.abs(fwd - bwd) > 4e-3 + 2e-2 * Math.abs(fd)) { skipped++; continue; }
      const an = p.grad[k];
      const err = Math.abs(fd - an) / (2e-3 + 1e-2 * Math.abs(an));
      if (err > worst) { worst = err; worstName = `${p.name}[${k}] fd=${fd} analytic=${an}`; }
      checked++;
      if (Math.abs(an) > 1e-4) moved.add(p.name);
    }
  }
  return { checked, skipped, worst, worstName, moved, names: net.params().map((p) => p.name) };
}

for (const [label, over] of [
  ['dense MLPs, learnt eps', {}],
  ['sparse 50% MLPs, learnt eps', { sparsity: 0.5 }],
  ['sparse 30%, three layers, dropout 0.4', { sparsity: 0.3, layers: 3, dropout: 0.4 }],
  ['batch norm, dense', { batchNorm: true }],
  ['batch norm, sparse 50%, dropout 0.3', { batchNorm: true, sparsity: 0.5, dropout: 0.3 }],
] as const) {
  test(`GIN gradients match finite differences: ${label}`, () => {
    const r = check(over, 3);
    assert.ok(r.worst <= 1, `worst ${r.worst.toFixed(2)}: ${r.worstName}`);
    assert.ok(r.skipped <= r.checked * 0.1, `${r.skipped} skipped of ${r.checked + r.skipped}`);
    // Every parameter (each layer's weights and biases, eps, the readout) took part with a non-zero gradient.
    // (With batch norm a linear bias has no effect, as the mean is subtracted after it.)
    assert.deepEqual(r.names.filter((n) => !r.moved.has(n) && !(over.batchNorm && /w[12]\.b$/.test(n))), []);
  });
}

test('a wrong backward is caught: the check fails when the neighbour term is dropped', () => {
  const proto = Gin.prototype as unknown as { backward: Gin['backward'] };
  const real = proto.backward;
  // Pretend every graph has no edges during backward only.
  proto.backward = function (this: Gin, b, pass, d) {
    return real.call(this, { ...b, adjPtr: new Int32Array(b.nodes + 1), adjCol: new Int32Array(0) }, pass, d);
  };
  try {
    assert.ok(check({}, 3).worst > 1);
  } finally {
    proto.backward = real;
  }
});
