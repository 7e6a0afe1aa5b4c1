// Compact model format for the store: a JSON-able config plus typed blobs.
// Sparse layers store only their existing connections (row pointer, input
// indices, weights), so a 99%-sparse model takes about 1% of the space.
//
//   blobs per layer L:  L.w, L.b                 (dense: w is [out x in])
//                       L.rowPtr, L.col, L.w, L.b (sparse: CSR over outputs)

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
  config: { format: 'gridrewire-gnn'; version: 1; model: GraphNetConfig; layers: { name: string; kind: 'dense' | 'sparse'; nIn: number; nOut: number; nnz: number }[] };
  blobs: Blob[];
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

export function deserializeModel(config: unknown, blobs: readonly Blob[]): GraphNet {
  const c = config as SerializedModel['config'];
  if (!c || c.format !== 'gridrewire-gnn') throw new LearnError('bad-model', 'not a gridrewire-gnn model (config.format missing or different)');
  if (c.version !== 1) throw new LearnError('bad-model', `model format version ${c.version} is not supported (expected 1)`);
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
