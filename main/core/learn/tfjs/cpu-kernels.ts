// A faster UnsortedSegmentSum for TensorFlow.js's pure JavaScript 'cpu'
// backend. tfjs-backend-cpu 4.22 builds it as one equal/multiply/sum pass per
// segment, O(segments x rows x width): on an 8-node batch of 16 graphs it
// took 0.1-0.25 s per call, and the network calls it for every message pass
// and for the gradient of every gather. This kernel is the plain scatter-add,
// O(rows x width), with the same inputs, attributes, output and (op-level)
// gradient, so the graph of ops is the same on every backend; tfjs-node and
// tfjs-node-gpu keep their native kernel.

import type { Tf } from './net';

interface CpuData {
  data: { get(id: unknown): { values: ArrayLike<number> } };
  makeTensorInfo(shape: number[], dtype: string, values: Float32Array): unknown;
}

interface TensorInfoLike {
  dataId: unknown;
  shape: number[];
  dtype: string;
}

/** Installs the scatter-add kernel on the 'cpu' backend (idempotent); false when that backend has no such kernel to replace. */
export function installCpuSegmentSum(tf: Tf): boolean {
  const k = tf.getKernel('UnsortedSegmentSum', 'cpu');
  if (!k) return false;
  if ((k.kernelFunc as { gridrewire?: boolean }).gridrewire) return true;
  const original = k.kernelFunc;
  const kernelFunc = (args: { inputs: Record<string, TensorInfoLike>; backend: unknown; attrs?: Record<string, unknown> }) => {
    const { x, segmentIds } = args.inputs;
    const numSegments = Number(args.attrs?.numSegments);
    // Only the case the graph network uses (float rows, one id per row); anything else as tfjs does it.
    if (x.dtype !== 'float32' || segmentIds.shape.length !== 1 || x.shape.length < 1 || segmentIds.shape[0] !== x.shape[0]) {
      return original(args as never);
    }
    const be = args.backend as CpuData;
    const xv = be.data.get(x.dataId).values, ids = be.data.get(segmentIds.dataId).values;
    const width = x.shape.slice(1).reduce((a, b) => a * b, 1);
    const out = new Float32Array(numSegments * width);
    for (let r = 0; r < ids.length; r++) {
      const s = ids[r];
      if (s < 0 || s >= numSegments) continue; // as TensorFlow: out-of-range ids are dropped
      const o = s * width, i = r * width;
      for (let f = 0; f < width; f++) out[o + f] += xv[i + f];
    }
    return be.makeTensorInfo([numSegments, ...x.shape.slice(1)], 'float32', out);
  };
  (kernelFunc as { gridrewire?: boolean }).gridrewire = true;
  tf.unregisterKernel('UnsortedSegmentSum', 'cpu');
  tf.registerKernel({ kernelName: 'UnsortedSegmentSum', backendName: 'cpu', kernelFunc: kernelFunc as never });
  return true;
}
