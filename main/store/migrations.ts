// The schema, as an ordered list of migrations. `PRAGMA user_version` holds the
// number of migrations applied; each runs in its own IMMEDIATE transaction so
// a crash leaves the file at the old version or the new one, never between.
// Append new migrations; never edit one that has shipped.

/** 'GrRw': marks a file as ours, so another app's SQLite file is refused. */
export const APPLICATION_ID = 0x47725277;

export interface Migration {
  version: number;
  description: string;
  sql: string;
}

const V1 = /* sql */ `
CREATE TABLE cases (
  id           INTEGER PRIMARY KEY AUTOINCREMENT, -- never reused: ids are shown to users
  hash         TEXT    NOT NULL UNIQUE,            -- sha256 hex of the original text (utf8)
  name         TEXT    NOT NULL,
  source_file  TEXT,
  text_gz      BLOB    NOT NULL,                   -- the original file, gzipped
  parsed_gz    BLOB    NOT NULL,                   -- the parsed Case, compact and exact (case-codec.ts)
  nbus         INTEGER NOT NULL,
  nbranch      INTEGER NOT NULL,
  ngen         INTEGER NOT NULL,
  imported_at  TEXT    NOT NULL
);

CREATE TABLE change_sets (
  id           INTEGER PRIMARY KEY AUTOINCREMENT,
  hash         TEXT    NOT NULL,
  kind         TEXT    NOT NULL CHECK (kind IN ('scenarios', 'contingencies')),
  name         TEXT    NOT NULL,
  case_id      INTEGER REFERENCES cases(id) ON DELETE CASCADE, -- a linked table belongs to its case
  source_file  TEXT,
  text_gz      BLOB    NOT NULL,
  parsed_gz    BLOB,
  imported_at  TEXT    NOT NULL
);
-- The same content for the same case (or for no case) is stored once.
CREATE UNIQUE INDEX change_sets_content ON change_sets (hash, kind, IFNULL(case_id, 0));

CREATE TABLE layouts (
  case_id  INTEGER NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
  bus      INTEGER NOT NULL,                       -- external bus number
  x        REAL    NOT NULL,
  y        REAL    NOT NULL,
  PRIMARY KEY (case_id, bus)
) WITHOUT ROWID;

CREATE TABLE n1_runs (
  id           INTEGER PRIMARY KEY AUTOINCREMENT,
  case_id      INTEGER NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
  mode         TEXT    NOT NULL CHECK (mode IN ('ac', 'dc')),
  kind         TEXT    NOT NULL CHECK (kind IN ('branch', 'gen')),
  config       TEXT    NOT NULL,                   -- N1RunConfig as JSON
  status       TEXT    NOT NULL CHECK (status IN ('running', 'interrupted', 'cancelled', 'failed', 'done')),
  total        INTEGER NOT NULL,
  done         INTEGER NOT NULL DEFAULT 0,
  -- verdict counts, kept by appendRecords in the same transaction as the rows
  n_islanded   INTEGER NOT NULL DEFAULT 0,
  n_diverged   INTEGER NOT NULL DEFAULT 0,
  n_overload_voltage INTEGER NOT NULL DEFAULT 0,
  n_overload   INTEGER NOT NULL DEFAULT 0,
  n_voltage    INTEGER NOT NULL DEFAULT 0,
  n_secure     INTEGER NOT NULL DEFAULT 0,
  started_at   TEXT    NOT NULL,
  updated_at   TEXT    NOT NULL,                   -- last progress (heartbeat)
  finished_at  TEXT,
  seconds      REAL,                               -- compute time summed over sessions
  error        TEXT,
  owner_pid    INTEGER,                            -- process running it (while 'running')
  owner_host   TEXT
);
CREATE INDEX n1_runs_case ON n1_runs (case_id);

-- One row per (run, kind, element): a resumed run can never duplicate.
-- REAL columns are nullable because SQLite stores NaN as NULL (read back as NaN).
CREATE TABLE n1_records (
  run_id       INTEGER NOT NULL REFERENCES n1_runs(id) ON DELETE CASCADE,
  kind         TEXT    NOT NULL CHECK (kind IN ('branch', 'gen')),
  element      INTEGER NOT NULL,                   -- 1-based branch or gen row
  from_bus     INTEGER NOT NULL,
  to_bus       INTEGER NOT NULL,
  verdict      TEXT    NOT NULL CHECK (verdict IN ('islanded', 'diverged', 'overload+voltage', 'overload', 'voltage', 'secure')),
  converged    INTEGER NOT NULL,
  iterations   INTEGER NOT NULL,
  islanded     INTEGER NOT NULL,
  cut_buses    INTEGER NOT NULL,
  lost_load_mw REAL,
  lost_gen_mw  REAL,
  max_loading  REAL,
  n_overloads  INTEGER NOT NULL,
  worst_branch INTEGER,
  min_vm       REAL,
  max_vm       REAL,
  n_voltage_violations INTEGER NOT NULL,
  mismatch     REAL,
  severity     REAL,
  PRIMARY KEY (run_id, kind, element)
) WITHOUT ROWID;

CREATE TABLE datasets (
  id           INTEGER PRIMARY KEY AUTOINCREMENT,
  case_id      INTEGER NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
  name         TEXT    NOT NULL,
  config       TEXT    NOT NULL,
  seed         INTEGER NOT NULL,
  n_train      INTEGER NOT NULL,
  n_val        INTEGER NOT NULL,
  n_test       INTEGER NOT NULL,
  status       TEXT    NOT NULL CHECK (status IN ('building', 'done')),
  created_at   TEXT    NOT NULL
);

CREATE TABLE dataset_samples (
  id           INTEGER PRIMARY KEY,
  dataset_id   INTEGER NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
  scenario     INTEGER NOT NULL,
  branch       INTEGER NOT NULL,                   -- 1-based outaged branch row
  split        TEXT    NOT NULL CHECK (split IN ('train', 'val', 'test')),
  features     BLOB    NOT NULL,                   -- typed-array blob (f32)
  labels       BLOB    NOT NULL,                   -- typed-array blob (f32)
  UNIQUE (dataset_id, scenario, branch)
);
CREATE INDEX dataset_samples_split ON dataset_samples (dataset_id, split, id);

CREATE TABLE training_runs (
  id           INTEGER PRIMARY KEY AUTOINCREMENT,
  dataset_id   INTEGER REFERENCES datasets(id) ON DELETE SET NULL,
  config       TEXT    NOT NULL,
  status       TEXT    NOT NULL CHECK (status IN ('running', 'interrupted', 'cancelled', 'failed', 'done')),
  epochs       INTEGER NOT NULL,                   -- planned
  started_at   TEXT    NOT NULL,
  updated_at   TEXT    NOT NULL,
  finished_at  TEXT,
  seconds      REAL,
  error        TEXT,
  owner_pid    INTEGER,
  owner_host   TEXT,
  checkpoint_epoch INTEGER,                        -- epoch of the checkpoint below, NULL if none
  checkpoint_state TEXT                            -- JSON: optimizer step, RNG state, best so far ...
);

CREATE TABLE training_epochs (
  run_id       INTEGER NOT NULL REFERENCES training_runs(id) ON DELETE CASCADE,
  epoch        INTEGER NOT NULL,
  loss         REAL,
  val_metrics  TEXT    NOT NULL,                   -- JSON
  density      REAL,
  zeta         REAL,
  pruned       INTEGER NOT NULL,
  regrown      INTEGER NOT NULL,
  seconds      REAL,
  PRIMARY KEY (run_id, epoch)
) WITHOUT ROWID;

-- The latest checkpoint of a training run, replaced as a whole in one transaction.
CREATE TABLE training_checkpoints (
  run_id       INTEGER NOT NULL REFERENCES training_runs(id) ON DELETE CASCADE,
  name         TEXT    NOT NULL,
  data         BLOB    NOT NULL,
  PRIMARY KEY (run_id, name)
);

CREATE TABLE models (
  id           INTEGER PRIMARY KEY AUTOINCREMENT,
  name         TEXT    NOT NULL,
  dataset_id   INTEGER REFERENCES datasets(id) ON DELETE SET NULL,
  training_run_id INTEGER REFERENCES training_runs(id) ON DELETE SET NULL,
  config       TEXT    NOT NULL,
  metrics      TEXT,
  created_at   TEXT    NOT NULL,
  updated_at   TEXT    NOT NULL
);

CREATE TABLE model_tensors (
  model_id     INTEGER NOT NULL REFERENCES models(id) ON DELETE CASCADE,
  name         TEXT    NOT NULL,                   -- e.g. 'layer0.weight', 'layer0.mask'
  data         BLOB    NOT NULL,
  PRIMARY KEY (model_id, name)
);

-- Explanations, robustness and compression results: JSON documents per model.
CREATE TABLE model_results (
  id           INTEGER PRIMARY KEY AUTOINCREMENT,
  model_id     INTEGER NOT NULL REFERENCES models(id) ON DELETE CASCADE,
  kind         TEXT    NOT NULL CHECK (kind IN ('explanation', 'robustness', 'compression')),
  key          TEXT    NOT NULL,
  doc          TEXT    NOT NULL,
  created_at   TEXT    NOT NULL,
  UNIQUE (model_id, kind, key)
);

CREATE TABLE reports (
  id           INTEGER PRIMARY KEY AUTOINCREMENT,
  kind         TEXT    NOT NULL CHECK (kind IN ('html', 'pdf', 'csv', 'json')),
  file_name    TEXT    NOT NULL,
  bytes        BLOB,
  path         TEXT,
  size         INTEGER NOT NULL,
  source       TEXT,                               -- JSON: what it reports on ({runId}, {modelId} ...)
  created_at   TEXT    NOT NULL,
  CHECK (bytes IS NOT NULL OR path IS NOT NULL)
);
`;

