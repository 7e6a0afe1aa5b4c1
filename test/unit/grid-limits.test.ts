// The spec's limit rules (../shared/spec/n1.md, "Limits and violations"),
// checked on hand-computed values, and the network checks that refuse a case
// no solver can use before any solve.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  branchLoading, countingLoading, countingVmax, countingVmin, excessThreshold, isOverloaded, isRated, isViolation, LIMIT_TOL, LOADING_MARGIN,
  overloadCounts, overloadThreshold, voltageCounts, VOLTAGE_MARGIN,
} from '../../main/core/grid/limits';
import { compile, NetworkError } from '../../main/core/grid/network';
import { runPowerFlow } from '../../main/core/grid/powerflow';
import { N1Engine } from '../../main/core/grid/contingency';
import { BR_R, BR_X, BR_STATUS, BUS_TYPE, NONE } from '../../main/core/grid/idx';
import type { Case } from '../../main/core/grid/case';
import { loadCase } from '../helpers/shared';

test('rated branches: 0 < RATE_A < 1e10', () => {
  assert.equal(isRated(0), false);
  assert.equal(isRated(-5), false);
  assert.equal(isRated(1e10), false);
  assert.equal(isRated(9.99e9), true);
  assert.equal(isRated(0.001), true);
  assert.equal(isRated(NaN), false);
});

test('branch loading is the larger end |S| over the rating, in p.u. or MVA', () => {
  // |Sf| = 5 (3-4-5), |St| = 13 (5-12-13): 13 MVA on a 26 MVA rating.
  assert.equal(branchLoading(3, 4, 5, 12, 1, 26), 0.5);
  assert.equal(branchLoading(-5, -12, 3, 4, 1, 26), 0.5);
  // p.u. flows on a 100 MVA base: 0.13 p.u. = 13 MVA.
  assert.ok(Math.abs(branchLoading(0.03, 0.04, 0.05, 0.12, 100, 26) - 0.5) < 1e-15);
});

test('an overload counts above the rating, or, already overloaded, when worse by more than a point', () => {
  assert.equal(isOverloaded(1), false);
  assert.equal(isOverloaded(1 + LIMIT_TOL), false, 'the tolerance is not a violation');
  assert.equal(isOverloaded(1 + 2 * LIMIT_TOL), true);
  // Not overloaded in the base case: counts from 1.
  assert.equal(countingLoading(0.7), 1);
  assert.equal(overloadCounts(1.001, 0.7), true);
  assert.equal(overloadCounts(0.999, 0.7), false);
  // Already at 1.05: counts only beyond 1.05 + 0.01.
  assert.equal(countingLoading(1.05), 1.05 + LOADING_MARGIN);
  assert.equal(overloadCounts(1.055, 1.05), false);
  assert.equal(overloadCounts(1.06, 1.05), false, 'exactly one point worse is not more than a point');
  assert.equal(overloadCounts(1.0601, 1.05), true);
  // The one-threshold form the hot loops use is the spec's two-part rule, bit for bit.
  const spec = (L: number, L0: number) => L > 1 + 1e-9 && (!(L0 > 1 + 1e-9) || L > L0 + 0.01 + 1e-9);
  const values = [0, 0.5, 0.9, 1, 1 + 1e-9, 1 + 2e-9, 1.0000001, 1.2, 1.21, 1.21 + 1e-9, 1.2100001, 1.5, NaN];
  for (const L0 of values) for (const L of values) {
    assert.equal(overloadCounts(L, L0), spec(L, L0), `L ${L}, L0 ${L0}`);
    assert.equal(L > overloadThreshold(L0), spec(L, L0), `threshold: L ${L}, L0 ${L0}`);
  }
});

