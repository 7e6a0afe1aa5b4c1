// The order in which an epoch visits the training samples.
//
// Uniform: one shuffle of every position (the classic epoch).
//
// Grouped by scenario (incremental training): each scenario's samples are
// shuffled and cut into groups of `group` samples, so that a batch of
// batchSize = k x group samples holds k groups and each costs one base pass
// of its scenario. Groups are drawn at random from a window of `window`
// scenarios at once (the next scenario of a shuffled list takes the place
// of one whose groups are used up), so that a dataset streamed from the
// store needs only the window's scenarios in memory while successive
// batches still see different operating points. A scenario's last few
// samples (fewer than a group) are topped up from other scenarios of the
// window into one full group, so every group but the epoch's last has
// `group` samples and batches stay aligned with groups (and a scenario
// leaves the window as soon as its last sample is drawn).

import type { Rng } from './rng';

export interface Grouping {
  /** Samples of one scenario per group. */
  group: number;
  /** Scenarios groups are drawn from at once. */
  window: number;
}

/** Positions 0..n-1 in one shuffle. */
export function uniformOrder(n: number, rng: Rng): Int32Array {
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  return rng.shuffle(order);
}

/** Positions 0..n-1 grouped by scenarioOf(position), as described above. */
export function groupedOrder(n: number, scenarioOf: (position: number) => number, g: Grouping, rng: Rng): Int32Array {
  const byScenario = new Map<number, number[]>();
  for (let p = 0; p < n; p++) {
    const s = scenarioOf(p);
    let list = byScenario.get(s);
    if (!list) byScenario.set(s, (list = []));
    list.push(p);
  }
  const scenarios = rng.shuffle(Int32Array.from(byScenario.keys()));
  const lists = new Map<number, Int32Array>();
  for (const s of scenarios) lists.set(s, rng.shuffle(Int32Array.from(byScenario.get(s)!)));
  const used = new Map<number, number>();
  const order = new Int32Array(n);
  let at = 0, next = 0;
  const live: number[] = [];
  while (live.length < g.window && next < scenarios.length) live.push(scenarios[next++]);
  while (live.length > 0) {
    // One group: from a scenario of the window, topped up from others when it runs out.
    let need = g.group;
    while (need > 0 && live.length > 0) {
      const i = rng.int(live.length), s = live[i];
      const list = lists.get(s)!, from = used.get(s) ?? 0;
      const take = Math.min(need, list.length - from);
      order.set(list.subarray(from, from + take), at);
      at += take;
      need -= take;
      used.set(s, from + take);
      if (from + take >= list.length) {
        if (next < scenarios.length) live[i] = scenarios[next++];
        else live.splice(i, 1);
      }
    }
  }
  return order;
}