// Fidelity studies of explanations join the model results. SQLite cannot
// change a CHECK constraint in place: the table is rebuilt with its rows
// (nothing references model_results, so the copy keeps every id).
const V2 = /* sql */ `
CREATE TABLE model_results_v2 (
  id           INTEGER PRIMARY KEY AUTOINCREMENT,
  model_id     INTEGER NOT NULL REFERENCES models(id) ON DELETE CASCADE,
  kind         TEXT    NOT NULL CHECK (kind IN ('explanation', 'fidelity', 'robustness', 'compression')),
  key          TEXT    NOT NULL,
  doc          TEXT    NOT NULL,
  created_at   TEXT    NOT NULL,
  UNIQUE (model_id, kind, key)
);
INSERT INTO model_results_v2 (id, model_id, kind, key, doc, created_at) SELECT id, model_id, kind, key, doc, created_at FROM model_results;
DROP TABLE model_results;
ALTER TABLE model_results_v2 RENAME TO model_results;
`;

// Verified screening (n1 --mode screen): a run of mode 'screen' keeps the
// surrogate's verdict for the outages it does not send to the AC engine, and
// each record says how it was judged and carries the surrogate's probability.
// n1_runs' CHECK cannot change in place, and dropping the old n1_runs with
// foreign keys on would cascade into n1_records, so both tables are rebuilt:
// the new records table references the new runs table, whose rename to
// n1_runs carries the reference with it. Every id and record is kept.
const V3 = /* sql */ `
CREATE TABLE n1_runs_v3 (
  id           INTEGER PRIMARY KEY AUTOINCREMENT,
  case_id      INTEGER NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
  mode         TEXT    NOT NULL CHECK (mode IN ('ac', 'dc', 'screen')),
  kind         TEXT    NOT NULL CHECK (kind IN ('branch', 'gen')),
  config       TEXT    NOT NULL,
  status       TEXT    NOT NULL CHECK (status IN ('running', 'interrupted', 'cancelled', 'failed', 'done')),
  total        INTEGER NOT NULL,
  done         INTEGER NOT NULL DEFAULT 0,
  n_islanded   INTEGER NOT NULL DEFAULT 0,
  n_diverged   INTEGER NOT NULL DEFAULT 0,
  n_overload_voltage INTEGER NOT NULL DEFAULT 0,
  n_overload   INTEGER NOT NULL DEFAULT 0,
  n_voltage    INTEGER NOT NULL DEFAULT 0,
  n_secure     INTEGER NOT NULL DEFAULT 0,
  started_at   TEXT    NOT NULL,
  updated_at   TEXT    NOT NULL,
  finished_at  TEXT,
  seconds      REAL,
  error        TEXT,
  owner_pid    INTEGER,
  owner_host   TEXT
);
INSERT INTO n1_runs_v3 SELECT id, case_id, mode, kind, config, status, total, done, n_islanded, n_diverged, n_overload_voltage,
  n_overload, n_voltage, n_secure, started_at, updated_at, finished_at, seconds, error, owner_pid, owner_host FROM n1_runs;
-- AUTOINCREMENT's counter, so that a deleted run's id is never reused.
DELETE FROM sqlite_sequence WHERE name = 'n1_runs_v3';
INSERT INTO sqlite_sequence (name, seq) SELECT 'n1_runs_v3', seq FROM sqlite_sequence WHERE name = 'n1_runs';

CREATE TABLE n1_records_v3 (
  run_id       INTEGER NOT NULL REFERENCES n1_runs_v3(id) ON DELETE CASCADE,
  kind         TEXT    NOT NULL CHECK (kind IN ('branch', 'gen')),
  element      INTEGER NOT NULL,
  from_bus     INTEGER NOT NULL,
  to_bus       INTEGER NOT NULL,
  verdict      TEXT    NOT NULL CHECK (verdict IN ('islanded', 'diverged', 'overload+voltage', 'overload', 'voltage', 'secure')),
  converged    INTEGER NOT NULL,
  iterations   INTEGER NOT NULL,
  islanded     INTEGER NOT NULL,
  cut_buses    INTEGER NOT NULL,
  lost_load_mw REAL,
  lost_gen_mw  REAL,
  max_loading  REAL,
  n_overloads  INTEGER NOT NULL,
  worst_branch INTEGER,
  min_vm       REAL,
  max_vm       REAL,
  n_voltage_violations INTEGER NOT NULL,
  mismatch     REAL,
  severity     REAL,
  judged_by    TEXT    NOT NULL DEFAULT 'exact' CHECK (judged_by IN ('exact', 'surrogate')),
  probability  REAL,                               -- the surrogate's P(insecure) in a screen; NULL otherwise
  PRIMARY KEY (run_id, kind, element)
) WITHOUT ROWID;
INSERT INTO n1_records_v3 (run_id, kind, element, from_bus, to_bus, verdict, converged, iterations, islanded, cut_buses, lost_load_mw,
  lost_gen_mw, max_loading, n_overloads, worst_branch, min_vm, max_vm, n_voltage_violations, mismatch, severity)
  SELECT run_id, kind, element, from_bus, to_bus, verdict, converged, iterations, islanded, cut_buses, lost_load_mw,
  lost_gen_mw, max_loading, n_overloads, worst_branch, min_vm, max_vm, n_voltage_violations, mismatch, severity FROM n1_records;
DROP TABLE n1_records;
DROP TABLE n1_runs;
ALTER TABLE n1_runs_v3 RENAME TO n1_runs;
ALTER TABLE n1_records_v3 RENAME TO n1_records;
CREATE INDEX n1_runs_case ON n1_runs (case_id);
`;

