// File-system errors as one line a person can act on: what we tried (open,
// write, create a folder), the path, and the cause in words, with the errno
// code kept at the end for searching. main/cli.ts maps every such error here,
// so no command prints a stack trace for a missing folder or a full disk.

import { existsSync } from 'node:fs';
import { dirname } from 'node:path';

/** What a command meant to do with the path (the errno error itself does not say). */
export type FileIntent = 'read' | 'write';

export interface ErrnoLike {
  code: string;
  syscall?: string;
  path?: string;
  dest?: string;
  message: string;
}

/** Node's fs errors (and other errno errors): a string code like ENOENT and the failed syscall. */
export function isErrnoError(e: unknown): e is Error & ErrnoLike {
  if (!(e instanceof Error)) return false;
  const { code, syscall } = e as Partial<ErrnoLike>;
  return typeof code === 'string' && /^E[A-Z0-9]+$/.test(code) && typeof syscall === 'string';
}

const CAUSES: Record<string, string> = {
  ENOENT: 'no such file or folder',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted (the file or its folder may be immutable or locked)',
  EISDIR: 'it is a folder, not a file',
  ENOTDIR: 'a part of the path is a file, not a folder',
  EROFS: 'the file system is read-only',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'the disk quota is used up',
  EFBIG: 'the file would be too large for this file system',
  EMFILE: 'too many open files in this process (raise the limit with ulimit -n)',
  ENFILE: 'too many open files on this system',
  EEXIST: 'it already exists',
  ENOTEMPTY: 'the folder is not empty',
  ENAMETOOLONG: 'the name is too long',
  ELOOP: 'too many symbolic links (a link that points to itself?)',
  EBUSY: 'the file or device is busy',
  ETXTBSY: 'the file is busy',
  EIO: 'an input/output error (a failing disk or a lost network share?)',
  ENXIO: 'no such device',
  ENODEV: 'no such device',
  EXDEV: 'it is on another device',
  EINVAL: 'invalid argument for this kind of file',
  EAGAIN: 'the resource is temporarily unavailable; try again',
};

const VERBS: Record<string, string> = {
  open: 'open', read: 'read', write: 'write', stat: 'find', lstat: 'find', access: 'access', mkdir: 'create the folder',
  scandir: 'list the folder', unlink: 'remove', rmdir: 'remove the folder', rename: 'rename', copyfile: 'copy', mkdtemp: 'create a temporary folder in',
  realpath: 'resolve', readlink: 'resolve', fsync: 'write', ftruncate: 'write', close: 'close', chmod: 'change the mode of', utime: 'touch',
};

/** "cannot write /nope/out.csv: the folder /nope does not exist (ENOENT)". */
export function describeFileError(e: ErrnoLike, intent?: FileIntent): string {
  const verb = intent ?? VERBS[e.syscall ?? ''] ?? e.syscall ?? 'use';
  const what = e.path ? ` ${e.path}` : '';
  const to = e.dest ? ` to ${e.dest}` : '';
  let cause = CAUSES[e.code];
  if (e.code === 'ENOENT' && e.path && (intent === 'write' || e.syscall === 'mkdir')) {
    const dir = dirname(e.path);
    if (!existsSync(dir)) cause = `the folder ${dir} does not exist`;
  }
  // An unknown code: Node's own text ("ECODE: words, syscall 'path'"), words only.
  if (cause === undefined) cause = /^[A-Z0-9]+: ([^,]+)/.exec(e.message)?.[1] ?? e.message;
  return `cannot ${verb}${what}${to}: ${cause} (${e.code})`;
}

/** Node's "Worker initialization failure: EMFILE" (a worker thread needs file descriptors too). */
export function describeWorkerStartError(e: unknown): string | null {
  if (!(e instanceof Error) || (e as { code?: unknown }).code !== 'ERR_WORKER_INIT_FAILED') return null;
  const code = /\b(E[A-Z0-9]{2,})\b/.exec(e.message)?.[1];
  const cause = code ? `${CAUSES[code] ?? e.message} (${code})` : e.message;
  return `cannot start a worker thread: ${cause}; try fewer --workers`;
}

/** A file error already described for a person (the adapters print its message as it is). */
export class FileError extends Error {
  override readonly name = 'FileError';
  readonly code: string;
  readonly path: string | undefined;
  constructor(e: ErrnoLike, intent?: FileIntent, path?: string) {
    const named = { code: e.code, syscall: e.syscall, path: e.path ?? path, dest: e.dest, message: e.message };
    super(describeFileError(named, intent), { cause: e });
    this.code = e.code;
    this.path = named.path;
  }
}

/** Runs fn on `path`, describing a file error with what we meant to do (a failed read or
 *  write on an open file descriptor carries no path of its own). */
export function withIntent<T>(intent: FileIntent, path: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (isErrnoError(e)) throw new FileError(e, intent, path);
    throw e;
  }
}
