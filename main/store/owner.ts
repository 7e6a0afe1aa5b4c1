// Who is running a long job. A run row records the owner's pid and host while
// it is 'running'; when that process is gone (killed, crashed), the run is
// stale and can be marked 'interrupted' and resumed by someone else.

import { hostname } from 'node:os';

export interface Owner {
  pid: number;
  host: string;
}

export function currentOwner(): Owner {
  return { pid: process.pid, host: hostname() };
}

/** Whether `pid` names a live process on this machine (EPERM: alive, not ours). */
export function processAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** A run's owner is gone when it ran on this host and its process no longer exists.
 *  Runs owned by another host are never judged stale from here. */
export function ownerGone(pid: number | null, host: string | null): boolean {
  if (pid === null) return true;
  if (host !== null && host !== hostname()) return false;
  return !processAlive(pid);
}
