// Bench section 'reproduce' (npm run bench -- reproduce): training speed of
// issue 16's MLP 784-1000-1000-1000-10 (SGD steps of batch 32, forward,
// softmax cross-entropy, backward and update) at 1% density beside the dense
// one: truly sparse training runs at a speed set by the connections, not by
// in x out. Inputs are random pixels in [0, 1] (the speed does not depend on
// the images); the dense MLP is timed on a few hundred samples.

import { Mlp } from '../main/core/learn/mlp/model';
import { Optimizer } from '../main/core/learn/optim';
import { Rng } from '../main/core/learn/rng';
import type { Row } from './run';

function samplesPerSecond(density: number, samples: number): number {
  const rng = new Rng(1), batch = 32;
  const m = Mlp.create({ nIn: 784, hidden: [1000, 1000, 1000], nOut: 10, density }, rng);
  const opt = new Optimizer({ kind: 'sgd', lr: 0.01, momentum: 0.9 });
  const x = new Float32Array(batch * 784).map(() => rng.float()), y = new Uint8Array(batch).map((_, i) => i % 10);
  const params = m.params();
  const step = () => { m.zeroGrad(); m.lossAndGrad(x, y, batch); opt.step(params); };
  step(); // warm-up (JIT)
  const steps = Math.max(1, Math.round(samples / batch));
  const t0 = process.hrtime.bigint();
  for (let s = 0; s < steps; s++) step();
  return (steps * batch) / (Number(process.hrtime.bigint() - t0) / 1e9);
}

export async function runReproduceBench(record: (r: Row) => void): Promise<void> {
  const sparse = samplesPerSecond(0.01, 6400);
  const dense = samplesPerSecond(1, 320);
  record({ section: 'reproduce', what: 'MLP 784-1000-1000-1000-10 at 1% density (SET/CH3-L3 masks): training samples/s, batch 32', value: sparse, unit: 'samples/s', note: '6400 samples' });
  record({ section: 'reproduce', what: 'the same MLP dense: training samples/s, batch 32', value: dense, unit: 'samples/s', note: '320 samples' });
  record({ section: 'reproduce', what: 'speed-up of 1% density over dense', value: sparse / dense, unit: 'x' });
}
