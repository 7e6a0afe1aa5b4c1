// Datasets for the surrogate: a config, a seed and split sizes, and samples
// (scenario, outaged branch, split, feature and label vectors) appended in
// batches, idempotently, so a killed build resumes. Features are f32 blobs or
// compact outage records (core/learn/record-codec.ts, lossless); labels are
// f32 blobs (every dataset written before compact labels) or compact label
// blobs (core/learn/label-codec.ts), decoded here against the scenario's
// static row. Each kind is told apart by its magic, and a reader always gets
// the full Float32 vectors.

import type { Db } from './db';
import { nowIso } from './db';
import { decodeFloat32, encodeArray } from './blob';
import { LearnError } from '../core/learn/errors';
import { decodeLabels, isCompactLabels, labelBase, labelGridOf, type LabelBase } from '../core/learn/label-codec';
import { decodeRecord, isCompactRecord } from '../core/learn/record-codec';
import { StoreError } from './errors';
import { fromJson, toJson } from './json';
import type { DatasetInput, DatasetSample, DatasetSummary, JsonObject, SampleQuery, Split, StoredSample } from './types';
import { nonEmpty, nonNegInt, notFound, oneOf } from './validate';

const SPLITS: readonly Split[] = ['train', 'val', 'test'];

interface Row {
  id: number;
  case_id: number;
  name: string;
  config: string;
  seed: number;
  n_train: number;
  n_val: number;
  n_test: number;
  status: 'building' | 'done';
  created_at: string;
  samples: number;
}

const SELECT = `SELECT d.*, (SELECT count(*) FROM dataset_samples s WHERE s.dataset_id = d.id) AS samples FROM datasets d`;

const toSummary = (r: Row): DatasetSummary => ({
  id: r.id,
  caseId: r.case_id,
  name: r.name,
  config: fromJson<JsonObject>(r.config, `dataset ${r.id} config`),
  seed: r.seed,
  sizes: { train: r.n_train, val: r.n_val, test: r.n_test },
  status: r.status,
  createdAt: r.created_at,
  samples: r.samples,
});

interface SampleRow {
  id: number;
  scenario: number;
  branch: number;
  split: Split;
  features: Buffer;
  labels: Buffer;
}

export class DatasetRepo {
  constructor(private readonly db: Db) {}

  create(input: DatasetInput): number {
    nonEmpty(input.name, 'dataset name');
    if (!Number.isSafeInteger(input.seed)) throw new StoreError('INVALID', `seed must be an integer, got ${input.seed}`);
    for (const s of SPLITS) nonNegInt(input.sizes?.[s], `sizes.${s}`);
    return this.db.write('creating a dataset', () => {
      if (!this.db.stmt('SELECT 1 FROM cases WHERE id = ?').get(input.caseId)) throw notFound('case', input.caseId);
      const info = this.db
        .stmt(
          `INSERT INTO datasets (case_id, name, config, seed, n_train, n_val, n_test, status, created_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, 'building', ?)`,
        )
        .run(input.caseId, input.name, toJson(input.config), input.seed, input.sizes.train, input.sizes.val, input.sizes.test, nowIso());
      return Number(info.lastInsertRowid);
    });
  }

  /** Appends a batch of samples in one transaction; a (scenario, branch) already
   *  stored is skipped. Returns how many were new. */
  appendSamples(datasetId: number, samples: readonly DatasetSample[]): number {
    // Encode outside the write lock.
    const rows = samples.map((s) => {
      oneOf(s.split, SPLITS, 'split');
      return [s.scenario, s.branch, s.split, featureBlob(s), labelBlob(s)] as const;
    });
    return this.db.write('storing dataset samples', () => {
      const d = this.db.stmt('SELECT status FROM datasets WHERE id = ?').get(datasetId) as { status: string } | undefined;
      if (!d) throw notFound('dataset', datasetId);
      if (d.status === 'done') throw new StoreError('INVALID', `dataset ${datasetId} is complete; it cannot take more samples`);
      const put = this.db.stmt(
        'INSERT INTO dataset_samples (dataset_id, scenario, branch, split, features, labels) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING',
      );
      let n = 0;
      for (const r of rows) n += put.run(datasetId, ...r).changes;
      return n;
    });
  }

