// Scenarios, splits and samples of the surrogate's dataset: generation
// follows the load by hand-computed rules, hour picks and splits are
// reproducible from the seed with no scenario in two splits, and the graph
// samples change only what an outage changes.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Case } from '../../main/core/grid/case';
import { GEN_STATUS, PD, PG, PMAX, QD } from '../../main/core/grid/idx';
import { applyScenario, pickHours, randomScenario, rescaleGeneration, totalLoadMW } from '../../main/core/grid/scenarios';
import { EDGE_FEAT_DIM, NODE_FEAT_DIM, SPLIT_CODES, SurrogateSamples, fitNormaliser, labelLength, staticLength, type PackedDataset } from '../../main/core/learn/grid-data';
import { Rng } from '../../main/core/learn/rng';
import { splitScenarios, tableAsksForSwap } from '../../main/services/dataset';
import { loadCase } from '../helpers/shared';

function tiny(): Case {
  const c = loadCase('case9');
  return { ...c, gen: c.gen.map((r) => r.slice()) };
}

test('generation follows the load, capped at PMAX; the reference bus covers the rest', () => {
  const c = tiny();
  // case9: 315 MW of load; gens at 72.3 (ref), 163, 85 MW with PMAX 250, 300, 270.
  c.gen[2][PMAX] = 100;
  c.gen[1][GEN_STATUS] = 1;
  const L0 = totalLoadMW(c);
  assert.equal(L0, 315);
  const pg = rescaleGeneration(c, 1.5 * L0);
  assert.deepEqual(pg.map((p) => +p.toFixed(6)), [+(72.3 * 1.5).toFixed(6), 163 * 1.5, 100]); // the third is capped at 100
  const off = tiny();
  off.gen[1][GEN_STATUS] = 0;
  assert.equal(rescaleGeneration(off, 2 * L0)[1], off.gen[1][PG], 'an out-of-service unit keeps its value');
});

test('random scenarios scale P and Q of each bus by the same factor around the level; reproducible', () => {
  const c = loadCase('case30');
  const a = randomScenario(c, 1, new Rng(5), { levelMin: 1.2, levelMax: 1.2, regionNoise: 0, noise: 0.1, dispatch: 'proportional' });
  const b = randomScenario(c, 1, new Rng(5), { levelMin: 1.2, levelMax: 1.2, regionNoise: 0, noise: 0.1, dispatch: 'proportional' });
  assert.deepEqual(a, b);
  assert.equal(a.level, 1.2);
  let ratioSum = 0, n = 0;
  c.bus.forEach((r, i) => {
    if (r[PD] === 0) return assert.equal(a.pd[i], 0);
    const f = a.pd[i] / r[PD];
    if (r[QD] !== 0) assert.ok(Math.abs(a.qd[i] / r[QD] - f) < 1e-12, 'power factor kept');
    ratioSum += f; n++;
  });
  assert.ok(Math.abs(ratioSum / n - 1.2) < 0.1, `mean factor ${ratioSum / n}`);
  const applied = applyScenario(c, a);
  assert.ok(Math.abs(totalLoadMW(applied) - a.totalLoadMW) < 1e-9);
  assert.deepEqual(applied.gen.map((r) => r[PG]), a.pg);
  assert.throws(() => applyScenario(loadCase('case9'), a), /bus and .* gen values/);
});

test('hours: distinct, in table order, half among the peak, reproducible from the seed', () => {
  const hours = Array.from({ length: 1000 }, (_, i) => ({ label: i + 1, loadMW: 1000 + ((i * 7919) % 1000) }));
  const a = pickHours(hours, 40, new Rng(3)), b = pickHours(hours, 40, new Rng(3)), c = pickHours(hours, 40, new Rng(4));
  assert.deepEqual(a, b);
  assert.notDeepEqual(a, c);
  assert.equal(new Set(a).size, 40);
  assert.deepEqual([...a].sort((x, y) => x - y), a);
  const peakCut = [...hours].map((h) => h.loadMW).sort((x, y) => y - x)[99]; // top 10%
  const peak = a.filter((l) => hours[l - 1].loadMW >= peakCut).length;
  assert.ok(peak >= 20, `${peak} of 40 among the peak 10%`);
  assert.deepEqual(pickHours(hours.slice(0, 5), 10, new Rng(1)), [1, 2, 3, 4, 5]);
});