// Graphon studies (the shape of a model's sparse masks) join the model
// results: the CHECK is widened by rebuilding the table as V2 does.
const V4 = /* sql */ `
CREATE TABLE model_results_v4 (
  id           INTEGER PRIMARY KEY AUTOINCREMENT,
  model_id     INTEGER NOT NULL REFERENCES models(id) ON DELETE CASCADE,
  kind         TEXT    NOT NULL CHECK (kind IN ('explanation', 'fidelity', 'robustness', 'compression', 'graphon')),
  key          TEXT    NOT NULL,
  doc          TEXT    NOT NULL,
  created_at   TEXT    NOT NULL,
  UNIQUE (model_id, kind, key)
);
INSERT INTO model_results_v4 (id, model_id, kind, key, doc, created_at) SELECT id, model_id, kind, key, doc, created_at FROM model_results;
DROP TABLE model_results;
ALTER TABLE model_results_v4 RENAME TO model_results;
`;

// Reports: XLSX joins the kinds, and a report names the N-1 run it reports on
// (null once that run is deleted; the report itself stays). The table is
// rebuilt for its CHECK as V2 does; nothing references reports. N-1 runs
// record the machine that computed them (host, CPU, cores, platform), which
// reports print.
const V5 = /* sql */ `
CREATE TABLE reports_v5 (
  id           INTEGER PRIMARY KEY AUTOINCREMENT,
  kind         TEXT    NOT NULL CHECK (kind IN ('html', 'pdf', 'csv', 'xlsx', 'json')),
  file_name    TEXT    NOT NULL,
  bytes        BLOB,
  path         TEXT,
  size         INTEGER NOT NULL,
  source       TEXT,
  run_id       INTEGER REFERENCES n1_runs(id) ON DELETE SET NULL,
  created_at   TEXT    NOT NULL,
  CHECK (bytes IS NOT NULL OR path IS NOT NULL)
);
INSERT INTO reports_v5 (id, kind, file_name, bytes, path, size, source, run_id, created_at)
  SELECT id, kind, file_name, bytes, path, size, source,
         (SELECT r.id FROM n1_runs r WHERE json_valid(reports.source) AND r.id = json_extract(reports.source, '$.runId')), created_at
  FROM reports;
DROP TABLE reports;
ALTER TABLE reports_v5 RENAME TO reports;
CREATE INDEX reports_run ON reports (run_id);
ALTER TABLE n1_runs ADD COLUMN machine TEXT;
`;

