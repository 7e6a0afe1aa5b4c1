// Where the database lives by default, and making sure its folder exists.
// The CLI uses the XDG data folder; the Electron adapter passes
// app.getPath('userData') itself.

import { mkdirSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join } from 'node:path';
import { StoreError } from './errors';

export const APP_FOLDER = 'gridrewire';
export const DB_FILE = 'gridrewire.db';

/** `$XDG_DATA_HOME/gridrewire/gridrewire.db`, else `~/.local/share/gridrewire/gridrewire.db`. */
export function defaultDbPath(env: NodeJS.ProcessEnv = process.env): string {
  // The XDG spec says a relative XDG_DATA_HOME is invalid and must be ignored.
  const xdg = env.XDG_DATA_HOME;
  const base = xdg && isAbsolute(xdg) ? xdg : join(env.HOME && isAbsolute(env.HOME) ? env.HOME : homedir(), '.local', 'share');
  return join(base, APP_FOLDER, DB_FILE);
}

/** Creates the folder that will hold `dbPath`, with an error that says why it cannot. */
export function ensureFolderFor(dbPath: string): void {
  const dir = dirname(dbPath);
  try {
    mkdirSync(dir, { recursive: true });
  } catch (err) {
    const why = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    const hint =
      why === 'ENOTDIR' ? 'a part of the path is a file, not a folder'
      : why === 'EACCES' || why === 'EPERM' ? 'permission denied'
      : why === 'EROFS' ? 'the file system is read-only'
      : why;
    throw new StoreError('CANNOT_CREATE', `cannot create the database folder ${dir}: ${hint}; choose another location with --db`, dbPath, { cause: err });
  }
  // mkdir -p succeeds silently on an existing folder; an existing *file* of that name is caught above (EEXIST/ENOTDIR).
  if (!statSync(dir).isDirectory()) {
    throw new StoreError('CANNOT_CREATE', `cannot create the database in ${dir}: it is not a folder`, dbPath);
  }
}
