// Compression of a trained network after training (Khedri et al. 2025:
// pruning and quantization of GNNs): magnitude pruning of the hidden layers'
// connections, per layer or global, and the compact stored form with
// quantized weights (serialize.ts version 2).
//
// Pruning keeps a layer sparse in fact: the pruned connections leave the CSR
// (a dense model's hidden layers become sparse layers), so the stored blob
// and the inference work shrink with it. Quantization rounds the hidden
// layers' weights (int8 symmetric per layer; uint8 affine per tensor with the
// zero point nudged so 0 is exact, as TensorFlow.js's converter does; or
// float16); under int8 the biases and the scalar readouts, a few hundred
// numbers whose errors every verdict sees, are kept in float16.

import { DenseLayer } from '../dense';
import { LearnError } from '../errors';
import { GraphNet, layerSpecs } from '../gnn';
import type { Layer } from '../layer';
import { type AnyBlob, type SerializedLayer, type SerializedModel, type TensorEncoding, floatToHalf } from '../serialize';
import { SparseLayer } from '../sparse';

export type PruneScope = 'layer' | 'global';
export interface PruneSpec {
  scope: PruneScope;
  /** Fraction of the remaining hidden connections removed (smallest |w| first). */
  fraction: number;
}

export const QUANTIZATIONS = ['int8', 'int8-affine', 'fp16'] as const;
export type Quantization = (typeof QUANTIZATIONS)[number];

const hiddenNames = (m: GraphNet) => new Set(layerSpecs(m.cfg).filter((s) => !s.readout).map((s) => s.name));

function copyLayer(l: Layer): Layer {
  if (l instanceof SparseLayer) return new SparseLayer(l.name, l.nIn, l.nOut, l.rowPtr.slice(), l.col.slice(), l.weight.data.slice(), l.bias.data.slice());
  return new DenseLayer(l.name, l.nIn, l.nOut, l.weight.data.slice(), l.bias.data.slice());
}

/** Positions o * nIn + i of a layer's existing connections, in weight order. */
function positionsOf(l: Layer): Int32Array {
  return l instanceof SparseLayer ? l.positions() : Int32Array.from({ length: l.nIn * l.nOut }, (_, k) => k);
}

/** A copy of the model with the smallest-|w| fraction of its hidden connections removed (per layer, or below one global |w| cut). */
export function pruneModel(model: GraphNet, spec: PruneSpec): GraphNet {
  if (!(spec.fraction >= 0 && spec.fraction < 1)) throw new LearnError('bad-config', `prune fraction must be in [0, 1), got ${spec.fraction}`);
  const hidden = hiddenNames(model);
  const targets = model.layers.filter((l) => hidden.has(l.name));
  // Which connections each layer keeps: indices into its weight array.
  const keep = new Map<string, Int32Array>();
  const byMagnitude = (w: Float32Array) => Int32Array.from(w.keys()).sort((a, b) => Math.abs(w[b]) - Math.abs(w[a]) || a - b);
  if (spec.scope === 'layer') {
    for (const l of targets) {
      const w = l.weight.data, k = w.length - Math.round(spec.fraction * w.length);
      keep.set(l.name, byMagnitude(w).subarray(0, k).sort());
    }
  } else {
    const all: { layer: number; k: number; a: number }[] = [];
    targets.forEach((l, li) => l.weight.data.forEach((v, k) => all.push({ layer: li, k, a: Math.abs(v) })));
    all.sort((x, y) => y.a - x.a || x.layer - y.layer || x.k - y.k);
    const kept = all.slice(0, all.length - Math.round(spec.fraction * all.length));
    targets.forEach((l, li) => keep.set(l.name, Int32Array.from(kept.filter((x) => x.layer === li).map((x) => x.k)).sort()));
  }
  const layers = model.layers.map((l) => {
    const k = keep.get(l.name);
    if (!k) return copyLayer(l);
    const pos = positionsOf(l), w = l.weight.data;
    const p = SparseLayer.fromPositions(l.name, l.nIn, l.nOut, Int32Array.from(k, (j) => pos[j]), Float32Array.from(k, (j) => w[j]));
    p.bias.data.set(l.bias.data);
    return p;
  });
  return new GraphNet(model.cfg, layers);
}

/** The smallest unsigned type that holds every value in [0, max]. */
function indexArray(a: Int32Array, max: number): Uint8Array | Uint16Array | Int32Array {
  if (max < 256) return Uint8Array.from(a);
  if (max < 65536) return Uint16Array.from(a);
  return a.slice();
}

function encode(w: Float32Array, e: TensorEncoding['encoding']): { enc: TensorEncoding; data: AnyBlob['data'] } {
  switch (e) {
    case 'f32':
      return { enc: { encoding: 'f32' }, data: w.slice() };
    case 'fp16':
      return { enc: { encoding: 'fp16' }, data: Uint16Array.from(w, floatToHalf) };
    case 'int8': {
      let max = 0;
      for (const v of w) max = Math.max(max, Math.abs(v));
      const scale = max > 0 ? max / 127 : 1;
      return { enc: { encoding: 'int8', scale }, data: Int8Array.from(w, (v) => Math.max(-127, Math.min(127, Math.round(v / scale)))) };
    }
    case 'uint8-affine': {
      let lo = 0, hi = 0;
      for (const v of w) { if (v < lo) lo = v; if (v > hi) hi = v; }
      const scale = hi > lo ? (hi - lo) / 255 : 1;
      const zeroPoint = Math.round(-lo / scale);
      return { enc: { encoding: 'uint8-affine', scale, zeroPoint }, data: Uint8Array.from(w, (v) => Math.max(0, Math.min(255, Math.round(v / scale) + zeroPoint))) };
    }
  }
}

/**
 * The compact stored form of a model (format version 2): indices in the
 * smallest type they fit, hidden weights quantized as asked (none: float32),
 * biases and readouts in float16 under any quantization.
 */
export function serializeCompact(model: GraphNet, q: Quantization | null): SerializedModel & { blobs: AnyBlob[] } {
  const hidden = hiddenNames(model);
  const blobs: AnyBlob[] = [];
  const layers: SerializedLayer[] = model.layers.map((l) => {
    if (l instanceof SparseLayer) {
      blobs.push({ name: `${l.name}.rowPtr`, data: indexArray(l.rowPtr, l.nnz()) }, { name: `${l.name}.col`, data: indexArray(l.col, l.nIn - 1) });
    }
    const we = q === null ? 'f32' : !hidden.has(l.name) ? 'fp16' : q === 'int8-affine' ? 'uint8-affine' : q;
    const w = encode(l.weight.data, we), b = encode(l.bias.data, q === null ? 'f32' : 'fp16');
    blobs.push({ name: `${l.name}.w`, data: w.data }, { name: `${l.name}.b`, data: b.data });
    return { name: l.name, kind: l.kind, nIn: l.nIn, nOut: l.nOut, nnz: l.nnz(), weights: w.enc, bias: b.enc };
  });
  return { config: { format: 'gridrewire-gnn', version: 2, model: { ...model.cfg, heads: { ...model.cfg.heads } }, layers }, blobs: blobs as SerializedModel['blobs'] & AnyBlob[] };
}

