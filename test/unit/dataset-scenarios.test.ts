// Operating points a grid can reach: redispatch by headroom (hand-computed),
// correlated regional load variation, the load range over which a case's base
// case converges (bracketed by the levels it solved), the draws inside it
// re-drawn when they do not converge, and the defaults on every shipped case.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import type { Case } from '../../main/core/grid/case';
import { BUS_AREA, GEN_STATUS, PD, PG, PMAX, PMIN, QD, ZONE } from '../../main/core/grid/idx';
import { runPowerFlow } from '../../main/core/grid/powerflow';
import {
  applyScenario, defaultLevels, findLoadRange, levelScenario, LoadRangeError, loadRegions, randomScenario, redispatch, totalLoadMW,
} from '../../main/core/grid/scenarios';
import { Rng } from '../../main/core/learn/rng';
import { DatasetError, DRAWS_PER_SCENARIO, planScenarios } from '../../main/services/dataset';
import { CASES, loadCase } from '../helpers/shared';

function case9(): Case {
  const c = loadCase('case9');
  return { ...c, gen: c.gen.map((r) => r.slice()) };
}

test('redispatch: the load change shared by headroom among the units off the reference bus, within PMIN and PMAX', () => {
  // case9: 315 MW of load; gen 1 at the reference bus; gens 2 and 3 at 163 and 85 MW, PMAX 300 and 270, PMIN 10.
  const c = case9();
  assert.equal(totalLoadMW(c), 315);
  const up = redispatch(c, 415);
  assert.equal(up[0], 72.3, 'the reference bus is not redispatched (it covers the losses and the rest)');
  assert.ok(Math.abs(up[1] - (163 + (100 * 137) / 322)) < 1e-12 && Math.abs(up[2] - (85 + (100 * 185) / 322)) < 1e-12, `${up}`);
  const down = redispatch(c, 215);
  assert.ok(Math.abs(down[1] - (163 - (100 * 153) / 228)) < 1e-12 && Math.abs(down[2] - (85 - (100 * 75) / 228)) < 1e-12, `${down}`);
  assert.deepEqual(redispatch(c, 315 + 400), [72.3, 300, 270], 'beyond their room every unit stops at PMAX');
  assert.deepEqual(redispatch(c, 0), [72.3, 10, 10], 'and at PMIN');
  assert.deepEqual(redispatch(c, 315), [72.3, 163, 85]);
  const off = case9();
  off.gen[1][GEN_STATUS] = 0;
  const p = redispatch(off, 415);
  assert.equal(p[1], 163, 'an out-of-service unit keeps its value and offers no room');
  assert.equal(p[2], 185, 'the other takes the whole change (within its 185 MW of room)');
  const over = case9();
  over.gen[1][PG] = 320; // above PMAX: no room to go up, 310 MW to go down
  assert.equal(redispatch(over, 415)[1], 320);
  assert.ok(redispatch(over, 215)[1] < 320);
  for (const g of redispatch(loadCase('case_ACTIVSg2000'), 1.1 * totalLoadMW(loadCase('case_ACTIVSg2000'))).map((x, i) => [x, i])) {
    const r = loadCase('case_ACTIVSg2000').gen[g[1]];
    if (r[PG] <= r[PMAX] && r[PG] >= r[PMIN]) assert.ok(g[0] <= r[PMAX] + 1e-9 && g[0] >= r[PMIN] - 1e-9, `gen row ${g[1]}`);
  }
});

test('random scenarios: one factor per (area, zone) region, each bus its own on top; P and Q together; reproducible', () => {
  const c = loadCase('case_ACTIVSg2000');
  const { region, count } = loadRegions(c);
  const pairs = new Set(c.bus.map((r) => `${r[BUS_AREA]}/${r[ZONE]}`));
  assert.equal(count, pairs.size);
  assert.ok(count > 8, `${count} regions`);
  const o = { levelMin: 1.05, levelMax: 1.05, regionNoise: 0.1, noise: 0, dispatch: 'headroom' as const };
  const a = randomScenario(c, 1, new Rng(2), o);
  assert.deepEqual(a, randomScenario(c, 1, new Rng(2), o));
  const factor = new Map<number, number>();
  c.bus.forEach((r, i) => {
    if (r[PD] === 0) return;
    const f = a.pd[i] / r[PD];
    if (r[QD] !== 0) assert.ok(Math.abs(a.qd[i] / r[QD] - f) < 1e-12, 'power factor kept');
    const seen = factor.get(region[i]);
    if (seen === undefined) factor.set(region[i], f);
    else assert.ok(Math.abs(seen - f) < 1e-12, `bus row ${i}: the same factor as its region`);
  });
  const fs = [...factor.values()];
  assert.ok(Math.max(...fs) - Math.min(...fs) > 0.05, 'regions differ');
  const mean = fs.reduce((s, f) => s + f, 0) / fs.length;
  assert.ok(Math.abs(mean - 1.05) < 0.05, `mean regional factor ${mean}`);
  // With bus noise too, buses of one region differ.
  const b = randomScenario(c, 1, new Rng(2), { ...o, noise: 0.05 });
  const r0 = c.bus.map((r, i) => [r, i] as const).filter(([r, i]) => region[i] === 0 && r[PD] > 0).map(([r, i]) => b.pd[i] / r[PD]);
  assert.ok(new Set(r0.map((x) => x.toFixed(9))).size > 1);
  assert.deepEqual(applyScenario(c, b).gen.map((r) => r[PG]), b.pg);
  assert.deepEqual(b.pg, redispatch(c, b.totalLoadMW), 'generation follows by headroom');
});

