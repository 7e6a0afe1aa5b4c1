// The epoch order of incremental training: every training position once;
// batches made of groups of one scenario each, aligned with the batches;
// only a window of scenarios open at a time (the streamed labels' cache);
// reproducible from the seed.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { groupedOrder, uniformOrder } from '../../main/core/learn/epoch-order';
import { Rng } from '../../main/core/learn/rng';

/** n positions over scenarios of uneven sizes, interleaved the way a dataset's indices are not. */
function scenarios(sizes: number[]): number[] {
  const of: number[] = [];
  sizes.forEach((n, s) => { for (let i = 0; i < n; i++) of.push(s); });
  return of;
}

for (const [label, sizes, group, window] of [
  ['ten scenarios of 245, window 3', Array(10).fill(245), 16, 3],
  ['uneven scenarios, window larger than their number', [40, 7, 130, 16, 16, 3, 99], 16, 20],
  ['groups of 1', [5, 9, 2], 1, 2],
] as [string, number[], number, number][]) {
  test(`grouped order: ${label}`, () => {
    const of = scenarios(sizes), n = of.length;
    const order = groupedOrder(n, (p) => of[p], { group, window }, new Rng(3));
    assert.deepEqual([...order].sort((a, b) => a - b), Array.from({ length: n }, (_, i) => i), 'every position once');
    // Aligned groups of one scenario, but where a scenario's last samples are topped up (at most one mixed group per scenario).
    let mixed = 0;
    for (let at = 0; at < n; at += group) {
      const s = new Set(Array.from(order.subarray(at, at + group), (p) => of[p]));
      if (s.size > 1) mixed++;
    }
    assert.ok(mixed <= sizes.length, `${mixed} mixed groups`);
    // At most the window open at once.
    const first = new Map<number, number>(), last = new Map<number, number>();
    order.forEach((p, i) => { const s = of[p]; if (!first.has(s)) first.set(s, i); last.set(s, i); });
    let most = 0;
    for (let i = 0; i < n; i++) most = Math.max(most, [...first.keys()].filter((s) => first.get(s)! <= i && last.get(s)! >= i).length);
    assert.ok(most <= Math.min(window, sizes.length), `${most} scenarios open at once, window ${window}`);
    // Reproducible, and the seed matters.
    assert.deepEqual(groupedOrder(n, (p) => of[p], { group, window }, new Rng(3)), order);
    assert.notDeepEqual(groupedOrder(n, (p) => of[p], { group, window }, new Rng(4)), order);
  });
}

test('grouped order: one scenario at a time with window 1, groups in random order within it', () => {
  const of = scenarios([50, 50, 50]);
  const order = groupedOrder(150, (p) => of[p], { group: 10, window: 1 }, new Rng(1));
  const seq = Array.from(order, (p) => of[p]);
  // Each scenario contiguous (its remainder is a whole group here).
  for (let s = 0; s < 3; s++) {
    const idx = seq.flatMap((x, i) => (x === s ? [i] : []));
    assert.equal(idx[idx.length - 1] - idx[0], 49);
  }
  assert.notDeepEqual(Array.from(order.subarray(0, 10)).sort((a, b) => a - b), Array.from(order.subarray(0, 10)));
});

test('uniform order: a permutation, reproducible from the seed', () => {
  const a = uniformOrder(100, new Rng(2));
  assert.deepEqual([...a].sort((x, y) => x - y), Array.from({ length: 100 }, (_, i) => i));
  assert.deepEqual(uniformOrder(100, new Rng(2)), a);
});