// The masks of a training run's sparse layers at its start (epoch 0) and after
// every epoch in which rewiring changed them, so the graphon of each rewiring
// epoch can be shown after training (the checkpoint keeps only the latest).
// Positions o * nIn + i, sorted, as little-endian Int32 (a case_ACTIVSg200
// model: about 11 kB per epoch).
const V6 = /* sql */ `
CREATE TABLE training_masks (
  run_id     INTEGER NOT NULL REFERENCES training_runs(id) ON DELETE CASCADE,
  epoch      INTEGER NOT NULL CHECK (epoch >= 0),
  layer      TEXT    NOT NULL,
  ord        INTEGER NOT NULL,                   -- the layer's place among the run's sparse layers
  n_in       INTEGER NOT NULL CHECK (n_in > 0),
  n_out      INTEGER NOT NULL CHECK (n_out > 0),
  positions  BLOB    NOT NULL,
  PRIMARY KEY (run_id, epoch, layer)
) WITHOUT ROWID;
`;

// A verified screen decides islanded outages by topology without solving
// their main island: records judged by 'topology' (the exact verdict, cut-off
// buses and losses; no flows, NULL max loading and voltages). The CHECK on
// judged_by cannot change in place, so n1_records is rebuilt as V3 rebuilt
// it; nothing references n1_records, and its own reference to n1_runs is
// declared again. Every record is kept.
const V7 = /* sql */ `
CREATE TABLE n1_records_v7 (
  run_id       INTEGER NOT NULL REFERENCES n1_runs(id) ON DELETE CASCADE,
  kind         TEXT    NOT NULL CHECK (kind IN ('branch', 'gen')),
  element      INTEGER NOT NULL,
  from_bus     INTEGER NOT NULL,
  to_bus       INTEGER NOT NULL,
  verdict      TEXT    NOT NULL CHECK (verdict IN ('islanded', 'diverged', 'overload+voltage', 'overload', 'voltage', 'secure')),
  converged    INTEGER NOT NULL,
  iterations   INTEGER NOT NULL,
  islanded     INTEGER NOT NULL,
  cut_buses    INTEGER NOT NULL,
  lost_load_mw REAL,
  lost_gen_mw  REAL,
  max_loading  REAL,
  n_overloads  INTEGER NOT NULL,
  worst_branch INTEGER,
  min_vm       REAL,
  max_vm       REAL,
  n_voltage_violations INTEGER NOT NULL,
  mismatch     REAL,
  severity     REAL,
  judged_by    TEXT    NOT NULL DEFAULT 'exact' CHECK (judged_by IN ('exact', 'surrogate', 'topology')),
  probability  REAL,                               -- the surrogate's P(insecure) in a screen; NULL otherwise
  PRIMARY KEY (run_id, kind, element)
) WITHOUT ROWID;
INSERT INTO n1_records_v7 SELECT run_id, kind, element, from_bus, to_bus, verdict, converged, iterations, islanded, cut_buses, lost_load_mw,
  lost_gen_mw, max_loading, n_overloads, worst_branch, min_vm, max_vm, n_voltage_violations, mismatch, severity, judged_by, probability FROM n1_records;
DROP TABLE n1_records;
ALTER TABLE n1_records_v7 RENAME TO n1_records;
`;

