// The store: one SQLite file with typed repositories. Nothing outside
// main/store writes SQL. See db.ts for how a file is opened safely and for the
// concurrency policy (WAL + busy_timeout; runs are claimed by their process).

import { CaseRepo } from './cases';
import { ChangeSetRepo } from './change-sets';
import { DatasetRepo } from './datasets';
import { openDb } from './db';
import type { Db, OpenOptions } from './db';
import { LayoutRepo } from './layouts';
import { SCHEMA_VERSION } from './migrations';
import { ModelRepo } from './models';
import { N1RunRepo } from './n1-runs';
import { ModelResultRepo } from './results';
import { ReportRepo } from './reports';
import { ReproductionRepo } from './reproductions';
import { TrainingRepo } from './training';

export { StoreError } from './errors';
export type { StoreErrorCode } from './errors';
export { defaultDbPath } from './paths';
export { SCHEMA_VERSION } from './migrations';
export { encodeArray, decodeArray, decodeFloat32, dtypeOf } from './blob';
export type { StoredArray, DType, TensorSet } from './blob';
export type { OpenOptions } from './db';
export type { CaseImport, CaseDependents } from './cases';
export { sha256 } from './cases';
export type { ChangeSetImport } from './change-sets';
export * from './types';
export { CaseRepo, ChangeSetRepo, LayoutRepo, N1RunRepo, DatasetRepo, ModelRepo, TrainingRepo, ModelResultRepo, ReportRepo, ReproductionRepo };
export type { Reproduction, ReproductionStatus } from './reproductions';

export interface Store {
  /** Absolute path of the file (or ':memory:'). */
  readonly path: string;
  readonly readonly: boolean;
  /** Why the store is read-only although it was not asked to be (the file cannot be written), else null. */
  readonly readonlyReason: string | null;
  readonly schemaVersion: number;
  readonly cases: CaseRepo;
  readonly changeSets: ChangeSetRepo;
  readonly layouts: LayoutRepo;
  readonly n1: N1RunRepo;
  readonly datasets: DatasetRepo;
  readonly models: ModelRepo;
  readonly training: TrainingRepo;
  readonly results: ModelResultRepo;
  readonly reports: ReportRepo;
  readonly reproductions: ReproductionRepo;
  /** Runs several repository writes as one transaction (nested writes become savepoints). */
  transaction<T>(fn: () => T): T;
  /** Runs several reads against one consistent snapshot. */
  snapshot<T>(fn: () => T): T;
  /** Marks N-1 and training runs left 'running' by a dead process as 'interrupted'. */
  markStaleRunsInterrupted(): { n1: number[]; training: number[] };
  /** SQLite's PRAGMA integrity_check: ['ok'] for a sound file. */
  integrityCheck(): string[];
  /** Copies committed WAL pages into the main file and truncates the WAL. */
  checkpoint(): void;
  close(): void;
}

/**
 * Opens the GridRewire database at `path`, creating the folder and the file if
 * needed and migrating it to the current schema. Throws StoreError:
 * NOT_A_DATABASE, NEWER_SCHEMA, OLD_SCHEMA (read-only), CANNOT_CREATE, NOT_FOUND (read-only),
 * READ_ONLY (requireWrite, on a file that cannot be written). A file that cannot be written is
 * otherwise opened read-only (see readonlyReason). A refused file is never written to.
 */
export function openStore(path: string, opts: OpenOptions = {}): Store {
  const db = openDb(path, opts);
  return makeStore(db);
}

function makeStore(db: Db): Store {
  const n1 = new N1RunRepo(db);
  const training = new TrainingRepo(db);
  return {
    path: db.path,
    readonly: db.readonly,
    readonlyReason: db.readonlyReason,
    schemaVersion: SCHEMA_VERSION,
    cases: new CaseRepo(db),
    changeSets: new ChangeSetRepo(db),
    layouts: new LayoutRepo(db),
    n1,
    datasets: new DatasetRepo(db),
    models: new ModelRepo(db),
    training,
    results: new ModelResultRepo(db),
    reports: new ReportRepo(db),
    reproductions: new ReproductionRepo(db),
    transaction: (fn) => db.write('running a transaction', fn),
    snapshot: (fn) => db.read('reading a snapshot', fn),
    markStaleRunsInterrupted: () => db.write('marking interrupted runs', () => ({ n1: n1.markStaleRunsInterrupted(), training: training.markStaleRunsInterrupted() })),
    integrityCheck: () => db.guard('checking integrity', () => db.raw.pragma('integrity_check', { simple: false }) as { integrity_check: string }[]).map((r) => r.integrity_check),
    checkpoint: () => {
      db.guard('checkpointing the WAL', () => db.raw.pragma('wal_checkpoint(TRUNCATE)'));
    },
    close: () => db.close(),
  };
}
