// Training throughput of the graph network at 0% (dense layers), 90% and 99%
// sparsity with the same architecture (hidden 256, 3 message-passing layers)
// on a 200-node / 250-edge graph, plus one CH3-L3 rewiring step at each
// sparsity. Standalone: `node --import tsx bench/learn.ts` (about 30 s).
// Target: 99% sparse at least 5x the dense throughput.

import { parameterCounts } from '../main/core/learn/metrics';
import { rewireLayer } from '../main/core/learn/rewire';
import { Rng } from '../main/core/learn/rng';
import { syntheticTask } from '../main/core/learn/synthetic';
import { Trainer } from '../main/core/learn/trainer';

const task = syntheticTask({ nodes: 200, chords: 50, samples: 64, seed: 1 });
const N = task.graph.numNodes, E = task.graph.src.length;
const batchSize = 8;

interface Row {
  sparsity: number;
  kept: number;
  dense: number;
  samplesPerSec: number;
  rewireMs: number;
}

function measure(sparsity: number, budgetSec: number): Row {
  const tr = new Trainer(
    {
      model: { nodeFeatDim: task.nodeFeatDim, edgeFeatDim: task.edgeFeatDim, hidden: 256, layers: 3, headHidden: 64, sparsity },
      topology: { method: sparsity > 0 ? 'static' : 'dense' },
      batchSize,
      seed: 1,
    },
    { graph: task.graph, train: task.samples },
  );
  const step = (i: number) => {
    const s = task.samples.slice((i * batchSize) % task.samples.length, ((i * batchSize) % task.samples.length) + batchSize);
    tr.applyGradients(tr.computeGradients(s));
    return s.length;
  };
  step(0); // warm-up (JIT)
  let samples = 0, i = 1;
  const t0 = performance.now();
  while ((performance.now() - t0) / 1000 < budgetSec || i < 3) samples += step(i++);
  const sec = (performance.now() - t0) / 1000;
  let rewireMs = 0;
  if (sparsity > 0) {
    const rng = new Rng(2);
    const r0 = performance.now();
    for (const l of tr.model.sparseLayers()) rewireLayer(l, { zeta: 0.3, regrow: 'ch3l3', rng });
    rewireMs = performance.now() - r0;
  }
  const c = parameterCounts(tr.model.layers);
  return { sparsity, kept: c.kept, dense: c.dense, samplesPerSec: samples / sec, rewireMs };
}

console.log(`GNN training throughput: ${N} nodes, ${E} edges, hidden 256, 3 layers, batch ${batchSize}`);
const rows = [measure(0, 8), measure(0.9, 5), measure(0.99, 4)];
const base = rows[0].samplesPerSec;
console.log('sparsity  params kept / dense      samples/s   speed-up   CH3-L3 rewire (all layers)');
for (const r of rows) {
  console.log(
    `${(r.sparsity * 100).toFixed(0).padStart(7)}%  ${String(r.kept).padStart(9)} / ${String(r.dense).padEnd(9)}  ${r.samplesPerSec.toFixed(1).padStart(10)}  ${(r.samplesPerSec / base).toFixed(1).padStart(8)}x   ${r.sparsity > 0 ? r.rewireMs.toFixed(0) + ' ms' : '-'}`,
  );
}
const ok = rows[2].samplesPerSec >= 5 * base;
console.log(`99% sparse vs dense: ${(rows[2].samplesPerSec / base).toFixed(1)}x (target >= 5x): ${ok ? 'met' : 'NOT met'}`);