// Reproductions of the papers' benchmarks (issue 16): a study (dataset,
// config, result) and its finished runs keyed by the run's full name
// (dataset, method, sparsity, seed or fold, config hash), so a stopped study
// resumes without redoing them; a run's state after its latest epoch, so a
// stopped run resumes mid-way (the last epoch's is the trained network).
// Runs are not owned by a study: a second study with the same config reuses them.
const V8 = /* sql */ `
CREATE TABLE reproductions (
  id           INTEGER PRIMARY KEY AUTOINCREMENT,
  dataset      TEXT    NOT NULL CHECK (dataset IN ('fashion-mnist', 'mnist', 'mutag', 'proteins')),
  config       TEXT    NOT NULL,
  status       TEXT    NOT NULL CHECK (status IN ('running', 'done', 'stopped', 'failed')),
  result       TEXT,
  started_at   TEXT    NOT NULL,
  finished_at  TEXT
);
CREATE TABLE reproduction_runs (
  key          TEXT    PRIMARY KEY,
  dataset      TEXT    NOT NULL,
  outcome      TEXT    NOT NULL,
  created_at   TEXT    NOT NULL
);
CREATE TABLE reproduction_checkpoints (
  key          TEXT    PRIMARY KEY,
  epoch        INTEGER NOT NULL,
  state        BLOB    NOT NULL,
  updated_at   TEXT    NOT NULL
);
`;

export const MIGRATIONS: readonly Migration[] = [
  { version: 1, description: 'cases, change sets, layouts, N-1 runs, datasets, training, models, results, reports', sql: V1 },
  { version: 2, description: "model results of kind 'fidelity' (explanation fidelity studies)", sql: V2 },
  { version: 3, description: "N-1 runs of mode 'screen'; records judged by the exact engine or the surrogate, with its probability", sql: V3 },
  { version: 4, description: "model results of kind 'graphon' (block densities of a model's sparse masks)", sql: V4 },
  { version: 5, description: 'reports of kind xlsx with the N-1 run they report on; the machine of each N-1 run', sql: V5 },
  { version: 6, description: "training runs' sparse masks at the start and at every epoch that rewired them", sql: V6 },
  { version: 7, description: "N-1 records judged by 'topology' (islanded outages a verified screen does not solve)", sql: V7 },
  { version: 8, description: 'reproduction studies of the papers\' benchmarks, their finished runs and per-epoch run checkpoints', sql: V8 },
];

export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1].version;