test('splits: every scenario in exactly one split, 3:1:1 within load blocks, reproducible from the seed', () => {
  const scen = Array.from({ length: 23 }, (_, i) => ({ id: i + 1, totalLoadMW: 500 + ((i * 37) % 23) * 10 }));
  const a = splitScenarios(scen, new Rng(9)), b = splitScenarios(scen, new Rng(9)), c = splitScenarios(scen, new Rng(10));
  assert.deepEqual([...a], [...b]);
  assert.notDeepEqual([...a], [...c]);
  assert.equal(a.size, 23);
  const count = (m: Map<number, string>, s: string) => [...m.values()].filter((x) => x === s).length;
  assert.deepEqual([count(a, 'train'), count(a, 'val'), count(a, 'test')], [4 * 3 + 1, 4 + 1, 4 + 1]); // 4 blocks of 5, then train, val, test
  // Each block of five by load holds one validation and one test scenario.
  const sorted = [...scen].sort((x, y) => x.totalLoadMW - y.totalLoadMW);
  for (let b0 = 0; b0 + 5 <= 20; b0 += 5) {
    const block = sorted.slice(b0, b0 + 5).map((s) => a.get(s.id));
    assert.equal(block.filter((x) => x === 'test').length, 1);
    assert.equal(block.filter((x) => x === 'val').length, 1);
  }
  const three = splitScenarios(scen.slice(0, 3), new Rng(1));
  assert.deepEqual([...three.values()].sort(), ['test', 'train', 'val']);
});

test("the scenario table's header asks for the area/zone swap", () => {
  assert.ok(tableAsksForSwap('%   for case_ACTIVSg200 for the year 2017. Requires swapping the BUS_AREA\n%   and ZONE columns in the BUS matrix'));
  assert.ok(!tableAsksForSwap('% zonal load changes'));
});

/** A 3-bus, 3-branch packed dataset: two scenarios, one sample each. */
function packed(): PackedDataset {
  const nb = 3, nl = 3;
  const SL = staticLength(nb, nl), LL = labelLength(nb, nl);
  const statics = new Float32Array(2 * SL);
  for (let i = 0; i < statics.length; i++) statics[i] = ((i * 13) % 7) / 7;
  // rated flag (column 6) on, loadings (7, 8) below 1; Vm 1, margins 0.1
  for (let s = 0; s < 2; s++) {
    for (let i = 0; i < nb; i++) { statics[s * SL + i * 12 + 4] = 1; statics[s * SL + i * 12 + 6] = 0.1; statics[s * SL + i * 12 + 7] = 0.1; }
    for (let k = 0; k < nl; k++) { const o = s * SL + nb * 12 + k * 14; statics[o + 6] = 1; statics[o + 7] = 0.5 + 0.1 * k; statics[o + 8] = 0.4; }
  }
  const labels = new Float32Array(2 * LL).fill(0.5);
  labels[1] = 1; labels[2] = 0; labels[LL + 1] = 0; labels[LL + 2] = 0;
  // sample 0: branch 0 out; branch 1 listed for its estimate only (0.63), branch 2 featured (dp 0.2, estimate 0.9)
  // sample 1: branch 1 out, nothing listed
  const rec = Float32Array.from([0, 2, 1, 0.03, 0.63, 0, 2, 0.2, 0.9, 1, 1, 0]);
  return {
    nb, nl, src: Int32Array.from([0, 1, 2]), dst: Int32Array.from([1, 2, 0]),
    scenarioIds: Int32Array.from([1, 2]), scenarioSplit: Uint8Array.from([0, 2]), statics,
    sampleScenario: Int32Array.from([0, 1]), sampleBranch: Int32Array.from([0, 1]), sampleSplit: Uint8Array.from([0, 2]),
    recPtr: Int32Array.from([0, 10, 12]), rec, labels,
  };
}

