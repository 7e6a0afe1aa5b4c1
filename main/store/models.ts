// Trained models: config, metrics, and named weight/mask tensors as blobs.
// A row whose JSON cannot be read is still listed, marked unreadable, so
// that one damaged row does not hide every other model.

import type { Db } from './db';
import { nowIso } from './db';
import { encodeTensors, readTensors, replaceTensors } from './tensors';
import { fromJson, toJson } from './json';
import { StoreError } from './errors';
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

/** A model row as read. `unreadable` says which of its JSON documents could not be read: {} stands in for such a config, null for such metrics. */
export interface ModelRecord extends ModelSummary {
  unreadable: { config?: string; metrics?: string } | null;
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

  get(id: number): ModelRecord | undefined {
    return this.db.read('reading a model', () => {
      const r = this.db.stmt('SELECT * FROM models WHERE id = ?').get(id) as Row | undefined;
      return r && this.summary(r);
    });
  }

  list(): ModelRecord[] {
    return this.db.read('listing models', () => (this.db.stmt('SELECT * FROM models ORDER BY id').all() as Row[]).map((r) => this.summary(r)));
  }

  /** Id and time of last change of every model, without reading their documents: cheap to ask before each use. */
  versions(): { id: number; updatedAt: string }[] {
    return this.db.read('listing models', () =>
      (this.db.stmt('SELECT id, updated_at FROM models ORDER BY id').all() as { id: number; updated_at: string }[]).map((r) => ({ id: r.id, updatedAt: r.updated_at })));
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

  private summary(r: Row): ModelRecord {
    const config = readDocument(r.config, `model ${r.id} config`);
    const metrics = r.metrics === null ? { value: null } : readDocument(r.metrics, `model ${r.id} metrics`);
    const unreadable = config.problem || metrics.problem
      ? { ...(config.problem ? { config: config.problem } : {}), ...(metrics.problem ? { metrics: metrics.problem } : {}) }
      : null;
    return {
      id: r.id,
      name: r.name,
      config: config.value ?? {},
      metrics: metrics.value ?? null,
      datasetId: r.dataset_id,
      trainingRunId: r.training_run_id,
      createdAt: r.created_at,
      updatedAt: r.updated_at,
      tensors: this.db.stmt('SELECT name, length(data) AS bytes FROM model_tensors WHERE model_id = ? ORDER BY name').all(r.id) as { name: string; bytes: number }[],
      unreadable,
    };
  }
}

/** A stored JSON object, or why it cannot be read (it does not parse, or is not an object). */
function readDocument(text: string, what: string): { value: JsonObject | null; problem?: string } {
  let v: unknown;
  try {
    v = fromJson(text, what);
  } catch (e) {
    if (e instanceof StoreError) return { value: null, problem: e.message };
    throw e;
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return { value: null, problem: `${what}: stored JSON is not an object` };
  return { value: v as JsonObject };
}