test('a voltage violation counts beyond the limit, or, already violated, when worse by more than 0.001 p.u.', () => {
  assert.equal(isViolation(0), false);
  assert.equal(isViolation(2e-9), true);
  // Vmax 1.05: 1.06 is 0.01 over.
  assert.equal(voltageCounts(1.06 - 1.05, 1.0 - 1.05), true);
  assert.equal(voltageCounts(1.0 - 1.05, 1.0 - 1.05), false);
  // The base case is 0.01 over already: counts beyond 0.011.
  assert.equal(voltageCounts(0.0105, 0.01), false);
  assert.equal(voltageCounts(0.0115, 0.01), true);
  const spec = (x: number, x0: number) => x > 1e-9 && (!(x0 > 1e-9) || x > x0 + 0.001 + 1e-9);
  const values = [-0.05, 0, 1e-9, 2e-9, 0.0005, 0.01, 0.011, 0.011 + 1e-9, 0.0111, NaN];
  for (const x0 of values) for (const x of values) {
    assert.equal(voltageCounts(x, x0), spec(x, x0), `x ${x}, x0 ${x0}`);
    assert.equal(x > excessThreshold(x0), spec(x, x0), `threshold: x ${x}, x0 ${x0}`);
  }
  assert.equal(countingVmax(1.06, 1.05), 1.06 + VOLTAGE_MARGIN);
  assert.equal(countingVmax(1.0, 1.05), 1.05);
  assert.equal(countingVmin(0.93, 0.95), 0.93 - VOLTAGE_MARGIN);
  assert.equal(countingVmin(1.0, 0.95), 0.95);
});

const withBranch = (c: Case, row: number, f: (r: number[]) => number[]): Case => ({ ...c, branch: c.branch.map((r, i) => (i === row - 1 ? f([...r]) : r)) });

test('a zero-impedance branch is refused before any solve, naming its row and buses', () => {
  const c = withBranch(loadCase('case9'), 2, (r) => { r[BR_R] = 0; r[BR_X] = 0; return r; });
  const refused = (e: unknown) => e instanceof NetworkError && /branch 2 \(4-5\) has zero impedance/.test(e.message) && e.at?.table === 'branch' && e.at.row === 2;
  assert.throws(() => compile(c), refused);
  assert.throws(() => runPowerFlow(c), refused);
  assert.throws(() => runPowerFlow(c, { dc: true }), refused);
  assert.throws(() => N1Engine.forCase(c), refused);
  // Out of service, it does not exist: the case solves.
  const off = withBranch(c, 2, (r) => { r[BR_STATUS] = 0; return r; });
  assert.doesNotThrow(() => compile(off));
});

test('a branch with resistance but no reactance solves in AC and is refused by the DC model', () => {
  const c = withBranch(loadCase('case9'), 2, (r) => { r[BR_R] = 0.01; r[BR_X] = 0; return r; });
  assert.equal(runPowerFlow(c).converged, true);
  assert.throws(() => runPowerFlow(c, { dc: true }), (e: Error) => e instanceof NetworkError && /branch 2 \(4-5\) has no reactance \(BR_X = 0\)/.test(e.message));
});

test('a base case whose network splits without a reference bus is refused, naming the island', () => {
  // case9: bus 3 (a generator) hangs on one transformer; out of service, bus 3 is alone.
  const base = loadCase('case9');
  const rowsAt = (bus: number) => base.branch.map((r, i) => (r[0] === bus || r[1] === bus ? i + 1 : 0)).filter(Boolean);
  let c = base;
  for (const row of rowsAt(3)) c = withBranch(c, row, (r) => { r[BR_STATUS] = 0; return r; });
  assert.throws(() => compile(c), (e: Error) => e instanceof NetworkError && /bus 3 is cut off without a reference bus/.test(e.message) && /BUS_TYPE 4/.test(e.message));
  assert.throws(() => runPowerFlow(c), /bus 3 is cut off without a reference bus/);
  // Marked isolated, the bus does not exist and the rest solves.
  const isolated: Case = { ...c, bus: c.bus.map((b) => (b[0] === 3 ? b.map((v, j) => (j === BUS_TYPE ? NONE : v)) : b)) };
  assert.equal(runPowerFlow(isolated).converged, true);
  // Several buses: case30 without the branches joining buses 25..30 to the rest.
  const c30 = loadCase('case30');
  const far = new Set([25, 26, 27, 29, 30]);
  const split: Case = { ...c30, branch: c30.branch.map((r) => (far.has(r[0]) !== far.has(r[1]) ? r.map((v, j) => (j === BR_STATUS ? 0 : v)) : r)) };
  assert.throws(() => compile(split), (e: Error) => /buses 25, 26, 27, 29, 30 form an island without a reference bus/.test(e.message));
});
