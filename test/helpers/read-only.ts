// Ways to make a place truly read-only for the tests, which run as root (for
// whom chmod stops nothing). Each says whether it works on this machine, and
// why not, so a test skips with a stated reason instead of passing vacuously.
//
// - immutable: `chattr +i` (root cannot create, delete or write: EPERM).
// - readOnlyMount: the CLI runs in its own mount namespace (`unshare -m`)
//   where the folder is bind-mounted read-only (EROFS), as on read-only media.
// - asNobody: the CLI runs as user nobody (`setpriv`), so chmod applies (EACCES).

import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN, ROOT } from './cli';

export interface Run { code: number; stdout: string; stderr: string }

function run(cmd: string, args: string[], opts: { env?: NodeJS.ProcessEnv; input?: string } = {}): Run {
  const r = spawnSync(cmd, args, { cwd: ROOT, encoding: 'utf8', env: { ...process.env, ...opts.env }, input: opts.input, timeout: 120_000, maxBuffer: 64 * 1024 * 1024 });
  if (r.error) throw r.error;
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

const probe = <T>(fn: () => T): T | string => {
  try {
    return fn();
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
};

// --- chattr +i --------------------------------------------------------------

export function setImmutable(path: string, on: boolean): void {
  const r = run('chattr', [on ? '+i' : '-i', path]);
  if (r.code !== 0) throw new Error(`chattr ${on ? '+i' : '-i'} ${path}: ${r.stderr.trim()}`);
}

/** null if chattr +i works here and stops root from writing, else why not. */
export const immutableUnavailable: string | null = (() => {
  const dir = mkdtempSync(join(tmpdir(), 'gr-probe-immutable-'));
  const res = probe(() => {
    setImmutable(dir, true);
    try {
      writeFileSync(join(dir, 'x'), 'x');
      return 'chattr +i did not stop a write by root';
    } catch {
      return null;
    } finally {
      setImmutable(dir, false);
    }
  });
  rmSync(dir, { recursive: true, force: true });
  return res === null ? null : `chattr +i is not usable here (${res})`;
})();

// --- read-only bind mount in a private mount namespace ----------------------

/** Runs the CLI with `dir` mounted read-only (only for this process tree). */
export function cliOnReadOnlyMount(dir: string, args: string[], env?: NodeJS.ProcessEnv): Run {
  const script = 'mount --bind "$1" "$1" && mount -o remount,ro,bind "$1" "$1" && shift && exec "$@"';
  return run('unshare', ['-m', 'sh', '-c', script, 'sh', dir, process.execPath, BIN, ...args], { env });
}

export const readOnlyMountUnavailable: string | null = (() => {
  const dir = mkdtempSync(join(tmpdir(), 'gr-probe-mount-'));
  const res = probe(() => {
    const script = 'mount --bind "$1" "$1" && mount -o remount,ro,bind "$1" "$1" && touch "$1/x"';
    const r = run('unshare', ['-m', 'sh', '-c', script, 'sh', dir]);
    return /Read-only file system/.test(r.stderr) ? null : `unshare -m with a read-only bind mount did not give EROFS: ${r.stderr.trim() || `exit ${r.code}`}`;
  });
  rmSync(dir, { recursive: true, force: true });
  return res === null ? null : `a read-only bind mount is not available here (${res})`;
})();

// --- another user -----------------------------------------------------------

export const NOBODY = 65534;

/** Runs the CLI as user nobody, so ordinary permissions (chmod) apply. */
export function cliAsNobody(args: string[], env?: NodeJS.ProcessEnv): Run {
  return run('setpriv', [`--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups', process.execPath, BIN, ...args], { env: { HOME: '/nonexistent', ...env } });
}

export const asNobodyUnavailable: string | null = (() => {
  if (process.getuid?.() !== 0) return 'the tests do not run as root, so they cannot switch to user nobody';
  const res = probe(() => {
    const r = cliAsNobody(['help']);
    return r.code === 0 ? null : `the CLI does not run as nobody: ${r.stderr.trim().split('\n')[0]}`;
  });
  return res === null ? null : `setpriv to user nobody is not usable here (${res})`;
})();

/** A temp folder user nobody can enter (mkdtemp makes them 0700). */
export function tempDirFor(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  chmodSync(dir, 0o755);
  return dir;
}
