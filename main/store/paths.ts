// Where the database lives by default, and making sure its folder exists.
// The CLI uses the XDG data folder; the Electron adapter passes
// app.getPath('userData') itself.

import { mkdirSync, statSync } from 'node:fs';
import type { Stats } from 'node:fs';
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

function statOrNull(path: string): Stats | null {
  try {
    return statSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

/** mkdir -p, one level at a time. Node's mkdirSync({ recursive: true }) spins
 *  forever when mkdir answers ENOENT under an existing parent (e.g. in /proc). */
function mkdirs(dir: string): void {
  const missing: string[] = [];
  let d = dir;
  for (let st = statOrNull(d); st === null; st = statOrNull(d)) {
    missing.push(d);
    const parent = dirname(d);
    if (parent === d) break;
    d = parent;
  }
  const top = statOrNull(d);
  if (top !== null && !top.isDirectory()) throw Object.assign(new Error(`${d} is a file`), { code: 'ENOTDIR' });
  for (const m of missing.reverse()) {
    try {
      mkdirSync(m);
    } catch (err) {
      // Another process may create it at the same moment.
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || !statSync(m).isDirectory()) throw err;
    }
  }
}

/** Creates the folder that will hold `dbPath`, with an error that says why it cannot. */
export function ensureFolderFor(dbPath: string): void {
  const dir = dirname(dbPath);
  try {
    mkdirs(dir);
    if (!statSync(dir).isDirectory()) throw Object.assign(new Error(`${dir} is a file`), { code: 'ENOTDIR' });
  } catch (err) {
    const why = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    const hint =
      why === 'ENOTDIR' || why === 'EEXIST' ? 'a part of the path is a file, not a folder'
      : why === 'EACCES' || why === 'EPERM' ? 'permission denied'
      : why === 'EROFS' ? 'the file system is read-only'
      : why === 'ENOENT' ? 'the location does not allow creating folders'
      : why;
    throw new StoreError('CANNOT_CREATE', `cannot create the database folder ${dir}: ${hint}; choose another location with --db`, dbPath, { cause: err });
  }
}
