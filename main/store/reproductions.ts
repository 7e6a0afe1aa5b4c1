// Reproductions of the papers' benchmarks (issue 16): a study row per
// `gridrewire reproduce` (dataset, config, result once done), the finished
// runs keyed as the RunStore says (so a stopped study resumes without
// redoing them) and each run's state after its latest epoch (so a stopped
// run resumes mid-way; the last epoch's state is the trained network).

import type { Db } from './db';
import { nowIso } from './db';
import { fromJson, toJson } from './json';
import { nonEmpty, oneOf } from './validate';

export type ReproductionStatus = 'running' | 'done' | 'stopped' | 'failed';
const STATUSES: readonly ReproductionStatus[] = ['running', 'done', 'stopped', 'failed'];
const DATASETS = ['fashion-mnist', 'mnist', 'mutag', 'proteins'] as const;

export interface Reproduction {
  id: number;
  dataset: string;
  config: Record<string, unknown>;
  status: ReproductionStatus;
  result: unknown;
  startedAt: string;
  finishedAt: string | null;
}

interface Row {
  id: number;
  dataset: string;
  config: string;
  status: ReproductionStatus;
  result: string | null;
  started_at: string;
  finished_at: string | null;
}

const toReproduction = (r: Row): Reproduction => ({
  id: r.id,
  dataset: r.dataset,
  config: fromJson(r.config, `reproduction ${r.id}`) as Record<string, unknown>,
  status: r.status,
  result: r.result === null ? null : fromJson(r.result, `reproduction ${r.id}`),
  startedAt: r.started_at,
  finishedAt: r.finished_at,
});

export class ReproductionRepo {
  constructor(private readonly db: Db) {}

  start(dataset: string, config: Record<string, unknown>): number {
    oneOf(dataset, DATASETS, 'dataset');
    return this.db.write('starting a reproduction', () =>
      this.db.stmt(`INSERT INTO reproductions (dataset, config, status, started_at) VALUES (?, ?, 'running', ?) RETURNING id`).pluck().get(dataset, toJson(config), nowIso()) as number,
    );
  }

  finish(id: number, status: Exclude<ReproductionStatus, 'running'>, result: unknown): void {
    oneOf(status, STATUSES, 'reproduction status');
    this.db.write('finishing a reproduction', () => {
      this.db.stmt('UPDATE reproductions SET status = ?, result = ?, finished_at = ? WHERE id = ?').run(status, result === null ? null : toJson(result), nowIso(), id);
    });
  }

  get(id: number): Reproduction | undefined {
    const r = this.db.guard('reading a reproduction', () => this.db.stmt('SELECT * FROM reproductions WHERE id = ?').get(id) as Row | undefined);
    return r && toReproduction(r);
  }

  list(dataset?: string): Reproduction[] {
    return this.db.guard('listing reproductions', () =>
      (this.db.stmt('SELECT * FROM reproductions WHERE (@dataset IS NULL OR dataset = @dataset) ORDER BY id').all({ dataset: dataset ?? null }) as Row[]).map(toReproduction),
    );
  }

  /** A finished run's outcome by its key (dataset, method, sparsity, seed, config hash). */
  getRun<T>(key: string): T | undefined {
    const doc = this.db.guard('reading a reproduction run', () => this.db.stmt('SELECT outcome FROM reproduction_runs WHERE key = ?').pluck().get(key) as string | undefined);
    return doc === undefined ? undefined : (fromJson(doc, `reproduction run ${key}`) as T);
  }

  putRun(key: string, dataset: string, outcome: unknown): void {
    nonEmpty(key, 'run key');
    this.db.write('storing a reproduction run', () => {
      this.db.stmt(`INSERT INTO reproduction_runs (key, dataset, outcome, created_at) VALUES (?, ?, ?, ?)
        ON CONFLICT (key) DO UPDATE SET outcome = excluded.outcome, created_at = excluded.created_at`).run(key, dataset, toJson(outcome), nowIso());
    });
  }

  runCount(dataset?: string): number {
    return this.db.guard('counting reproduction runs', () => this.db.stmt('SELECT count(*) FROM reproduction_runs WHERE (@dataset IS NULL OR dataset = @dataset)').pluck().get({ dataset: dataset ?? null }) as number);
  }

  /** The state of a run after its latest epoch, or undefined. */
  getCheckpoint(key: string): { epoch: number; state: Uint8Array } | undefined {
    const r = this.db.guard('reading a run checkpoint', () => this.db.stmt('SELECT epoch, state FROM reproduction_checkpoints WHERE key = ?').get(key) as { epoch: number; state: Buffer } | undefined);
    return r && { epoch: r.epoch, state: new Uint8Array(r.state.buffer, r.state.byteOffset, r.state.byteLength) };
  }

  putCheckpoint(key: string, epoch: number, state: Uint8Array): void {
    nonEmpty(key, 'run key');
    this.db.write('storing a run checkpoint', () => {
      this.db.stmt(`INSERT INTO reproduction_checkpoints (key, epoch, state, updated_at) VALUES (?, ?, ?, ?)
        ON CONFLICT (key) DO UPDATE SET epoch = excluded.epoch, state = excluded.state, updated_at = excluded.updated_at`).run(key, epoch, Buffer.from(state.buffer, state.byteOffset, state.byteLength), nowIso());
    });
  }
}
