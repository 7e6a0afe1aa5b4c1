// Named typed-array sets (model weights and masks, training checkpoints) kept
// as one row per tensor in a (owner, name, data) table.

import type { Db } from './db';
import { decodeArray, encodeArray, tensorEntries } from './blob';
import type { TensorSet } from './blob';
import type { Tensors } from './types';

type TensorTable = { table: 'model_tensors'; owner: 'model_id' } | { table: 'training_checkpoints'; owner: 'run_id' };

export function encodeTensors(set: TensorSet): [string, Buffer][] {
  return tensorEntries(set).map(([name, a]) => [name, encodeArray(a)]);
}

/** Replaces the owner's whole set. Call inside a write transaction. */
export function replaceTensors(db: Db, t: TensorTable, ownerId: number, encoded: readonly [string, Buffer][]): void {
  db.stmt(`DELETE FROM ${t.table} WHERE ${t.owner} = ?`).run(ownerId);
  const put = db.stmt(`INSERT INTO ${t.table} (${t.owner}, name, data) VALUES (?, ?, ?)`);
  for (const [name, data] of encoded) put.run(ownerId, name, data);
}

export function readTensors(db: Db, t: TensorTable, ownerId: number): Tensors {
  const rows = db.stmt(`SELECT name, data FROM ${t.table} WHERE ${t.owner} = ? ORDER BY name`).all(ownerId) as { name: string; data: Buffer }[];
  return new Map(rows.map((r) => [r.name, decodeArray(r.data, `${t.table} ${ownerId}/${r.name}`)]));
}