  markDone(datasetId: number): void {
    const n = this.db.write('completing a dataset', () => this.db.stmt(`UPDATE datasets SET status = 'done' WHERE id = ?`).run(datasetId).changes);
    if (n === 0) throw notFound('dataset', datasetId);
  }

  get(id: number): DatasetSummary | undefined {
    const r = this.db.guard('reading a dataset', () => this.db.stmt(`${SELECT} WHERE d.id = ?`).get(id) as Row | undefined);
    return r && toSummary(r);
  }

  list(filter: { caseId?: number } = {}): DatasetSummary[] {
    return this.db.guard('listing datasets', () =>
      (this.db.stmt(`${SELECT} WHERE (@caseId IS NULL OR d.case_id = @caseId) ORDER BY d.id`).all({ caseId: filter.caseId ?? null }) as Row[]).map(toSummary),
    );
  }

  countSamples(datasetId: number, split?: Split): number {
    return this.db.guard('counting samples', () =>
      this.db.stmt('SELECT count(*) FROM dataset_samples WHERE dataset_id = @id AND (@split IS NULL OR split = @split)').pluck().get({ id: datasetId, split: split ?? null }) as number,
    );
  }

  /** Samples in insertion order; page with afterId = the last id seen. Compact labels come back decoded. */
  getSamples(datasetId: number, q: SampleQuery = {}): StoredSample[] {
    if (q.split !== undefined) oneOf(q.split, SPLITS, 'split');
    const limit = q.limit === undefined ? -1 : nonNegInt(q.limit, 'limit');
    // One snapshot: a static row read for a page that starts inside a scenario sees what the page sees.
    return this.db.read('reading samples', () => {
      const rows = this.db
        .stmt(
          `SELECT id, scenario, branch, split, features, labels FROM dataset_samples
           WHERE dataset_id = @id AND (@split IS NULL OR split = @split) AND id > @afterId ORDER BY id LIMIT @limit`,
        )
        .all({ id: datasetId, split: q.split ?? null, afterId: q.afterId ?? 0, limit }) as SampleRow[];
      const decoder = new SampleDecoder(this.db, datasetId);
      return rows.map((r) => {
        const features = isCompactRecord(r.features) ? decoder.record(r) : decodeFloat32(r.features, `sample ${r.id} features`);
        if (r.branch === 0) decoder.sawStatic(r.scenario, features);
        return {
          id: r.id,
          scenario: r.scenario,
          branch: r.branch,
          split: r.split,
          features,
          labels: isCompactLabels(r.labels) ? decoder.labels(r) : decodeFloat32(r.labels, `sample ${r.id} labels`),
        };
      });
    });
  }

  /** Bytes of the stored feature and label blobs (static rows included), as SQLite holds them. */
  storedBytes(datasetId: number): { features: number; labels: number; samples: number } {
    return this.db.guard('measuring a dataset', () => {
      const r = this.db.stmt('SELECT count(*) AS n, total(length(features)) AS f, total(length(labels)) AS l FROM dataset_samples WHERE dataset_id = ?').get(datasetId) as { n: number; f: number; l: number };
      return { features: r.f, labels: r.l, samples: r.n };
    });
  }

  /** (scenario, branch) pairs already stored, for resuming a build. */
  storedKeys(datasetId: number): { scenario: number; branch: number }[] {
    return this.db.guard('reading sample keys', () =>
      this.db.stmt('SELECT scenario, branch FROM dataset_samples WHERE dataset_id = ? ORDER BY id').all(datasetId) as { scenario: number; branch: number }[],
    );
  }

