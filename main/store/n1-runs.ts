// N-1 runs and their per-contingency records. The engine writes as it goes:
// createRun, then appendRecords per batch (one transaction each, idempotent),
// then finishRun. A run whose process died is found by markStale and resumed
// with claimRun + missingElements, which computes only what is missing.

import type { ContingencyKind, ContingencyRecord, JudgedBy, JudgedRecord, Verdict } from '../core/grid/contingency-types';
import { JUDGED_BY, VERDICTS } from '../core/grid/contingency-types';
import { cpus as cpus_, hostname } from 'node:os';
import type { Db } from './db';
import { nowIso } from './db';
import { StoreError } from './errors';
import { fromJson, toJson } from './json';
import { currentOwner, ownerGone } from './owner';
import type { JobStatus, N1Run, N1RunConfig, N1RunMode, N1RunSummary, RecordQuery, VerdictCounts } from './types';
import { bool, nonNegInt, notFound, oneOf, positiveInt, real } from './validate';

/** Count column of each verdict in n1_runs. */
const COUNT_COLUMN: Record<Verdict, string> = {
  islanded: 'n_islanded',
  diverged: 'n_diverged',
  'overload+voltage': 'n_overload_voltage',
  overload: 'n_overload',
  voltage: 'n_voltage',
  secure: 'n_secure',
};

interface RunRow {
  id: number;
  case_id: number;
  case_name: string;
  mode: N1RunMode;
  kind: ContingencyKind;
  config: string;
  status: JobStatus;
  total: number;
  done: number;
  n_islanded: number;
  n_diverged: number;
  n_overload_voltage: number;
  n_overload: number;
  n_voltage: number;
  n_secure: number;
  started_at: string;
  updated_at: string;
  finished_at: string | null;
  seconds: number | null;
  error: string | null;
  owner_pid: number | null;
  owner_host: string | null;
  machine: string | null;
}

/** This machine as a run records it, e.g. 'host1: Intel Xeon (2 cores), linux-x64, Node v20.19.0'. */
export function machineDescription(): string {
  const cpus = cpus_();
  const model = cpus[0]?.model?.replace(/\s+/g, ' ').trim() || 'unknown CPU';
  return `${hostname()}: ${model} (${cpus.length} cores), ${process.platform}-${process.arch}, Node ${process.version}`;
}

const RUN_SELECT = `SELECT r.*, c.name AS case_name FROM n1_runs r JOIN cases c ON c.id = r.case_id`;

function toSummary(r: RunRow): N1RunSummary {
  const counts = {} as VerdictCounts;
  for (const v of VERDICTS) counts[v] = (r as unknown as Record<string, number>)[COUNT_COLUMN[v]];
  return {
    id: r.id,
    caseId: r.case_id,
    caseName: r.case_name,
    mode: r.mode,
    kind: r.kind,
    status: r.status,
    total: r.total,
    done: r.done,
    counts,
    startedAt: r.started_at,
    updatedAt: r.updated_at,
    finishedAt: r.finished_at,
    seconds: r.seconds,
    error: r.error,
    ownerPid: r.owner_pid,
    machine: r.machine ?? null,
    stale: r.status === 'running' && ownerGone(r.owner_pid, r.owner_host),
  };
}

/** Columns read back, in the order rowToRecord expects (raw rows: no per-row key objects). */
const RECORD_COLUMNS = `kind, element, from_bus, to_bus, verdict, converged, iterations, islanded, cut_buses, lost_load_mw,
  lost_gen_mw, max_loading, n_overloads, worst_branch, min_vm, max_vm, n_voltage_violations, mismatch, severity, judged_by, probability`;

type RecordRow = [
  ContingencyKind, number, number, number, Verdict, number, number, number, number, number | null,
  number | null, number | null, number, number | null, number | null, number | null, number, number | null, number | null,
  JudgedBy, number | null,
];

function rowToRecord(r: RecordRow): JudgedRecord {
  // branch/gen first, as the engine writes it (JSON exports keep this order).
  const rec = (r[0] === 'branch' ? { branch: r[1] } : { gen: r[1] }) as JudgedRecord;
  rec.from = r[2];
  rec.to = r[3];
  rec.verdict = r[4];
  rec.converged = r[5] === 1;
  rec.iterations = r[6];
  rec.islanded = r[7] === 1;
  rec.cutBuses = r[8];
  rec.lostLoadMW = real(r[9]);
  rec.lostGenMW = real(r[10]);
  rec.maxLoading = real(r[11]);
  rec.nOverloads = r[12];
  rec.worstBranch = r[13];
  rec.minVm = real(r[14]);
  rec.maxVm = real(r[15]);
  rec.nVoltageViolations = r[16];
  rec.mismatch = real(r[17]);
  rec.severity = real(r[18]);
  rec.judgedBy = r[19];
  rec.probability = r[20];
  return rec;
}

