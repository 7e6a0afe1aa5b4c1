// Opening the database file safely, and the connection wrapper the
// repositories share (statement cache, transactions, error mapping).
//
// Opening never writes to a file it has not recognised: the 100-byte SQLite
// header is read with plain file I/O first, then application_id and
// user_version are read through SQLite, and only a file that is empty, ours
// and not newer than this code is switched to WAL and migrated.
//
// A file that cannot be written (read-only file, folder or file system) is
// opened read-only, saying why on every refused write; read-only.ts says how
// such a WAL file is read without creating anything next to it.
//
// Concurrency policy: several connections and processes may use one file at
// the same time. WAL lets readers read while one writer writes; writers take
// the lock with BEGIN IMMEDIATE and wait up to busy_timeout for each other,
// then fail with StoreError BUSY. Long jobs claim their run (owner pid) so two
// processes never compute the same run; see runs-owner.ts.

import Database from 'better-sqlite3';
import { closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { StoreError, toStoreError } from './errors';
import { APPLICATION_ID, MIGRATIONS, SCHEMA_VERSION } from './migrations';
import { ensureFolderFor } from './paths';
import { readSource, whyReadOnly, type ReadSource } from './read-only';

export interface OpenOptions {
  /** Open for reading only: no migration, no WAL switch, writes fail with READ_ONLY. */
  readonly?: boolean;
  /** Refuse (READ_ONLY, saying why) a file that cannot be written, instead of opening it read-only. */
  requireWrite?: boolean;
  /** How long a write waits for another writer's lock (ms). Default 5000. */
  busyTimeoutMs?: number;
}

const SQLITE_MAGIC = Buffer.from('SQLite format 3\0', 'latin1');
const HEADER_SIZE = 100;

interface FileHeader {
  userVersion: number;
  applicationId: number;
  /** File format version bytes 18-19 are 2: the file is in WAL mode. */
  wal: boolean;
}

/** Reads the SQLite header of an existing non-empty file, or refuses it. */
function readHeader(path: string): FileHeader {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new StoreError('CANNOT_CREATE', `cannot read ${path}: ${code === 'EACCES' || code === 'EPERM' ? 'permission denied' : (err as Error).message} (${code})`, path, { cause: err });
  }
  try {
    const buf = Buffer.alloc(HEADER_SIZE);
    const n = readSync(fd, buf, 0, HEADER_SIZE, 0);
    if (n < HEADER_SIZE || !buf.subarray(0, 16).equals(SQLITE_MAGIC)) {
      throw new StoreError('NOT_A_DATABASE', `${path} is not a GridRewire database (it is not an SQLite file); choose another file with --db`, path);
    }
    return { userVersion: buf.readInt32BE(60), applicationId: buf.readInt32BE(68), wal: buf[18] === 2 || buf[19] === 2 };
  } finally {
    closeSync(fd);
  }
}

function newerSchema(path: string, version: number): StoreError {
  return new StoreError(
    'NEWER_SCHEMA',
    `${path} was written by a newer GridRewire (schema version ${version}, this version knows up to ${SCHEMA_VERSION}); update GridRewire to open it. The file was not changed.`,
    path,
  );
}

function notOurs(path: string): StoreError {
  return new StoreError('NOT_A_DATABASE', `${path} is an SQLite file but not a GridRewire database; choose another file with --db. The file was not changed.`, path);
}

/** Checks the file before SQLite touches it: refuses what is not ours, creates the folder of a new file.
 *  Returns the header of an existing file, 'empty' for a 0-byte one, 'new' when there is none. */
function precheck(path: string, readonly: boolean): FileHeader | 'empty' | 'new' {
  if (!existsSync(path)) {
    if (readonly) throw new StoreError('NOT_FOUND', `${path} does not exist (opened read-only, so it was not created)`, path);
    ensureFolderFor(path);
    return 'new';
  }
  const st = statSync(path);
  if (st.isDirectory()) throw new StoreError('NOT_A_DATABASE', `${path} is a folder, not a GridRewire database`, path);
  if (!st.isFile()) throw new StoreError('NOT_A_DATABASE', `${path} is not a regular file, so not a GridRewire database`, path);
  if (st.size === 0) return 'empty'; // an empty file is a valid, empty database
  const h = readHeader(path);
  if (h.applicationId === APPLICATION_ID && h.userVersion > SCHEMA_VERSION) throw newerSchema(path, h.userVersion);
  if (h.applicationId !== APPLICATION_ID && h.applicationId !== 0) throw notOurs(path);
  return h;
}

