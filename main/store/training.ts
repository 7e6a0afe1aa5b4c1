// Training runs: per-epoch metrics rows and the latest checkpoint. commitEpoch
// writes an epoch's metrics and (optionally) its checkpoint in one transaction,
// so after a kill the stored epochs and the checkpoint always agree; resume
// from getCheckpoint and re-commit the epochs after it (they are replaced).

import type { Db } from './db';
import { nowIso } from './db';
import { StoreError } from './errors';
import { fromJson, toJson } from './json';
import { currentOwner, ownerGone } from './owner';
import { readMasks, writeMasks } from './masks';
import { encodeTensors, readTensors, replaceTensors } from './tensors';
import type { Checkpoint, EpochMasks, EpochMetrics, LayerMask, JobStatus, JsonObject, StoredCheckpoint, TrainingInput, TrainingRunSummary } from './types';
import { nonNegInt, notFound, oneOf, positiveInt } from './validate';

const TABLE = { table: 'training_checkpoints', owner: 'run_id' } as const;

interface Row {
  id: number;
  dataset_id: number | null;
  config: string;
  status: JobStatus;
  epochs: number;
  started_at: string;
  updated_at: string;
  finished_at: string | null;
  seconds: number | null;
  error: string | null;
  owner_pid: number | null;
  owner_host: string | null;
  checkpoint_epoch: number | null;
  epochs_done: number;
}

interface EpochRow {
  epoch: number;
  loss: number | null;
  val_metrics: string;
  density: number | null;
  zeta: number | null;
  pruned: number;
  regrown: number;
  seconds: number | null;
}

const SELECT = `SELECT t.*, (SELECT count(*) FROM training_epochs e WHERE e.run_id = t.id) AS epochs_done FROM training_runs t`;

const toSummary = (r: Row): TrainingRunSummary => ({
  id: r.id,
  datasetId: r.dataset_id,
  config: fromJson<JsonObject>(r.config, `training run ${r.id} config`),
  status: r.status,
  epochs: r.epochs,
  epochsDone: r.epochs_done,
  checkpointEpoch: r.checkpoint_epoch,
  startedAt: r.started_at,
  updatedAt: r.updated_at,
  finishedAt: r.finished_at,
  seconds: r.seconds,
  error: r.error,
  ownerPid: r.owner_pid,
  stale: r.status === 'running' && ownerGone(r.owner_pid, r.owner_host),
});

const nanIfNull = (v: number | null): number => (v === null ? NaN : v);

export class TrainingRepo {
  private readonly owner = currentOwner();

  constructor(private readonly db: Db) {}

  /** Starts a training run owned by this process, status 'running'. */
  start(input: TrainingInput): number {
    positiveInt(input.epochs, 'epochs');
    const owner = this.owner;
    const now = nowIso();
    return this.db.write('starting a training run', () => {
      if (input.datasetId != null && !this.db.stmt('SELECT 1 FROM datasets WHERE id = ?').get(input.datasetId)) throw notFound('dataset', input.datasetId);
      const info = this.db
        .stmt(
          `INSERT INTO training_runs (dataset_id, config, status, epochs, started_at, updated_at, owner_pid, owner_host)
           VALUES (?, ?, 'running', ?, ?, ?, ?, ?)`,
        )
        .run(input.datasetId ?? null, toJson(input.config), input.epochs, now, now, owner.pid, owner.host);
      return Number(info.lastInsertRowid);
    });
  }