test('samples: normalised statics, the outage flags its end buses, removes its branch and moves only the listed branches', () => {
  const d = packed();
  const data = new SurrogateSamples(d, fitNormaliser(d));
  const g = data.sample(0), base = data.base(0);
  assert.equal(g.nodeFeat.length, 3 * NODE_FEAT_DIM);
  assert.equal(g.edgeFeat.length, 3 * EDGE_FEAT_DIM);
  for (const a of [g.nodeFeat, g.edgeFeat, g.edgeOffset!, g.nodeOffset!, g.edgeLimit!]) assert.ok(a.every(Number.isFinite));
  assert.deepEqual([...g.edgeMask!], [0, 1, 1]);
  // Ends of branch 0 are buses 0 and 1: flagged; bus 2 is not and keeps its base row.
  assert.equal(g.nodeFeat[0 * NODE_FEAT_DIM + 12], 1);
  assert.equal(g.nodeFeat[1 * NODE_FEAT_DIM + 12], 1);
  assert.deepEqual(g.nodeFeat.subarray(2 * NODE_FEAT_DIM, 3 * NODE_FEAT_DIM), base.nodeFeat.subarray(2 * NODE_FEAT_DIM, 3 * NODE_FEAT_DIM));
  // Branch 2 is featured: dp, estimate and flag; its offset is the estimate. Branch 1 keeps its base row; only its offset moves.
  const e2 = g.edgeFeat.subarray(2 * EDGE_FEAT_DIM, 3 * EDGE_FEAT_DIM);
  assert.deepEqual([e2[14], e2[15], e2[16], e2[17]].map((x) => +x.toFixed(6)), [0.2, 0.9, 1, -0.1]); // margin to a limit of 1
  assert.equal(+base.edgeFeat[2 * EDGE_FEAT_DIM + 17].toFixed(6), -0.3, 'base margin: 0.7 - 1');
  assert.ok(Math.abs(g.edgeOffset![2] - 0.9) < 1e-7);
  assert.deepEqual(g.edgeFeat.subarray(EDGE_FEAT_DIM, 2 * EDGE_FEAT_DIM), base.edgeFeat.subarray(EDGE_FEAT_DIM, 2 * EDGE_FEAT_DIM));
  assert.ok(Math.abs(g.edgeOffset![1] - 0.63) < 1e-6, 'the estimate of an estimate-only branch');
  assert.ok(Math.abs(base.edgeOffset![1] - 0.6) < 1e-6, 'base: the base loading max(loadF, loadT)');
  assert.ok(Math.abs(data.sample(1).edgeOffset![2] - 0.7) < 1e-6, 'unlisted: the base loading');
  assert.equal(g.edgeLimit![1], 1);
  // Targets: verdict and regression from the labels; split indices.
  assert.equal(g.targets.graph, 1);
  assert.equal(data.sample(1).targets.graph, 0);
  assert.deepEqual([...data.indices('train')], [0]);
  assert.deepEqual([...data.indices('test')], [1]);
  assert.deepEqual([...data.indices('val')], []);
  assert.equal(SPLIT_CODES[d.sampleSplit[1]], 'test');
  // Normalisation uses the training scenario only: its static columns have mean 0.
  const norm = fitNormaliser(d);
  const b0 = data.base(0);
  for (let f = 0; f < 12; f++) {
    let m = 0;
    for (let i = 0; i < 3; i++) m += b0.nodeFeat[i * NODE_FEAT_DIM + f];
    assert.ok(Math.abs(m / 3) < 1e-5 || norm.nodeStd[f] === 1, `node column ${f}`);
  }
});
