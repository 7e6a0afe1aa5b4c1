// Compact model format for the store: a JSON-able config plus typed blobs.
// Sparse layers store only their existing connections (row pointer, input
// indices, weights), so a 99%-sparse model takes about 1% of the space.
//
//   blobs per layer L:  L.w, L.b                 (dense: w is [out x in])
//                       L.rowPtr, L.col, L.w, L.b (sparse: CSR over outputs)
//
// Version 2 is the compact form a compressed model is stored in (compact.ts):
// the same blobs with the smallest integer types the indices fit (u8 input
// indices on layers of at most 256 inputs) and weights quantized, each
// layer's encoding named in its config entry. Reading it dequantizes to
// float32, so inference runs the same kernels on the rounded values.

import { DenseLayer } from './dense';
import { LearnError } from './errors';
import { GraphNet, type GraphNetConfig, layerSpecs, resolveGraphNet } from './gnn';
import type { Layer } from './layer';
import { SparseLayer } from './sparse';

export interface Blob {
  name: string;
  data: Float32Array | Int32Array;
}

export interface SerializedModel {
  config: { format: 'gridrewire-gnn'; version: 1 | 2; model: GraphNetConfig; layers: SerializedLayer[] };
  blobs: Blob[];
}

export interface SerializedLayer {
  name: string;
  kind: 'dense' | 'sparse';
  nIn: number;
  nOut: number;
  nnz: number;
  /** Version 2: how the weights and biases are stored (absent: float32). */
  weights?: TensorEncoding;
  bias?: TensorEncoding;
}

/**
 * f32: as is. int8: symmetric, w = q x scale (q in -127..127, Int8).
 * uint8-affine: w = (q - zeroPoint) x scale (q in 0..255, Uint8; zero exactly representable).
 * fp16: IEEE half precision bits (Uint16).
 */
export type TensorEncoding = { encoding: 'f32' } | { encoding: 'int8'; scale: number } | { encoding: 'uint8-affine'; scale: number; zeroPoint: number } | { encoding: 'fp16' };

/** Any blob a stored model may hold (version 2 adds the small integer types). */
export interface AnyBlob {
  name: string;
  data: Float32Array | Int32Array | Int8Array | Uint8Array | Uint16Array;
}

/** Copies of the model's weights and masks (safe to keep while training continues). */
export function serializeModel(model: GraphNet): SerializedModel {
  const blobs: Blob[] = [];
  const layers = model.layers.map((l) => {
    if (l instanceof SparseLayer) {
      blobs.push({ name: `${l.name}.rowPtr`, data: l.rowPtr.slice() }, { name: `${l.name}.col`, data: l.col.slice() });
    }
    blobs.push({ name: `${l.name}.w`, data: l.weight.data.slice() }, { name: `${l.name}.b`, data: l.bias.data.slice() });
    return { name: l.name, kind: l.kind, nIn: l.nIn, nOut: l.nOut, nnz: l.nnz() };
  });
  return { config: { format: 'gridrewire-gnn', version: 1, model: { ...model.cfg, heads: { ...model.cfg.heads } }, layers }, blobs };
}

export function deserializeModel(config: unknown, blobs: readonly AnyBlob[]): GraphNet {
  const c = config as SerializedModel['config'];
  if (!c || c.format !== 'gridrewire-gnn') throw new LearnError('bad-model', 'not a gridrewire-gnn model (config.format missing or different)');
  if (c.version === 2) return deserializeCompact(c, blobs);
  if (c.version !== 1) throw new LearnError('bad-model', `model format version ${c.version} is not supported (expected 1 or 2)`);
  const cfg = resolveGraphNet(c.model);
  const byName = new Map(blobs.map((b) => [b.name, b.data]));
  const get = <T extends Float32Array | Int32Array>(name: string, type: 'f32' | 'i32'): T => {
    const d = byName.get(name);
    if (!d) throw new LearnError('bad-model', `model blob ${name} is missing`);
    if ((type === 'f32') !== d instanceof Float32Array) throw new LearnError('bad-model', `model blob ${name} should be ${type === 'f32' ? 'Float32Array' : 'Int32Array'}`);
    return d as T;
  };
  const specs = layerSpecs(cfg);
  if (!Array.isArray(c.layers) || c.layers.length !== specs.length) throw new LearnError('bad-model', `model lists ${c.layers?.length} layers, its config needs ${specs.length}`);
  const layers: Layer[] = specs.map((s, i) => {
    const info = c.layers[i];
    if (info.name !== s.name) throw new LearnError('bad-model', `layer ${i} is ${info.name}, expected ${s.name}`);
    const w = get<Float32Array>(`${s.name}.w`, 'f32').slice(), b = get<Float32Array>(`${s.name}.b`, 'f32').slice();
    if (info.kind === 'sparse') {
      return new SparseLayer(s.name, s.nIn, s.nOut, get<Int32Array>(`${s.name}.rowPtr`, 'i32').slice(), get<Int32Array>(`${s.name}.col`, 'i32').slice(), w, b);
    }
    return new DenseLayer(s.name, s.nIn, s.nOut, w, b);
  });
  return new GraphNet(cfg, layers);
}