  delete(id: number): boolean {
    return this.db.write('deleting a dataset', () => this.db.stmt('DELETE FROM datasets WHERE id = ?').run(id).changes === 1);
  }
}

/** The stored form of a sample's features: an f32 blob, or a compact record as it is (its scenario's static row must be f32). */
function featureBlob(s: DatasetSample): Buffer {
  if (s.features instanceof Float32Array) return encodeArray(s.features);
  if (s.features instanceof Uint8Array && isCompactRecord(s.features) && s.branch !== 0) {
    try {
      decodeRecord(s.features);
    } catch (e) {
      if (e instanceof LearnError) throw new StoreError('INVALID', `sample (${s.scenario}, ${s.branch}): ${e.message}`);
      throw e;
    }
    return Buffer.from(s.features.buffer, s.features.byteOffset, s.features.byteLength);
  }
  throw new StoreError('INVALID', `sample (${s.scenario}, ${s.branch}): features must be a Float32Array${s.branch !== 0 ? ' or a compact record' : ''}`);
}

/** The stored form of a sample's labels: an f32 blob, or a compact label blob as it is. */
function labelBlob(s: DatasetSample): Buffer {
  if (s.labels instanceof Float32Array) return encodeArray(s.labels);
  if (s.labels instanceof Uint8Array && isCompactLabels(s.labels)) {
    try {
      labelGridOf(s.labels);
    } catch (e) {
      if (e instanceof LearnError) throw new StoreError('INVALID', `sample (${s.scenario}, ${s.branch}): ${e.message}`);
      throw e;
    }
    return Buffer.from(s.labels.buffer, s.labels.byteOffset, s.labels.byteLength);
  }
  throw new StoreError('INVALID', `sample (${s.scenario}, ${s.branch}): labels must be a Float32Array or a compact label blob`);
}

/**
 * Decodes the compact blobs of one read. Compact labels need their
 * scenario's base values: from its static row (branch 0) when the read
 * passed it, else read for the purpose (a page that starts inside a
 * scenario); one per scenario.
 */
class SampleDecoder {
  private readonly statics = new Map<number, Float32Array>();
  private readonly bases = new Map<number, LabelBase>();

  constructor(private readonly db: Db, private readonly datasetId: number) {}

  record(r: SampleRow): Float32Array {
    try {
      return decodeRecord(r.features, `sample ${r.id} features`);
    } catch (e) {
      if (e instanceof LearnError) throw new StoreError('CORRUPT', `dataset ${this.datasetId}: ${e.message}`);
      throw e;
    }
  }

  sawStatic(scenario: number, features: Float32Array): void {
    this.statics.set(scenario, features);
  }

  labels(r: SampleRow): Float32Array {
    const what = `sample ${r.id} labels`;
    try {
      const { nb, nl } = labelGridOf(r.labels);
      let base = this.bases.get(r.scenario);
      if (!base || base.nb !== nb || base.nl !== nl) {
        base = labelBase(this.staticOf(r.scenario, what), nb, nl);
        this.bases.set(r.scenario, base);
      }
      return decodeLabels(r.labels, base, what);
    } catch (e) {
      if (e instanceof LearnError) throw new StoreError('CORRUPT', `dataset ${this.datasetId}: ${e.message}`);
      throw e;
    }
  }

  private staticOf(scenario: number, what: string): Float32Array {
    let st = this.statics.get(scenario);
    if (!st) {
      const row = this.db.stmt('SELECT id, features FROM dataset_samples WHERE dataset_id = ? AND scenario = ? AND branch = 0').get(this.datasetId, scenario) as { id: number; features: Buffer } | undefined;
      if (!row) throw new StoreError('CORRUPT', `dataset ${this.datasetId}: ${what} need scenario ${scenario}'s static row, which is missing`);
      st = decodeFloat32(row.features, `sample ${row.id} features`);
      this.statics.set(scenario, st);
    }
    return st;
  }
}
