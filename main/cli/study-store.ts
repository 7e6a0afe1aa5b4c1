// The database a study reads its model from: it must exist (a study never
// creates an empty file for nothing), and SIGINT stops a study cooperatively.

import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { openStore, type Store } from '../store';

class MissingDatabase extends Error {
  constructor(path: string) {
    super(`${path} does not exist: give the database that holds the model (--db)`);
    this.name = 'MissingDatabase';
  }
}

export function openStudyStore(path: string): Store {
  if (path !== ':memory:' && !existsSync(resolve(path))) throw new MissingDatabase(resolve(path));
  return openStore(path, { requireWrite: true });
}

/** Runs `f` with an abort signal that the first Ctrl-C raises (the second quits). */
export async function withInterrupt<T>(command: string, err: (s: string) => void, f: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const ac = new AbortController();
  const onSig = () => { err(`\ngridrewire ${command}: stopping (Ctrl-C again to quit now)`); ac.abort(); process.off('SIGINT', onSig); };
  process.on('SIGINT', onSig);
  try {
    return await f(ac.signal);
  } finally {
    process.off('SIGINT', onSig);
  }
}
