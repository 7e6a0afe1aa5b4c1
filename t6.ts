import * as tf from '@tensorflow/tfjs';
import { installCpuSegmentSum } from './main/core/learn/tfjs/cpu-kernels';
import { syntheticTask } from './main/core/learn/synthetic';
import { Trainer, type TrainerConfigInput } from './main/core/learn/trainer';
import { TfjsTraining } from './main/core/learn/tfjs/training';
import { TfjsNet } from './main/core/learn/tfjs/net';
import { resolveLoss } from './main/core/learn/loss';
tf.setBackend('cpu');
installCpuSegmentSum(tf);
const task = syntheticTask({ nodes: 8, chords: 3, samples: 320, seed: 5, margin: 0.1 });
const nTrain = Math.floor(task.samples.length * 0.75);
const train = task.samples.slice(0, nTrain), val = task.samples.slice(nTrain);
const arch = { nodeFeatDim: 3, edgeFeatDim: 2, hidden: 8, layers: 2, headHidden: 8, sparsity: 0.5 };
if (process.argv[2] === 'pre') {
  const m = new Trainer({ model: arch }, { graph: task.graph, train }).model;
  const net = new TfjsNet(tf, m);
  const batch = m.batch(task.graph, train.slice(0, 6));
  net.outputs(batch);
  const g = net.gradients(batch, resolveLoss({}));
  tf.dispose(g.dense);
  net.dispose();
}
const cfg: TrainerConfigInput = { model: { ...arch, hidden: 12, headHidden: 12 }, topology: { method: 'adaptive' }, epochs: 8, batchSize: 16, optimizer: { kind: 'adam', lr: 0.02, clipNorm: 1 }, seed: 1, patience: 0 };
const data = { graph: task.graph, train, val };
const tfj = new Trainer(cfg, data);
const b = new TfjsTraining(tf, tfj, data);
let t0 = performance.now();
b.fit({ onBatch: (p) => { console.log('batch', p.epoch, p.batch, (performance.now() - t0).toFixed(0), tf.memory().numTensors); t0 = performance.now(); if (p.epoch > 1) process.exit(0); } });