test('the load range: continuation from the case level, the edges bracketed by a level that converged and one that did not', () => {
  for (const name of ['case300', 'case_ACTIVSg2000']) {
    const c = loadCase(name);
    const r = findLoadRange(c);
    assert.ok(r.min < 1 && r.max > 1, `${name}: [${r.min}, ${r.max}]`);
    assert.equal(r.probes[0].level, 1);
    const at = (l: number) => r.probes.find((p) => p.level === l);
    assert.equal(at(r.max)?.converged, true);
    for (const [edge, isBound, dir] of [[r.max, r.maxIsBound, 1], [r.min, r.minIsBound, -1]] as const) {
      if (isBound) continue;
      const fail = r.probes.filter((p) => !p.converged && (p.level - edge) * dir > 0 && Math.abs(p.level - edge) <= 0.005 + 1e-12);
      assert.ok(fail.length > 0, `${name}: a failing level within the tolerance beyond ${edge}`);
    }
    // The probes are what the dataset solves: the same power flow.
    const p = r.probes[r.probes.length - 1];
    assert.equal(runPowerFlow(applyScenario(c, levelScenario(c, 0, p.level))).converged, p.converged);
  }
  // case300 converges up to about 1.3 of its load (headroom dispatch), case_ACTIVSg2000 up to about 1.2.
  const r300 = findLoadRange(loadCase('case300'));
  assert.ok(r300.max > 1.2 && r300.max < 1.4 && r300.minIsBound, JSON.stringify(r300));
  // A case that converges everywhere stops at the search bounds, and says so.
  const r30 = findLoadRange(loadCase('case30'), { ceiling: 1.5, floor: 0.5 });
  assert.deepEqual([r30.min, r30.max, r30.minIsBound, r30.maxIsBound], [0.5, 1.5, true, true]);
  assert.deepEqual(defaultLevels(r30), { levelMin: 0.8, levelMax: 1.2 });
  assert.deepEqual(defaultLevels({ min: 0.42, max: 1.195 }), { levelMin: 0.8, levelMax: 1.195 });
  // No range around a case that does not converge at its own load.
  const c = loadCase('case300');
  const heavy: Case = { ...c, bus: c.bus.map((row) => { const o = row.slice(); o[PD] *= 1.5; o[QD] *= 1.5; return o; }) };
  assert.throws(() => findLoadRange(heavy), (e: unknown) => e instanceof LoadRangeError && /does not converge at its own load/.test(e.message) && !e.probe.converged);
  assert.throws(() => findLoadRange(c, { floor: 1.2 }), /0 < floor <= 1 <= ceiling/);
});

const plan = (c: Case, nRandom: number, randomLoad = {}) =>
  planScenarios(c, { randomLoad }, { nRandom, dispatch: 'headroom', hoursRng: new Rng(1), randomRng: new Rng(2) });

test('a random draw that does not converge is recorded and drawn again until the number asked for converges, up to a bound', () => {
  const c = loadCase('case300');
  // Levels 1.2-1.6 of case300: above about 1.3 nothing converges.
  const p = plan(c, 4, { levelMin: 1.2, levelMax: 1.6 });
  assert.equal(p.random!.produced, 4);
  assert.equal(p.ok.length, 4);
  assert.ok(p.skipped.length > 0, 'some draws fail');
  assert.equal(p.random!.drawn, 4 + p.skipped.length);
  for (const s of p.skipped) assert.match(s.reason!, /base case does not converge/);
  assert.deepEqual([...p.ok, ...p.skipped].map((s) => s.id).sort((a, b) => a - b), Array.from({ length: p.random!.drawn }, (_, i) => i + 1), 'every draw has its id');
  assert.equal(p.random!.levels, 'given');
  // Nothing converges at 2-3 times the load: the draws stop at the bound.
  assert.throws(() => plan(c, 3, { levelMin: 2, levelMax: 3 }), (e: unknown) => e instanceof DatasetError && /none of the 15 scenarios converges/.test(e.message));
  assert.equal(DRAWS_PER_SCENARIO * 3, 15);
});

test('the defaults produce the number of converged scenarios asked for on every shipped case', () => {
  const names = readdirSync(CASES).filter((f) => f.endsWith('.m') && !/^(contab|scenarios)_/.test(f)).map((f) => f.replace(/\.m$/, ''));
  assert.ok(names.length >= 18, names.join(' '));
  for (const name of names) {
    const p = plan(loadCase(name), 3);
    const r = p.loadRange!, q = p.random!;
    const what = `${name}: range [${r.min.toFixed(3)}, ${r.max.toFixed(3)}], levels ${q.levelMin.toFixed(3)}-${q.levelMax.toFixed(3)}, ${q.drawn} draws`;
    assert.equal(q.produced, 3, what);
    assert.equal(p.ok.length, 3);
    assert.equal(q.levels, 'range');
    assert.ok(q.levelMin >= r.min && q.levelMax <= r.max && q.levelMin <= 1 && q.levelMax >= 1);
    for (const s of p.ok) assert.ok(s.level! >= q.levelMin && s.level! <= q.levelMax, what);
  }
});
