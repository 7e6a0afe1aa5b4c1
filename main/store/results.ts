// Explanations, fidelity studies, robustness, compression and graphon results: JSON
// documents keyed to a model by (kind, key); putting the same key again
// replaces the document. An explanation is keyed by the case's content and
// the branch (explanationKey), a fidelity study by its configuration.

import type { Db } from './db';
import { nowIso } from './db';
import { fromJson, toJson } from './json';
import type { ModelResult, ModelResultKind } from './types';
import { nonEmpty, notFound, oneOf } from './validate';

const KINDS: readonly ModelResultKind[] = ['explanation', 'fidelity', 'robustness', 'compression', 'graphon'];

interface Row {
  id: number;
  model_id: number;
  kind: ModelResultKind;
  key: string;
  doc: string;
  created_at: string;
}

const toResult = (r: Row): ModelResult => ({
  id: r.id,
  modelId: r.model_id,
  kind: r.kind,
  key: r.key,
  doc: fromJson(r.doc, `result ${r.id}`),
  createdAt: r.created_at,
});

/** The key of an explanation: the case's content (a sha256 hex digest) and the 1-based branch row. */
export function explanationKey(caseHash: string, branch: number): string {
  return `case:${caseHash}:branch:${branch}`;
}

/** The key of a fidelity study: its configuration, in a fixed order. */
export function fidelityKey(c: { datasetId: number; outages: number; draws: number; seed: number; steps: number; physicsK: number }): string {
  return `dataset:${c.datasetId}:outages:${c.outages}:draws:${c.draws}:seed:${c.seed}:steps:${c.steps}:k:${c.physicsK}`;
}

export class ModelResultRepo {
  constructor(private readonly db: Db) {}

  /** Stores (or replaces) the document for (model, kind, key); e.g. key 'branch:12' or a config name. */
  put(modelId: number, kind: ModelResultKind, key: string, doc: unknown): number {
    oneOf(kind, KINDS, 'result kind');
    nonEmpty(key, 'result key');
    const json = toJson(doc);
    return this.db.write(`storing a ${kind} result`, () => {
      if (!this.db.stmt('SELECT 1 FROM models WHERE id = ?').get(modelId)) throw notFound('model', modelId);
      return this.db
        .stmt(
          `INSERT INTO model_results (model_id, kind, key, doc, created_at) VALUES (?, ?, ?, ?, ?)
           ON CONFLICT (model_id, kind, key) DO UPDATE SET doc = excluded.doc, created_at = excluded.created_at RETURNING id`,
        )
        .pluck()
        .get(modelId, kind, key, json, nowIso()) as number;
    });
  }

  get(modelId: number, kind: ModelResultKind, key: string): ModelResult | undefined {
    const r = this.db.guard('reading a result', () => this.db.stmt('SELECT * FROM model_results WHERE model_id = ? AND kind = ? AND key = ?').get(modelId, kind, key) as Row | undefined);
    return r && toResult(r);
  }

  list(modelId: number, kind?: ModelResultKind): ModelResult[] {
    return this.db.guard('listing results', () =>
      (this.db.stmt('SELECT * FROM model_results WHERE model_id = @modelId AND (@kind IS NULL OR kind = @kind) ORDER BY id').all({ modelId, kind: kind ?? null }) as Row[]).map(toResult),
    );
  }

  delete(id: number): boolean {
    return this.db.write('deleting a result', () => this.db.stmt('DELETE FROM model_results WHERE id = ?').run(id).changes === 1);
  }
}