const INSERT_RECORD = `INSERT INTO n1_records (run_id, kind, element, from_bus, to_bus, verdict, converged, iterations, islanded,
  cut_buses, lost_load_mw, lost_gen_mw, max_loading, n_overloads, worst_branch, min_vm, max_vm, n_voltage_violations, mismatch, severity,
  judged_by, probability)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`;

const UPDATE_PROGRESS = `UPDATE n1_runs SET done = done + ?, updated_at = ?,
  ${VERDICTS.map((v) => `${COUNT_COLUMN[v]} = ${COUNT_COLUMN[v]} + ?`).join(', ')} WHERE id = ?`;

const FINAL_STATUSES: readonly JobStatus[] = ['done', 'cancelled', 'failed', 'interrupted'];

interface RunShape {
  kind: ContingencyKind;
  elements: ReadonlySet<number>;
}

export class N1RunRepo {
  /** Kind and element set per run; a run's config never changes after createRun. */
  private readonly shapes = new Map<number, RunShape>();
  private readonly owner = currentOwner();

  constructor(private readonly db: Db) {}

  /** Starts a run owned by this process, status 'running'. `total` must equal config.elements.length. */
  createRun(config: N1RunConfig, total: number): number {
    positiveInt(config.caseId, 'caseId');
    oneOf(config.mode, ['ac', 'dc', 'screen'], 'mode');
    if ((config.mode === 'screen') !== (config.screen !== undefined)) throw new StoreError('INVALID', "config.screen is given exactly when the mode is 'screen'");
    oneOf(config.kind, ['branch', 'gen'], 'kind');
    if (!Array.isArray(config.elements)) throw new StoreError('INVALID', 'config.elements must be an array of 1-based rows');
    const seen = new Set<number>();
    for (const e of config.elements) {
      positiveInt(e, `${config.kind} row`);
      if (seen.has(e)) throw new StoreError('INVALID', `${config.kind} row ${e} is listed twice in the run's elements`);
      seen.add(e);
    }
    nonNegInt(total, 'total');
    if (total !== config.elements.length) throw new StoreError('INVALID', `total (${total}) must equal the number of elements (${config.elements.length})`);
    if (config.options === null || typeof config.options !== 'object' || Array.isArray(config.options)) {
      throw new StoreError('INVALID', 'config.options must be a JSON object');
    }
    const owner = this.owner;
    const now = nowIso();
    return this.db.write('creating an N-1 run', () => {
      if (!this.db.stmt('SELECT 1 FROM cases WHERE id = ?').get(config.caseId)) throw notFound('case', config.caseId);
      const info = this.db
        .stmt(
          `INSERT INTO n1_runs (case_id, mode, kind, config, status, total, started_at, updated_at, owner_pid, owner_host, machine)
           VALUES (?, ?, ?, ?, 'running', ?, ?, ?, ?, ?, ?)`,
        )
        .run(config.caseId, config.mode, config.kind, toJson(config), total, now, now, owner.pid, owner.host, machineDescription());
      return Number(info.lastInsertRowid);
    });
  }

  private shape(runId: number): RunShape {
    let s = this.shapes.get(runId);
    if (s === undefined) {
      const r = this.db.stmt('SELECT kind, config FROM n1_runs WHERE id = ?').get(runId) as { kind: ContingencyKind; config: string } | undefined;
      if (!r) throw notFound('N-1 run', runId);
      s = { kind: r.kind, elements: new Set(fromJson<N1RunConfig>(r.config, `run ${runId} config`).elements) };
      this.shapes.set(runId, s);
    }
    return s;
  }

