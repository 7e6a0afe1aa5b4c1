// Bench section 'reproduce-tu' (npm run bench -- reproduce-tu): how fast the
// GIN of issue 16 trains on MUTAG, dense vs 90% sparse (SET rewiring after
// each epoch), in training graphs per second. Standalone runs of the whole
// study: bench/reproduce-tu.ts.

import { join } from 'node:path';
import { foldSplit, stratifiedFolds } from '../main/core/learn/tu/folds';
import { defaultTuTrain, trainTuRun } from '../main/core/learn/tu/train';
import { appRoot } from '../main/paths';
import { loadTu } from '../main/services/reproduce/tu-data';
import type { Row } from './run';

/** Training graphs per second on MUTAG (fold 1's training part, 3 epochs after one warm-up epoch), dense vs 90% sparse. */
export async function runReproduceTuBench(record: (r: Row) => void): Promise<void> {
  const data = loadTu('MUTAG', join(appRoot(), 'test', 'fixtures', 'tu'));
  const split = foldSplit(data.labels, stratifiedFolds(data.labels, 10, 1), 0, 0.1, 1);
  const rate: Record<string, number> = {};
  for (const [method, sparsity] of [['dense', 0], ['fixed', 0.9]] as const) {
    const epochs = 4;
    const wall: number[] = [], cpu: number[] = [];
    let t = performance.now(), c = process.cpuUsage();
    await trainTuRun({
      data, split, method, sparsity, cfg: { ...defaultTuTrain, epochs }, seed: 1,
      onEpoch: () => {
        const t1 = performance.now(), c1 = process.cpuUsage();
        wall.push(t1 - t);
        cpu.push((c1.user + c1.system - c.user - c.system) / 1000);
        t = t1;
        c = c1;
      },
    });
    // An epoch's time includes evaluating validation and test (forward only); the rate counts training graphs.
    const per = (ms: number[]) => (split.train.length * 1000 * (epochs - 1)) / ms.slice(1).reduce((a, b) => a + b, 0);
    rate[method] = per(wall);
    record({ section: 'reproduce-tu', what: `GIN ${defaultTuTrain.layers}x${defaultTuTrain.hidden} on MUTAG, ${method === 'dense' ? 'dense' : '90% sparse, SET rewiring'}: training graphs/s`, value: rate[method], unit: 'graphs/s', note: `mean of 3 epochs after 1 warm-up; ${per(cpu).toFixed(0)} per CPU-second` });
  }
  record({ section: 'reproduce-tu', what: 'speed-up of the 90% sparse GIN over the dense one', value: rate.fixed / rate.dense, unit: 'x' });
}

