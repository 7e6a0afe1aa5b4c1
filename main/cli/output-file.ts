// An output file named on the command line (--csv), claimed before the work:
// a path that cannot be written (missing folder, a folder, a read-only place)
// fails in the first second instead of after the whole run. An existing file
// keeps its content until the new one is written; a file we created and never
// wrote is removed again.

import { closeSync, existsSync, openSync, realpathSync, unlinkSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { UsageError } from './args';
import { withIntent } from './fs-errors';

export interface OutputFile {
  readonly path: string;
  /** Replaces the file's content with `data`. */
  write(data: string | Uint8Array): void;
  /** Removes the file if this command created it and wrote nothing. */
  discard(): void;
}

/** The same file: by real path when both exist (links), else by resolved name. */
const same = (a: string, b: string) => {
  if (resolve(a) === resolve(b)) return true;
  try {
    return realpathSync(a) === realpathSync(b);
  } catch {
    return false;
  }
};

/** Opens `path` for writing now (creating it if needed) without changing an existing file.
 *  `keep` are the command's inputs, which the output must not overwrite. */
export function claimOutputFile(path: string, flag: string, keep: { what: string; path: string }[] = []): OutputFile {
  for (const k of keep) if (same(path, k.path)) throw new UsageError(`--${flag} ${path} is the ${k.what}; writing there would overwrite it: choose another file`);
  const existed = existsSync(path);
  // O_APPEND|O_CREAT: fails with EISDIR, ENOENT, EACCES, EPERM, EROFS, ENOTDIR like the final write would, and truncates nothing.
  withIntent('write', path, () => closeSync(openSync(path, 'a')));
  let written = false;
  return {
    path,
    write(data) {
      withIntent('write', path, () => writeFileSync(path, data));
      written = true;
    },
    discard() {
      if (existed || written) return;
      try {
        unlinkSync(path);
      } catch { /* already gone */ }
    },
  };
}
