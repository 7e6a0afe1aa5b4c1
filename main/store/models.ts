// Trained models: config, metrics, and named weight/mask tensors as blobs.

import type { Db } from './db';
import { nowIso } from './db';
import { encodeTensors, readTensors, replaceTensors } from './tensors';
import { fromJson, toJson } from './json';
import type { JsonObject, ModelInput, ModelSummary, Tensors } from './types';
import type { TensorSet } from './blob';
import { nonEmpty, notFound } from './validate';

const TABLE = { table: 'model_tensors', owner: 'model_id' } as const;

interface Row {
  id: number;
  name: string;
  dataset_id: number | null;
  training_run_id: number | null;
  config: string;
  metrics: string | null;
  created_at: string;
  updated_at: string;
}

export class ModelRepo {
  constructor(private readonly db: Db) {}

  /** Saves a model and its tensors in one transaction. */
  save(input: ModelInput): number {
    nonEmpty(input.name, 'model name');
    const encoded = encodeTensors(input.tensors);
    return this.db.write('saving a model', () => {
      const now = nowIso();
      const info = this.db
        .stmt(
          `INSERT INTO models (name, dataset_id, training_run_id, config, metrics, created_at, updated_at)
           VALUES (?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(input.name, input.datasetId ?? null, input.trainingRunId ?? null, toJson(input.config), input.metrics == null ? null : toJson(input.metrics), now, now);
      const id = Number(info.lastInsertRowid);
      replaceTensors(this.db, TABLE, id, encoded);
      return id;
    });
  }

  /** Replaces all tensors at once (e.g. after compression or early-stopping restore). */
  replaceTensors(id: number, tensors: TensorSet): void {
    const encoded = encodeTensors(tensors);
    this.db.write('replacing model tensors', () => {
      if (this.db.stmt('UPDATE models SET updated_at = ? WHERE id = ?').run(nowIso(), id).changes === 0) throw notFound('model', id);
      replaceTensors(this.db, TABLE, id, encoded);
    });
  }

  setMetrics(id: number, metrics: JsonObject): void {
    const n = this.db.write('saving model metrics', () =>
      this.db.stmt('UPDATE models SET metrics = ?, updated_at = ? WHERE id = ?').run(toJson(metrics), nowIso(), id).changes,
    );
    if (n === 0) throw notFound('model', id);
  }

  get(id: number): ModelSummary | undefined {
    return this.db.read('reading a model', () => {
      const r = this.db.stmt('SELECT * FROM models WHERE id = ?').get(id) as Row | undefined;
      return r && this.summary(r);
    });
  }

  list(): ModelSummary[] {
    return this.db.read('listing models', () => (this.db.stmt('SELECT * FROM models ORDER BY id').all() as Row[]).map((r) => this.summary(r)));
  }

  getTensors(id: number): Tensors {
    return this.db.read('reading model tensors', () => {
      if (!this.db.stmt('SELECT 1 FROM models WHERE id = ?').get(id)) throw notFound('model', id);
      return readTensors(this.db, TABLE, id);
    });
  }

  delete(id: number): boolean {
    return this.db.write('deleting a model', () => this.db.stmt('DELETE FROM models WHERE id = ?').run(id).changes === 1);
  }

  private summary(r: Row): ModelSummary {
    return {
      id: r.id,
      name: r.name,
      config: fromJson<JsonObject>(r.config, `model ${r.id} config`),
      metrics: r.metrics === null ? null : fromJson<JsonObject>(r.metrics, `model ${r.id} metrics`),
      datasetId: r.dataset_id,
      trainingRunId: r.training_run_id,
      createdAt: r.created_at,
      updatedAt: r.updated_at,
      tensors: this.db.stmt('SELECT name, length(data) AS bytes FROM model_tensors WHERE model_id = ? ORDER BY name').all(r.id) as { name: string; bytes: number }[],
    };
  }
}
