// Keeps a training run's sparse masks in the store as it trains: the masks it
// starts from (epoch 0) and, after each epoch, the masks again when rewiring
// changed any of them (compared with the last ones stored), so the graphon of
// every rewiring epoch can be drawn later. A resumed run compares with what
// the store already holds. A dense run has no sparse layer: nothing is kept.

import type { GraphNet } from '../core/learn/gnn';
import type { LayerMask, Store } from '../store';

function masksOf(model: GraphNet): LayerMask[] {
  return model.sparseLayers().map((l) => ({ layer: l.name, nIn: l.nIn, nOut: l.nOut, positions: l.positions() }));
}

function same(a: readonly LayerMask[], b: readonly LayerMask[]): boolean {
  if (a.length !== b.length) return false;
  return a.every((m, i) => {
    const n = b[i];
    if (m.layer !== n.layer || m.nIn !== n.nIn || m.nOut !== n.nOut || m.positions.length !== n.positions.length) return false;
    for (let k = 0; k < m.positions.length; k++) if (m.positions[k] !== n.positions[k]) return false;
    return true;
  });
}

export class TrainingMasks {
  private last: LayerMask[];

  /**
   * `model`: the run's network as training (re)starts; stored as epoch 0 when
   * it has not trained a step yet (`atStart`) and the store has none for the
   * run (a run resumed from before masks were kept gets no false start).
   */
  constructor(store: Store, runId: number, model: GraphNet, atStart: boolean) {
    const kept = store.training.getMasks(runId);
    this.last = kept.length ? kept[kept.length - 1].layers : masksOf(model);
    if (kept.length === 0 && atStart && this.last.length > 0) store.training.saveMasks(runId, 0, this.last);
  }

  /** The masks of `model` (the network that trained the epoch just ended) if they differ from the last stored, else undefined. */
  changed(model: GraphNet): LayerMask[] | undefined {
    const now = masksOf(model);
    if (now.length === 0 || same(now, this.last)) return undefined;
    this.last = now;
    return now;
  }
}
