// The sparse masks of a training run kept per epoch (training_masks): each
// layer's connections as sorted positions o * nIn + i in a little-endian
// Int32 blob. Written by TrainingRepo inside its own transactions (with the
// epoch they belong to), read back for the graphon of every rewiring epoch.

import type { Db } from './db';
import { StoreError } from './errors';
import type { EpochMasks, LayerMask } from './types';
import { nonNegInt, positiveInt } from './validate';

/** Checks one layer's mask (names, shape, positions sorted, distinct, inside the layer). */
export function checkMask(m: LayerMask): void {
  if (typeof m.layer !== 'string' || m.layer.length === 0) throw new StoreError('INVALID', 'a mask needs its layer name');
  positiveInt(m.nIn, `mask ${m.layer} nIn`);
  positiveInt(m.nOut, `mask ${m.layer} nOut`);
  const p = m.positions, cells = m.nIn * m.nOut;
  for (let k = 0; k < p.length; k++) {
    if (!(p[k] >= 0 && p[k] < cells)) throw new StoreError('INVALID', `mask ${m.layer}: position ${p[k]} outside a ${m.nOut}x${m.nIn} layer`);
    if (k > 0 && p[k] <= p[k - 1]) throw new StoreError('INVALID', `mask ${m.layer}: positions must be sorted and distinct (index ${k})`);
  }
}

function encodePositions(p: Int32Array): Buffer {
  const b = Buffer.alloc(p.length * 4);
  for (let k = 0; k < p.length; k++) b.writeInt32LE(p[k], k * 4);
  return b;
}

function decodePositions(b: Buffer, what: string): Int32Array {
  if (b.length % 4 !== 0) throw new StoreError('CORRUPT', `${what}: a mask blob of ${b.length} bytes is not a list of Int32 positions`);
  const p = new Int32Array(b.length / 4);
  for (let k = 0; k < p.length; k++) p[k] = b.readInt32LE(k * 4);
  return p;
}

/** Replaces the masks of one epoch of a run. Call inside a write transaction. */
export function writeMasks(db: Db, runId: number, epoch: number, layers: readonly LayerMask[]): void {
  nonNegInt(epoch, 'mask epoch');
  for (const m of layers) checkMask(m);
  if (new Set(layers.map((m) => m.layer)).size !== layers.length) throw new StoreError('INVALID', `epoch ${epoch}: a layer's mask is given twice`);
  db.stmt('DELETE FROM training_masks WHERE run_id = ? AND epoch = ?').run(runId, epoch);
  const put = db.stmt('INSERT INTO training_masks (run_id, epoch, layer, ord, n_in, n_out, positions) VALUES (?, ?, ?, ?, ?, ?, ?)');
  layers.forEach((m, i) => put.run(runId, epoch, m.layer, i, m.nIn, m.nOut, encodePositions(m.positions)));
}

/** Every stored epoch of a run's masks, oldest first (layers in the order they were written). */
export function readMasks(db: Db, runId: number): EpochMasks[] {
  const rows = db.stmt('SELECT epoch, layer, n_in, n_out, positions FROM training_masks WHERE run_id = ? ORDER BY epoch, ord').all(runId) as {
    epoch: number; layer: string; n_in: number; n_out: number; positions: Buffer;
  }[];
  const out: EpochMasks[] = [];
  for (const r of rows) {
    if (out.length === 0 || out[out.length - 1].epoch !== r.epoch) out.push({ epoch: r.epoch, layers: [] });
    out[out.length - 1].layers.push({ layer: r.layer, nIn: r.n_in, nOut: r.n_out, positions: decodePositions(r.positions, `training run ${runId} epoch ${r.epoch} layer ${r.layer}`) });
  }
  return out;
}