  /** Stores one batch of records in one transaction. Records already stored for the
   *  same element are ignored (a resumed run can replay a batch). Returns how many
   *  were new. The run must be 'running' (claimRun it first when resuming).
   *  A record without judgedBy was judged exactly; without probability it has none. */
  appendRecords(runId: number, records: readonly (ContingencyRecord & Partial<Pick<JudgedRecord, 'judgedBy' | 'probability'>>)[]): number {
    if (records.length === 0) return 0;
    return this.db.write('storing N-1 records', () => {
      const run = this.db.stmt('SELECT status, owner_pid, owner_host FROM n1_runs WHERE id = ?').get(runId) as
        | { status: JobStatus; owner_pid: number | null; owner_host: string | null }
        | undefined;
      if (!run) throw notFound('N-1 run', runId);
      if (run.status !== 'running') {
        throw new StoreError('INVALID', `N-1 run ${runId} is ${run.status}; resume it (claimRun) before storing more records`);
      }
      // Only the owning process (any of its worker threads) writes a run's records.
      if (run.owner_pid !== this.owner.pid || run.owner_host !== this.owner.host) {
        throw new StoreError('LOCKED', `N-1 run ${runId} is owned by process ${run.owner_pid} on ${run.owner_host}; claimRun it to take over`);
      }
      const { kind, elements } = this.shape(runId);
      const insert = this.db.stmt(INSERT_RECORD);
      const added = new Map<Verdict, number>();
      let inserted = 0;
      for (const rec of records) {
        const element = kind === 'branch' ? rec.branch : rec.gen;
        if (element === undefined || !elements.has(element)) {
          throw new StoreError('INVALID', `record for ${kind} row ${String(element)} is not one of N-1 run ${runId}'s contingencies`);
        }
        const judgedBy = rec.judgedBy ?? 'exact', probability = rec.probability ?? null;
        oneOf(judgedBy, JUDGED_BY, 'judgedBy');
        if (probability !== null && !(probability >= 0 && probability <= 1)) throw new StoreError('INVALID', `probability must be from 0 to 1 or null, got ${probability}`);
        const info = insert.run(
          runId, kind, element, rec.from, rec.to, rec.verdict, bool(rec.converged), rec.iterations, bool(rec.islanded),
          rec.cutBuses, rec.lostLoadMW, rec.lostGenMW, rec.maxLoading, rec.nOverloads, rec.worstBranch,
          rec.minVm, rec.maxVm, rec.nVoltageViolations, rec.mismatch, rec.severity, judgedBy, probability,
        );
        if (info.changes === 1) {
          inserted++;
          added.set(rec.verdict, (added.get(rec.verdict) ?? 0) + 1);
        }
      }
      this.db
        .stmt(UPDATE_PROGRESS)
        .run(inserted, nowIso(), ...VERDICTS.map((v) => added.get(v) ?? 0), runId);
      return inserted;
    });
  }

  /** The given elements (default: the run's whole list) that have no record yet, in order. */
  missingElements(runId: number, elements?: readonly number[]): number[] {
    return this.db.read('finding missing contingencies', () => {
      const run = this.getRun(runId);
      if (!run) throw notFound('N-1 run', runId);
      const have = new Set(
        this.db.stmt('SELECT element FROM n1_records WHERE run_id = ? AND kind = ?').pluck().all(runId, run.kind) as number[],
      );
      return (elements ?? run.config.elements).filter((e) => !have.has(e));
    });
  }

  /** Ends this session of a run. `seconds` is added to the run's compute time (a resumed
   *  run sums its sessions). 'done' requires one record per element. */
  finishRun(runId: number, status: Exclude<JobStatus, 'running'>, seconds?: number, error?: string): void {
    oneOf(status, FINAL_STATUSES, 'final status');
    if (seconds !== undefined && !(Number.isFinite(seconds) && seconds >= 0)) throw new StoreError('INVALID', `seconds must be a finite number >= 0, got ${seconds}`);
    this.db.write('finishing an N-1 run', () => {
      const r = this.db.stmt('SELECT done, total FROM n1_runs WHERE id = ?').get(runId) as { done: number; total: number } | undefined;
      if (!r) throw notFound('N-1 run', runId);
      if (status === 'done' && r.done !== r.total) {
        throw new StoreError('INVALID', `N-1 run ${runId} has ${r.done} of ${r.total} records; it cannot be marked done`);
      }
      const now = nowIso();
      this.db
        .stmt(
          `UPDATE n1_runs SET status = ?, finished_at = ?, updated_at = ?, seconds = IFNULL(seconds, 0) + ?, error = ?,
           owner_pid = NULL, owner_host = NULL WHERE id = ?`,
        )
        .run(status, now, now, seconds ?? 0, error ?? null, runId);
    });
  }