/** Decides how an existing file is opened: read-only (asked, or because it cannot be written) and from where. */
function accessPlan(path: string, found: FileHeader | 'empty' | 'new', opts: OpenOptions): { readonly: boolean; reason: string | null; source: ReadSource | null } {
  let readonly = opts.readonly === true;
  let reason: string | null = null;
  if (found === 'new') return { readonly, reason, source: null };
  if (!readonly) {
    const why = whyReadOnly(path);
    const blocker = why.file ?? why.folder;
    if (blocker !== null) {
      if (opts.requireWrite) throw new StoreError('READ_ONLY', `${path} cannot be written: ${blocker}; make it writable, or choose another file with --db`, path);
      if (found === 'empty') throw new StoreError('READ_ONLY', `${path} is an empty file, not a GridRewire database yet, and cannot be initialised: ${blocker}`, path);
      readonly = true;
      reason = blocker;
    }
  }
  return { readonly, reason, source: readonly && found !== 'empty' ? readSource(path, found.wal) : null };
}

type Stmt = Database.Statement<unknown[], unknown>;

export class Db {
  private readonly stmts = new Map<string, Stmt>();
  private readonly runInTx: (fn: () => unknown) => unknown;
  private readonly txImmediate: (fn: () => unknown) => unknown;
  private readonly txDeferred: (fn: () => unknown) => unknown;

  constructor(
    readonly raw: Database.Database,
    readonly path: string,
    readonly readonly: boolean,
    /** Why a store that was not asked to be read-only is (the file cannot be written), else null. */
    readonly readonlyReason: string | null = null,
    private readonly onClose: () => void = () => {},
  ) {
    this.runInTx = raw.transaction((fn: () => unknown) => fn());
    this.txImmediate = (this.runInTx as unknown as { immediate: (fn: () => unknown) => unknown }).immediate;
    this.txDeferred = (this.runInTx as unknown as { deferred: (fn: () => unknown) => unknown }).deferred;
  }

  /** A prepared statement, compiled once per connection. */
  stmt(sql: string): Stmt {
    let s = this.stmts.get(sql);
    if (s === undefined) {
      s = this.raw.prepare(sql);
      this.stmts.set(sql, s);
    }
    return s;
  }

  /** Runs fn, mapping any SQLite error to a StoreError that says what we were doing. */
  guard<T>(doing: string, fn: () => T): T {
    try {
      return fn();
    } catch (err) {
      throw toStoreError(err, this.path, doing);
    }
  }

  /** A write transaction. IMMEDIATE takes the write lock up front, so busy_timeout applies
   *  (a deferred read-then-write can fail at once with SQLITE_BUSY_SNAPSHOT under WAL).
   *  Nested calls become savepoints of the outer transaction. */
  write<T>(doing: string, fn: () => T): T {
    if (this.readonly) {
      const why = this.readonlyReason === null ? 'the store was opened read-only' : `the database cannot be written: ${this.readonlyReason}`;
      throw new StoreError('READ_ONLY', `${this.path}: ${doing}: ${why}`, this.path);
    }
    return this.guard(doing, () => this.txImmediate(fn) as T);
  }

  /** A read transaction: every statement in fn sees the same snapshot. */
  read<T>(doing: string, fn: () => T): T {
    return this.guard(doing, () => (this.raw.inTransaction ? fn() : (this.txDeferred(fn) as T)));
  }

  close(): void {
    this.stmts.clear();
    if (this.raw.open) this.raw.close();
    this.onClose();
  }
}

