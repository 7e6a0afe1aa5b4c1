// The store behind a reproduction: the RunStore and CheckpointStore of the
// contract over the reproductions repository, so the runners stay free of SQL.

import type { CheckpointStore, RunOutcome, RunStore } from '../../core/learn/reproduce/types';
import type { Store } from '../../store';

export function runStoreOf(store: Store, dataset: string): RunStore {
  return {
    get: (key) => store.reproductions.getRun<RunOutcome>(key),
    put: (key, outcome) => store.reproductions.putRun(key, dataset, outcome),
  };
}

export function checkpointStoreOf(store: Store): CheckpointStore {
  return {
    load: (key) => store.reproductions.getCheckpoint(key)?.state,
    save: (key, epoch, state) => store.reproductions.putCheckpoint(key, epoch, state),
  };
}