  /** Stores one epoch's metrics, and the checkpoint taken after it and its sparse masks
   *  (when rewiring changed them) if given, atomically. Re-committing an epoch (after a resume) replaces it. */
  commitEpoch(runId: number, m: EpochMetrics, checkpoint?: Checkpoint, masks?: readonly LayerMask[]): void {
    nonNegInt(m.epoch, 'epoch');
    nonNegInt(m.pruned, 'pruned');
    nonNegInt(m.regrown, 'regrown');
    if (checkpoint && checkpoint.epoch !== m.epoch) {
      throw new StoreError('INVALID', `checkpoint epoch ${checkpoint.epoch} does not match the committed epoch ${m.epoch}`);
    }
    const encoded = checkpoint && encodeTensors(checkpoint.tensors);
    this.db.write('storing a training epoch', () => {
      const run = this.db.stmt('SELECT status, owner_pid, owner_host FROM training_runs WHERE id = ?').get(runId) as
        | { status: JobStatus; owner_pid: number | null; owner_host: string | null }
        | undefined;
      if (!run) throw notFound('training run', runId);
      if (run.status !== 'running') throw new StoreError('INVALID', `training run ${runId} is ${run.status}; resume it (claim) before storing epochs`);
      if (run.owner_pid !== this.owner.pid || run.owner_host !== this.owner.host) {
        throw new StoreError('LOCKED', `training run ${runId} is owned by process ${run.owner_pid} on ${run.owner_host}; claim it to take over`);
      }
      this.db
        .stmt(
          `INSERT INTO training_epochs (run_id, epoch, loss, val_metrics, density, zeta, pruned, regrown, seconds)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (run_id, epoch) DO UPDATE SET loss = excluded.loss, val_metrics = excluded.val_metrics,
             density = excluded.density, zeta = excluded.zeta, pruned = excluded.pruned, regrown = excluded.regrown, seconds = excluded.seconds`,
        )
        .run(runId, m.epoch, m.loss, toJson(m.valMetrics), m.density, m.zeta, m.pruned, m.regrown, m.seconds);
      this.db.stmt('UPDATE training_runs SET updated_at = ? WHERE id = ?').run(nowIso(), runId);
      if (checkpoint && encoded) this.writeCheckpoint(runId, checkpoint, encoded);
      if (masks) writeMasks(this.db, runId, m.epoch, masks);
    });
  }

  /** Stores the masks of one epoch on their own (epoch 0: the masks the run starts from). */
  saveMasks(runId: number, epoch: number, masks: readonly LayerMask[]): void {
    this.db.write('storing a training run\'s masks', () => {
      if (!this.db.stmt('SELECT 1 FROM training_runs WHERE id = ?').get(runId)) throw notFound('training run', runId);
      writeMasks(this.db, runId, epoch, masks);
    });
  }

  /** The run's stored masks, one entry per epoch that changed them, oldest first. */
  getMasks(runId: number): EpochMasks[] {
    return this.db.read('reading a training run\'s masks', () => readMasks(this.db, runId));
  }

  /** Replaces the run's checkpoint on its own (one transaction). */
  saveCheckpoint(runId: number, checkpoint: Checkpoint): void {
    nonNegInt(checkpoint.epoch, 'checkpoint epoch');
    const encoded = encodeTensors(checkpoint.tensors);
    this.db.write('saving a checkpoint', () => {
      if (!this.db.stmt('SELECT 1 FROM training_runs WHERE id = ?').get(runId)) throw notFound('training run', runId);
      this.writeCheckpoint(runId, checkpoint, encoded);
    });
  }

  private writeCheckpoint(runId: number, c: Checkpoint, encoded: [string, Buffer][]): void {
    replaceTensors(this.db, TABLE, runId, encoded);
    this.db.stmt('UPDATE training_runs SET checkpoint_epoch = ?, checkpoint_state = ? WHERE id = ?').run(c.epoch, toJson(c.state), runId);
  }

  getCheckpoint(runId: number): StoredCheckpoint | null {
    return this.db.read('reading a checkpoint', () => {
      const r = this.db.stmt('SELECT checkpoint_epoch, checkpoint_state FROM training_runs WHERE id = ?').get(runId) as
        | { checkpoint_epoch: number | null; checkpoint_state: string | null }
        | undefined;
      if (!r) throw notFound('training run', runId);
      if (r.checkpoint_epoch === null || r.checkpoint_state === null) return null;
      return {
        epoch: r.checkpoint_epoch,
        state: fromJson<JsonObject>(r.checkpoint_state, `training run ${runId} checkpoint`),
        tensors: readTensors(this.db, TABLE, runId),
      };
    });
  }