/** Opens (creating and migrating if needed) the database at `path`. */
export function openDb(pathArg: string, opts: OpenOptions = {}): Db {
  const memory = pathArg === ':memory:';
  const path = memory ? pathArg : resolve(pathArg);
  const plan = memory ? { readonly: opts.readonly === true, reason: null, source: null } : accessPlan(path, precheck(path, opts.readonly === true), opts);
  const { readonly, reason } = plan;
  const source = plan.source ?? { file: path, cleanup: () => {} };

  let raw: Database.Database;
  try {
    raw = new Database(source.file, { readonly, fileMustExist: readonly, timeout: opts.busyTimeoutMs ?? 5000 });
  } catch (err) {
    source.cleanup();
    const e = toStoreError(err, path, 'opening the database');
    if (e.code === 'NOT_A_DATABASE') throw e;
    throw new StoreError('CANNOT_CREATE', `cannot open or create ${path}: ${(err as Error).message}; check the folder exists and is writable, or choose another file with --db`, path, { cause: err });
  }
  const db = new Db(raw, path, readonly, reason, source.cleanup);
  try {
    raw.pragma(`busy_timeout = ${Math.max(0, Math.floor(opts.busyTimeoutMs ?? 5000))}`);
    // Reads only, until the file is known to be ours.
    const inspect = () => ({
      appId: raw.pragma('application_id', { simple: true }) as number,
      version: raw.pragma('user_version', { simple: true }) as number,
      objects: (raw.prepare('SELECT count(*) AS n FROM sqlite_master').get() as { n: number }).n,
    });
    // In one read transaction: three separate reads could see another process's first
    // migration commit in between (application id 0 read before it, its tables after) and
    // take a database being created for a foreign one.
    const first = db.guard('reading the schema version', () => raw.transaction(inspect)());
    checkIdentity(path, first.appId, first.version, first.objects);

    if (readonly) {
      if (first.version < SCHEMA_VERSION) {
        throw new StoreError(
          first.version === 0 ? 'NOT_A_DATABASE' : 'OLD_SCHEMA',
          first.version === 0
            ? `${path} is an empty database, not a GridRewire database yet (opened read-only, so it was not initialised)`
            : reason === null
              ? `${path} has schema version ${first.version} and needs an upgrade to ${SCHEMA_VERSION}; open it once without read-only`
              : `${path} has schema version ${first.version} and needs an upgrade to ${SCHEMA_VERSION}, but it cannot be written: ${reason}`,
          path,
        );
      }
    } else if (!memory) {
      const mode = db.guard('switching to WAL', () => raw.pragma('journal_mode = WAL', { simple: true }));
      if (mode !== 'wal') throw new StoreError('SQLITE', `${path}: could not switch to WAL journaling (got ${String(mode)})`, path);
      // NORMAL is safe in WAL: a crash of the process loses nothing committed;
      // a power cut may lose the last transactions but never corrupts.
      raw.pragma('synchronous = NORMAL');
    }
    raw.pragma('foreign_keys = ON');
    if (!readonly) migrate(db);
    return db;
  } catch (err) {
    db.close();
    throw toStoreError(err, path, 'opening the database');
  }
}

function checkIdentity(path: string, appId: number, version: number, objects: number): void {
  if (appId === APPLICATION_ID) {
    if (version > SCHEMA_VERSION) throw newerSchema(path, version);
    return;
  }
  if (appId === 0 && version === 0 && objects === 0) return; // empty: ours to initialise
  throw notOurs(path);
}

/** Applies every migration newer than the file, each in its own transaction. */
function migrate(db: Db): void {
  // Up to date: take no write lock, so opening never waits on (or fails because of) another writer.
  if ((db.raw.pragma('user_version', { simple: true }) as number) >= SCHEMA_VERSION) return;
  for (const m of MIGRATIONS) {
    db.write(`applying migration ${m.version} (${m.description})`, () => {
      // Re-read inside the write lock: another process may have just migrated.
      const appId = db.raw.pragma('application_id', { simple: true }) as number;
      const current = db.raw.pragma('user_version', { simple: true }) as number;
      const objects = (db.raw.prepare('SELECT count(*) AS n FROM sqlite_master').get() as { n: number }).n;
      checkIdentity(db.path, appId, current, objects);
      if (current >= m.version) return;
      if (current !== m.version - 1) throw new StoreError('CORRUPT', `${db.path}: schema version ${current} cannot be migrated to ${m.version}`, db.path);
      db.raw.exec(m.sql);
      if (m.version === 1) db.raw.pragma(`application_id = ${APPLICATION_ID}`);
      db.raw.pragma(`user_version = ${m.version}`);
    });
  }
}

export function nowIso(): string {
  return new Date().toISOString();
}