  /** Takes over a run to resume it: sets it 'running' and owned by this process.
   *  Refuses (LOCKED) while another live process is running it, and refuses a done run. */
  claimRun(runId: number): N1Run {
    const owner = this.owner;
    return this.db.write('resuming an N-1 run', () => {
      const run = this.getRun(runId);
      if (!run) throw notFound('N-1 run', runId);
      if (run.status === 'done') throw new StoreError('INVALID', `N-1 run ${runId} is already done; nothing to resume`);
      const row = this.db.stmt('SELECT owner_pid, owner_host FROM n1_runs WHERE id = ?').get(runId) as { owner_pid: number | null; owner_host: string | null };
      if (run.status === 'running' && row.owner_pid !== owner.pid && !ownerGone(row.owner_pid, row.owner_host)) {
        throw new StoreError('LOCKED', `N-1 run ${runId} is being computed by process ${row.owner_pid} on ${row.owner_host}; wait for it or stop that process`);
      }
      this.db
        .stmt(`UPDATE n1_runs SET status = 'running', finished_at = NULL, error = NULL, updated_at = ?, owner_pid = ?, owner_host = ?, machine = ? WHERE id = ?`)
        .run(nowIso(), owner.pid, owner.host, machineDescription(), runId);
      return this.getRun(runId)!;
    });
  }

  /** Marks 'running' runs whose process is gone as 'interrupted'. Returns their ids. */
  markStaleRunsInterrupted(): number[] {
    return this.db.write('marking interrupted N-1 runs', () => {
      const rows = this.db.stmt(`SELECT id, owner_pid, owner_host FROM n1_runs WHERE status = 'running'`).all() as { id: number; owner_pid: number | null; owner_host: string | null }[];
      const stale = rows.filter((r) => ownerGone(r.owner_pid, r.owner_host));
      const mark = this.db.stmt(
        `UPDATE n1_runs SET status = 'interrupted', error = ?, owner_pid = NULL, owner_host = NULL WHERE id = ? AND status = 'running'`,
      );
      for (const r of stale) mark.run(`process ${r.owner_pid ?? '?'} stopped while computing (killed or crashed); resume to finish`, r.id);
      return stale.map((r) => r.id);
    });
  }

  getRun(runId: number): N1Run | undefined {
    const r = this.db.guard('reading an N-1 run', () => this.db.stmt(`${RUN_SELECT} WHERE r.id = ?`).get(runId) as RunRow | undefined);
    return r && { ...toSummary(r), config: fromJson<N1RunConfig>(r.config, `run ${runId} config`) };
  }

  /** Runs in id order with their status, progress and counts per verdict. */
  listRuns(filter: { caseId?: number; status?: JobStatus } = {}): N1RunSummary[] {
    return this.db.guard('listing N-1 runs', () =>
      (
        this.db
          .stmt(`${RUN_SELECT} WHERE (@caseId IS NULL OR r.case_id = @caseId) AND (@status IS NULL OR r.status = @status) ORDER BY r.id`)
          .all({ caseId: filter.caseId ?? null, status: filter.status ?? null }) as RunRow[]
      ).map(toSummary),
    );
  }

  getRecords(runId: number, q: RecordQuery = {}): JudgedRecord[] {
    // 'kind, element' follows the primary key, so no sort is needed.
    const order = q.orderBy === 'severity' ? 'severity DESC, kind, element' : 'kind, element';
    const verdicts = q.verdicts ?? null;
    if (verdicts) for (const v of verdicts) oneOf(v, VERDICTS, 'verdict');
    const limit = q.limit === undefined ? -1 : nonNegInt(q.limit, 'limit');
    const offset = q.offset === undefined ? 0 : nonNegInt(q.offset, 'offset');
    return this.db.guard('reading N-1 records', () => {
      const rows = this.db
        .stmt(
          `SELECT ${RECORD_COLUMNS} FROM n1_records WHERE run_id = @runId AND (@verdicts IS NULL OR verdict IN (SELECT value FROM json_each(@verdicts)))
           ORDER BY ${order} LIMIT @limit OFFSET @offset`,
        )
        .raw()
        .all({ runId, verdicts: verdicts && JSON.stringify(verdicts), limit, offset }) as RecordRow[];
      return rows.map(rowToRecord);
    });
  }

  /** Number of stored records of a run, optionally only those with the given verdicts. */
  countRecords(runId: number, verdicts?: readonly Verdict[]): number {
    if (verdicts) for (const v of verdicts) oneOf(v, VERDICTS, 'verdict');
    return this.db.guard('counting N-1 records', () =>
      this.db
        .stmt(`SELECT count(*) FROM n1_records WHERE run_id = @runId AND (@verdicts IS NULL OR verdict IN (SELECT value FROM json_each(@verdicts)))`)
        .pluck()
        .get({ runId, verdicts: verdicts ? JSON.stringify(verdicts) : null }) as number,
    );
  }

  deleteRun(runId: number): boolean {
    this.shapes.delete(runId);
    return this.db.write('deleting an N-1 run', () => this.db.stmt('DELETE FROM n1_runs WHERE id = ?').run(runId).changes === 1);
  }
}
