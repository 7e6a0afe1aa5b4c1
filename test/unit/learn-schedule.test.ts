// Rewiring-rate policies and topology methods.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LearnError } from '../../main/core/learn/errors';
import { RatePolicy, resolveTopology } from '../../main/core/learn/schedule';

const approx = (a: number, b: number) => assert.ok(Math.abs(a - b) < 1e-12, `${a} vs ${b}`);

test('fixed rate stays constant; none never rewires', () => {
  const p = new RatePolicy({ kind: 'fixed', zeta0: 0.3 });
  for (const t of [0, 5, 100]) approx(p.zetaAt(t), 0.3);
  p.observe(false);
  approx(p.zetaAt(1), 0.3);
  assert.equal(new RatePolicy({ kind: 'none', zeta0: 0.3 }).zetaAt(0), 0);
});

test('cosine rate: zeta0 at 0, half at tEnd/2, zero from tEnd on', () => {
  const p = new RatePolicy({ kind: 'cosine', zeta0: 0.4, tEnd: 10 });
  approx(p.zetaAt(0), 0.4);
  approx(p.zetaAt(5), 0.2);
  approx(p.zetaAt(2.5), 0.2 * (1 + Math.cos(Math.PI / 4)));
  assert.equal(p.zetaAt(10), 0);
  assert.equal(p.zetaAt(12), 0);
});

test('adaptive rate rises while validation improves, falls when not, freezes below the floor', () => {
  const p = new RatePolicy({ kind: 'adaptive', zeta0: 0.3, up: 1.2, down: 0.5, zetaMax: 0.4, floor: 0.05 });
  approx(p.zetaAt(0), 0.3);
  p.observe(true);
  approx(p.zetaAt(0), 0.36);
  p.observe(true);
  approx(p.zetaAt(0), 0.4); // 0.432 capped at zetaMax
  p.observe(false);
  approx(p.zetaAt(0), 0.2);
  p.observe(false);
  approx(p.zetaAt(0), 0.1);
  p.observe(true);
  approx(p.zetaAt(0), 0.12);
  p.observe(false);
  approx(p.zetaAt(0), 0.06);
  assert.equal(p.frozen, false);
  p.observe(false); // 0.03 < floor 0.05
  assert.equal(p.frozen, true);
  assert.equal(p.zetaAt(0), 0);
  p.observe(true); // frozen for good
  assert.equal(p.zetaAt(0), 0);
  // State round trip.
  const q = new RatePolicy({ kind: 'adaptive', zeta0: 0.3 });
  q.load(p.state());
  assert.equal(q.frozen, true);
});

test('topology methods resolve to their defaults and accept a regrowth override', () => {
  assert.deepEqual(
    ['dense', 'static', 'set', 'rigl', 'adaptive'].map((m) => {
      const r = resolveTopology({ method: m as never });
      return [m, r.sparse, r.rewires, r.regrow, r.rate.kind];
    }),
    [
      ['dense', false, false, 'random', 'none'],
      ['static', true, false, 'random', 'none'],
      ['set', true, true, 'random', 'fixed'],
      ['rigl', true, true, 'gradient', 'cosine'],
      ['adaptive', true, true, 'ch3l3', 'adaptive'],
    ],
  );
  assert.equal(resolveTopology({ method: 'adaptive', regrow: 'random' }).regrow, 'random');
  assert.equal(resolveTopology({ method: 'set', regrow: 'ch3l3' }).regrow, 'ch3l3');
  assert.equal(resolveTopology({ method: 'rigl', rate: { zeta0: 0.5 } }).rate.zeta0, 0.5);
  assert.throws(() => resolveTopology({ method: 'magic' as never }), LearnError);
  assert.throws(() => resolveTopology({ method: 'set', regrow: 'nope' as never }), /regrow must be one of/);
  assert.throws(() => resolveTopology({ method: 'set', everySteps: -1 }), LearnError);
  assert.throws(() => new RatePolicy({ kind: 'adaptive', zeta0: 0.3, down: 1.5 }), LearnError);
  assert.throws(() => new RatePolicy({ kind: 'fixed', zeta0: 2 }), LearnError);
});
