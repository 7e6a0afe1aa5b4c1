// Typed store errors: every failure a user can cause (a wrong file, a newer
// app's database, a folder that cannot be created, a busy database) becomes a
// StoreError with a code the adapters can branch on and a message a person can
// act on. Raw SQLite errors are mapped here and nowhere else.

export type StoreErrorCode =
  | 'NOT_A_DATABASE' // the file exists but is not a GridRewire database
  | 'NEWER_SCHEMA' // written by a newer GridRewire; we refuse to touch it
  | 'OLD_SCHEMA' // opened read-only but needs a migration first
  | 'CANNOT_CREATE' // folder or file cannot be created or opened
  | 'NOT_FOUND' // a file (read-only open) or a row that does not exist
  | 'LOCKED' // a run is owned by another live process
  | 'BUSY' // another connection held the write lock longer than busy_timeout
  | 'READ_ONLY' // write attempted through a read-only store or file
  | 'CORRUPT' // SQLite reports damage, or a blob fails its header check
  | 'DISK_FULL'
  | 'INVALID' // caller passed data that breaks the contract
  | 'CLOSED'
  | 'SQLITE'; // anything else SQLite reports

export class StoreError extends Error {
  override readonly name = 'StoreError';
  constructor(
    readonly code: StoreErrorCode,
    message: string,
    readonly path?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** SQLite's extended code (better-sqlite3 puts it on `code`, e.g. SQLITE_BUSY_SNAPSHOT). */
function sqliteCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('SQLITE_') ? code : undefined;
}

/** Maps a thrown value to a StoreError; StoreErrors pass through unchanged. */
export function toStoreError(err: unknown, path: string, doing: string): StoreError {
  if (err instanceof StoreError) return err;
  const code = sqliteCode(err);
  const why = err instanceof Error ? err.message : String(err);
  const at = `${path}: ${doing}`;
  if (code === undefined) {
    if (err instanceof TypeError && /database connection is not open/i.test(why)) {
      return new StoreError('CLOSED', `${at}: the store is closed`, path, { cause: err });
    }
    return new StoreError('SQLITE', `${at}: ${why}`, path, { cause: err });
  }
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
    return new StoreError('BUSY', `${at}: the database is busy (another process is writing to it); try again`, path, { cause: err });
  }
  if (code.startsWith('SQLITE_READONLY')) {
    return new StoreError('READ_ONLY', `${at}: the database is read-only (${why})`, path, { cause: err });
  }
  if (code === 'SQLITE_NOTADB') {
    return new StoreError('NOT_A_DATABASE', `${path} is not a GridRewire database (${why})`, path, { cause: err });
  }
  if (code.startsWith('SQLITE_CORRUPT')) {
    return new StoreError('CORRUPT', `${at}: the database file is damaged (${why}); restore a backup`, path, { cause: err });
  }
  if (code === 'SQLITE_FULL') {
    return new StoreError('DISK_FULL', `${at}: the disk is full`, path, { cause: err });
  }
  if (code.startsWith('SQLITE_CANTOPEN') || code.startsWith('SQLITE_IOERR') || code.startsWith('SQLITE_PERM')) {
    return new StoreError('CANNOT_CREATE', `${at}: cannot open or write ${path} (${why})`, path, { cause: err });
  }
  if (code.startsWith('SQLITE_CONSTRAINT')) {
    return new StoreError('INVALID', `${at}: ${why}`, path, { cause: err });
  }
  return new StoreError('SQLITE', `${at}: ${why} (${code})`, path, { cause: err });
}
