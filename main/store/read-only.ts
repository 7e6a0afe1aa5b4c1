// Reading a database that cannot be written (a read-only file, a read-only
// folder, a read-only file system), without creating anything next to it.
//
// SQLite's rule for WAL databases (wal.html, "Read-Only Databases", 3.22+): a
// read-only connection can read a WAL database if its -wal and -shm files
// exist, or can be created, or the database is immutable. Hence:
// - both files exist: read in place. A writer may be live; SQLite reads the
//   WAL index from -shm, or from a private heap copy when -shm is read-only.
// - the file and its folder are writable: read in place (SQLite creates both).
// - otherwise no connection has the file open (an open WAL connection keeps
//   both files), so the files are at rest: read a private copy of the
//   database and its -wal in the temp folder. A -shm created by a reader of a
//   read-only file would take the file's read-only mode and later stop its
//   owner's writes ("attempt to write a readonly database"), so we never
//   create one there.
// Not used: `?immutable=1` (this better-sqlite3 is built with SQLITE_USE_URI=0
// and opens without SQLITE_OPEN_URI, so a file: URI is taken as a file name),
// and switching the file to a rollback journal (it must be writable to do it,
// and the store relies on WAL's readers-during-writes).

import { accessSync, constants, copyFileSync, existsSync, mkdtempSync, rmSync, statSync, statfsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { StoreError } from './errors';

function blocker(path: string, what: string): string | null {
  try {
    accessSync(path, constants.W_OK);
    return null;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    const why = code === 'EROFS' ? 'on a read-only file system' : code === 'EPERM' ? 'immutable or locked' : code === 'EACCES' ? 'not writable by this user' : `not writable (${(err as Error).message})`;
    return `${what} is ${why} (${code})`;
  }
}

/** Why this existing database file cannot be written, or null if it can. */
export function whyReadOnly(path: string): { file: string | null; folder: string | null } {
  return { file: blocker(path, 'the file'), folder: blocker(dirname(path), `its folder ${dirname(path)}`) };
}

export interface ReadSource {
  /** The file SQLite opens: the database itself, or a private copy. */
  file: string;
  /** Removes the private copy (nothing for the database itself). */
  cleanup(): void;
}

const inPlace = (path: string): ReadSource => ({ file: path, cleanup: () => {} });

/** Where to read the WAL database at `path` from, when it is opened read-only. */
export function readSource(path: string, wal: boolean): ReadSource {
  if (!wal) return inPlace(path); // a rollback-journal file is read with a shared lock, nothing created
  if (existsSync(path + '-wal') && existsSync(path + '-shm')) return inPlace(path);
  const why = whyReadOnly(path);
  if (why.file === null && why.folder === null) return inPlace(path);
  return privateCopy(path, (why.folder ?? why.file)!);
}

function privateCopy(path: string, why: string): ReadSource {
  const walFile = path + '-wal';
  const bytes = statSync(path).size + (existsSync(walFile) ? statSync(walFile).size : 0);
  const tmp = tmpdir();
  const cannot = (what: string) => new StoreError('READ_ONLY',
    `${path} cannot be read in place: ${why}, and SQLite must create ${basename(path)}-shm next to a WAL database to read it; ${what}. ` +
    'Make the folder writable, or copy the database (with its -wal file, if any) somewhere writable and open the copy.', path);
  let free = Infinity;
  try {
    const fs = statfsSync(tmp);
    free = fs.bavail * fs.bsize;
  } catch { /* unknown: try */ }
  const mb = (n: number) => `${(n / 1e6).toFixed(0)} MB`;
  if (free < bytes + (16 << 20)) throw cannot(`a private copy needs ${mb(bytes)} in ${tmp}, which has ${mb(free)} free`);
  let dir: string | null = null;
  try {
    dir = mkdtempSync(join(tmp, 'gridrewire-readonly-'));
    const copy = join(dir, basename(path));
    copyFileSync(path, copy);
    if (existsSync(walFile)) copyFileSync(walFile, copy + '-wal');
    const made = dir;
    // Also when the process exits without closing the store (process.exit, an uncaught error).
    const remove = () => rmSync(made, { recursive: true, force: true });
    process.once('exit', remove);
    return { file: copy, cleanup: () => { process.off('exit', remove); remove(); } };
  } catch (err) {
    if (dir) rmSync(dir, { recursive: true, force: true });
    throw cannot(`copying it to ${tmp} failed (${(err as Error).message})`);
  }
}