/** Version 2 (compact): integer indices of any width, weights decoded by their layer's encoding. */
function deserializeCompact(c: SerializedModel['config'], blobs: readonly AnyBlob[]): GraphNet {
  const cfg = resolveGraphNet(c.model);
  const byName = new Map(blobs.map((b) => [b.name, b.data]));
  const get = (name: string) => {
    const d = byName.get(name);
    if (!d) throw new LearnError('bad-model', `model blob ${name} is missing`);
    return d;
  };
  const index = (name: string): Int32Array => {
    const d = get(name);
    if (d instanceof Float32Array || d instanceof Int8Array) throw new LearnError('bad-model', `model blob ${name} should hold unsigned indices, found ${d.constructor.name}`);
    return Int32Array.from(d);
  };
  const specs = layerSpecs(cfg);
  if (!Array.isArray(c.layers) || c.layers.length !== specs.length) throw new LearnError('bad-model', `model lists ${c.layers?.length} layers, its config needs ${specs.length}`);
  const layers: Layer[] = specs.map((s, i) => {
    const info = c.layers[i];
    if (info.name !== s.name) throw new LearnError('bad-model', `layer ${i} is ${info.name}, expected ${s.name}`);
    const w = decodeTensor(get(`${s.name}.w`), info.weights ?? { encoding: 'f32' }, `${s.name}.w`);
    const b = decodeTensor(get(`${s.name}.b`), info.bias ?? { encoding: 'f32' }, `${s.name}.b`);
    if (info.kind === 'sparse') return new SparseLayer(s.name, s.nIn, s.nOut, index(`${s.name}.rowPtr`), index(`${s.name}.col`), w, b);
    return new DenseLayer(s.name, s.nIn, s.nOut, w, b);
  });
  return new GraphNet(cfg, layers);
}

function decodeTensor(d: AnyBlob['data'], e: TensorEncoding, name: string): Float32Array {
  const want = { f32: Float32Array, int8: Int8Array, 'uint8-affine': Uint8Array, fp16: Uint16Array }[e.encoding];
  if (!want) throw new LearnError('bad-model', `model blob ${name}: unknown encoding '${(e as { encoding: string }).encoding}'`);
  if (!(d instanceof want)) throw new LearnError('bad-model', `model blob ${name} should be ${want.name} (${e.encoding}), found ${d.constructor.name}`);
  switch (e.encoding) {
    case 'f32': return (d as Float32Array).slice();
    case 'int8': return Float32Array.from(d as Int8Array, (q) => q * e.scale);
    case 'uint8-affine': return Float32Array.from(d as Uint8Array, (q) => (q - e.zeroPoint) * e.scale);
    case 'fp16': return Float32Array.from(d as Uint16Array, halfToFloat);
  }
}

/** IEEE 754 half-precision bits to a number. */
export function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1, e = (h >>> 10) & 0x1f, m = h & 0x3ff;
  if (e === 0) return s * m * 2 ** -24;
  if (e === 31) return m ? NaN : s * Infinity;
  return s * (1 + m / 1024) * 2 ** (e - 15);
}

const f32 = new Float32Array(1), u32 = new Uint32Array(f32.buffer);

/** A number to IEEE 754 half-precision bits, rounded to nearest even (overflow to infinity). */
export function floatToHalf(v: number): number {
  f32[0] = v;
  const x = u32[0], sign = (x >>> 16) & 0x8000, e8 = (x >>> 23) & 0xff, mant = x & 0x7fffff;
  if (e8 === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  const e = e8 - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    // Subnormal: shift the implicit bit in, round to nearest even.
    const m = mant | 0x800000, shift = 14 - e;
    const q = m >>> shift, rest = m & ((1 << shift) - 1), halfway = 1 << (shift - 1);
    return sign | (rest > halfway || (rest === halfway && q & 1) ? q + 1 : q);
  }
  const h = sign | (e << 10) | (mant >>> 13), rest = mant & 0x1fff;
  // A carry out of the mantissa moves into the exponent, which is the right rounding.
  return rest > 0x1000 || (rest === 0x1000 && h & 1) ? h + 1 : h;
}