  getEpochs(runId: number): EpochMetrics[] {
    return this.db.guard('reading training epochs', () =>
      (this.db.stmt('SELECT * FROM training_epochs WHERE run_id = ? ORDER BY epoch').all(runId) as EpochRow[]).map((r) => ({
        epoch: r.epoch,
        loss: nanIfNull(r.loss),
        valMetrics: fromJson<JsonObject>(r.val_metrics, `epoch ${r.epoch} metrics`),
        density: nanIfNull(r.density),
        zeta: nanIfNull(r.zeta),
        pruned: r.pruned,
        regrown: r.regrown,
        seconds: nanIfNull(r.seconds),
      })),
    );
  }

  /** Drops epochs (and their masks) after `epoch` (what a resume from an older checkpoint will redo). */
  truncateEpochsAfter(runId: number, epoch: number): number {
    return this.db.write('dropping epochs after the checkpoint', () => {
      this.db.stmt('DELETE FROM training_masks WHERE run_id = ? AND epoch > ?').run(runId, epoch);
      return this.db.stmt('DELETE FROM training_epochs WHERE run_id = ? AND epoch > ?').run(runId, epoch).changes;
    });
  }

  finish(runId: number, status: Exclude<JobStatus, 'running'>, seconds?: number, error?: string): void {
    oneOf(status, ['done', 'cancelled', 'failed', 'interrupted'], 'final status');
    const now = nowIso();
    const n = this.db.write('finishing a training run', () =>
      this.db
        .stmt(
          `UPDATE training_runs SET status = ?, finished_at = ?, updated_at = ?, seconds = IFNULL(seconds, 0) + ?, error = ?,
           owner_pid = NULL, owner_host = NULL WHERE id = ?`,
        )
        .run(status, now, now, seconds ?? 0, error ?? null, runId).changes,
    );
    if (n === 0) throw notFound('training run', runId);
  }

  /** Takes over a run to resume it (see N1RunRepo.claimRun). */
  claim(runId: number): TrainingRunSummary {
    const owner = this.owner;
    return this.db.write('resuming a training run', () => {
      const r = this.db.stmt(`${SELECT} WHERE t.id = ?`).get(runId) as Row | undefined;
      if (!r) throw notFound('training run', runId);
      if (r.status === 'done') throw new StoreError('INVALID', `training run ${runId} is already done; nothing to resume`);
      if (r.status === 'running' && r.owner_pid !== owner.pid && !ownerGone(r.owner_pid, r.owner_host)) {
        throw new StoreError('LOCKED', `training run ${runId} is being trained by process ${r.owner_pid} on ${r.owner_host}; wait for it or stop that process`);
      }
      this.db
        .stmt(`UPDATE training_runs SET status = 'running', finished_at = NULL, error = NULL, updated_at = ?, owner_pid = ?, owner_host = ? WHERE id = ?`)
        .run(nowIso(), owner.pid, owner.host, runId);
      return toSummary(this.db.stmt(`${SELECT} WHERE t.id = ?`).get(runId) as Row);
    });
  }

  markStaleRunsInterrupted(): number[] {
    return this.db.write('marking interrupted training runs', () => {
      const rows = this.db.stmt(`SELECT id, owner_pid, owner_host FROM training_runs WHERE status = 'running'`).all() as { id: number; owner_pid: number | null; owner_host: string | null }[];
      const stale = rows.filter((r) => ownerGone(r.owner_pid, r.owner_host));
      const mark = this.db.stmt(`UPDATE training_runs SET status = 'interrupted', error = ?, owner_pid = NULL, owner_host = NULL WHERE id = ? AND status = 'running'`);
      for (const r of stale) mark.run(`process ${r.owner_pid ?? '?'} stopped while training (killed or crashed); resume from the last checkpoint`, r.id);
      return stale.map((r) => r.id);
    });
  }

  get(runId: number): TrainingRunSummary | undefined {
    const r = this.db.guard('reading a training run', () => this.db.stmt(`${SELECT} WHERE t.id = ?`).get(runId) as Row | undefined);
    return r && toSummary(r);
  }

  list(): TrainingRunSummary[] {
    return this.db.guard('listing training runs', () => (this.db.stmt(`${SELECT} ORDER BY t.id`).all() as Row[]).map(toSummary));
  }

  delete(runId: number): boolean {
    return this.db.write('deleting a training run', () => this.db.stmt('DELETE FROM training_runs WHERE id = ?').run(runId).changes === 1);
  }
}
