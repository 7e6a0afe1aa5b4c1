// The report's pure parts on small hand-made inputs: ranking, the counts by
// violation type, the cross-reference, run comparison, the agreement matrix,
// which contingencies are solved again, the map's fit, and units on values.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ContingencyRecord, Verdict } from '../../main/core/grid/contingency-types';
import { agreement, compareRuns, crossReference, rankContingencies, summarise } from '../../main/core/report/summary';
import { mapPicture, mapSvg } from '../../main/core/report/map-picture';
import { formatValue } from '../../main/core/report/tables';
import type { ContingencyDetail } from '../../main/core/report/types';
import { pickDetailed } from '../../main/services/report';

function rec(branch: number, verdict: Verdict, severity: number, extra: Partial<ContingencyRecord> = {}): ContingencyRecord {
  return {
    branch, from: branch, to: branch + 1, verdict, converged: verdict !== 'diverged', iterations: 3, islanded: verdict === 'islanded', cutBuses: 0,
    lostLoadMW: 0, lostGenMW: 0, maxLoading: 0.5, nOverloads: 0, worstBranch: null, minVm: 0.95, maxVm: 1.05, nVoltageViolations: 0, mismatch: 0, severity, ...extra,
  };
}

const records = [
  rec(1, 'secure', 0.5), rec(2, 'overload', 2, { nOverloads: 2, worstBranch: 7 }), rec(3, 'islanded', 30, { lostLoadMW: 12 }), rec(4, 'voltage', 1.5, { nVoltageViolations: 1 }),
  rec(5, 'islanded', 25, { lostGenMW: 40 }), rec(6, 'diverged', 100), rec(7, 'overload', 1.2, { nOverloads: 1, worstBranch: 9 }), rec(8, 'overload+voltage', 3, { nOverloads: 1, worstBranch: 7, nVoltageViolations: 2 }),
];
const rows = rankContingencies(records, 'branch');

const bv = (branch: number, loading: number) => ({ branch, from: branch, to: branch + 1, flowMVA: loading * 100, rateMVA: 100, loading, baseLoading: 0.8, change: loading - 0.8 });
const details: ContingencyDetail[] = [
  { element: 8, label: 'branch 8 (8-9)', verdict: 'overload+voltage', overloads: [bv(7, 1.2)], voltages: [{ bus: 3, kind: 'low', vm: 0.93, limit: 0.94, baseVm: 0.95 }, { bus: 4, kind: 'high', vm: 1.07, limit: 1.06, baseVm: 1.05 }], lostLoadMW: 0, lostGenMW: 0, cutBuses: 0 },
  { element: 2, label: 'branch 2 (2-3)', verdict: 'overload', overloads: [bv(7, 1.4), bv(9, 1.05)], voltages: [], lostLoadMW: 0, lostGenMW: 0, cutBuses: 0 },
];

test('ranking: worst first, numbered from 1, labelled', () => {
  assert.deepEqual(rows.map((r) => r.element), [6, 3, 5, 8, 2, 4, 7, 1]);
  assert.deepEqual(rows.map((r) => r.rank), [1, 2, 3, 4, 5, 6, 7, 8]);
  assert.equal(rows[0].label, 'branch 6 (6-7)');
  assert.equal(rankContingencies([{ ...rec(1, 'secure', 0.2), branch: undefined, gen: 3, from: 5, to: 5 }], 'gen')[0].label, 'gen 3 (bus 5)');
});

test('summary: by verdict, by violation type (low and high voltage from the violations solved again)', () => {
  const s = summarise(rows, details);
  assert.equal(s.insecure, 7);
  assert.equal(s.secure, 1);
  assert.deepEqual(s.byType, { thermal: 3, lowVoltage: 1, highVoltage: 1, islandedWithLostLoad: 1, islandedGenerationOnly: 1, notConverged: 1, voltageUnclassified: 1 });
});

test('cross-reference: each overloaded branch with the contingencies that overload it, worst first', () => {
  const x = crossReference(details, rows);
  assert.deepEqual(x.map((r) => [r.branch, r.contingencies.map((c) => [c.element, c.loading]), r.alsoWorstOf]), [
    [7, [[2, 1.4], [8, 1.2]], 0],
    [9, [[2, 1.05]], 1], // branch 7's outage (not solved again) has branch 9 as its worst overload
  ]);
});

test('comparison: new, resolved and worsened', () => {
  const before = rankContingencies([rec(1, 'overload', 1.5), rec(2, 'overload', 1.1), rec(3, 'islanded', 30, { lostLoadMW: 12 }), rec(4, 'secure', 0.9), rec(9, 'voltage', 1.2)], 'branch');
  const c = compareRuns(rows, before, 7, 't', true);
  assert.deepEqual(c.added.map((x) => x.element).sort(), [4, 5, 6, 7, 8]);
  assert.deepEqual(c.resolved.map((x) => x.element).sort(), [1, 9]);
  assert.equal(c.resolved.find((x) => x.element === 9)!.after, 'not computed in this run');
  assert.deepEqual(c.worsened.map((x) => x.element), [2]);
  assert.match(c.worsened[0].what, /severity 1\.100 to 2\.000/);
});

test('agreement: the binary confusion matrix on the outages both judged', () => {
  const exact = new Map([[1, true], [2, true], [3, false], [4, false], [5, true]]);
  const sur = new Map([[1, true], [2, false], [3, true], [4, false]]);
  assert.deepEqual(agreement(exact, sur), { bothInsecure: 1, missed: 1, falseAlarms: 1, bothSecure: 1, compared: 4, accuracy: 0.5, recall: 0.5 });
});

test('solved again: the worst of each insecure verdict first, then the next worst, in rank order', () => {
  const picked = pickDetailed(rows, 4).map((r) => r.element);
  // five insecure verdicts, 4 slots: 0 each, then by rank
  assert.deepEqual(picked, [6, 3, 5, 8]);
  assert.deepEqual(pickDetailed(rows, 10).map((r) => r.element), [6, 3, 5, 8, 2, 4, 7]);
  const many = rankContingencies([...Array.from({ length: 6 }, (_, i) => rec(i + 1, 'islanded', 30 - i)), rec(20, 'overload', 2)], 'branch');
  assert.deepEqual(pickDetailed(many, 4).map((r) => r.element), [1, 2, 3, 20], 'the overload is not crowded out by the islands');
});

test('map picture: fitted into the frame, the outage drawn last, an SVG without external references', () => {
  const xy = Float64Array.from([0, 0, 10, 0, 10, 5]);
  const p = mapPicture({
    xy, branchFrom: Int32Array.from([0, 1, 0]), branchTo: Int32Array.from([1, 2, 2]), inService: Uint8Array.from([1, 1, 1]),
    loading: Float64Array.from([NaN, 1.2, 0.5]), overloaded: Uint8Array.from([0, 1, 0]), violatedBus: Uint8Array.from([0, 0, 1]),
    outagedRow: 0, outage: { element: 1, label: 'branch 1 (1-2)', verdict: 'overload' }, source: 'test',
  }, 200, 100, 0);
  assert.deepEqual(p.buses.map((b) => [b.x, b.y]), [[0, 0], [200, 0], [200, 100]]);
  assert.deepEqual(p.branches.map((b) => [b.outaged, b.overloaded]), [[false, false], [false, true], [true, false]]);
  const svg = mapSvg(p);
  assert.match(svg, /stroke-dasharray/);
  assert.match(svg, /#d92d20/); // the overload in the >100 % band
  assert.doesNotMatch(svg, /https?:|href|src=/);
});

test('values carry their units', () => {
  assert.equal(formatValue({ header: 'loading', kind: 'pct' }, 1.2346), '123.5 %');
  assert.equal(formatValue({ header: 'flow', kind: 'mw', unit: 'MVA' }, 34.81), '34.8 MVA');
  assert.equal(formatValue({ header: 'lost', kind: 'mw', unit: 'MW' }, 3), '3.0 MW');
  assert.equal(formatValue({ header: 'V', kind: 'pu' }, 0.95), '0.9500 p.u.');
  assert.equal(formatValue({ header: 'change', kind: 'pp' }, 0.373), '+37.3 pp');
  assert.equal(formatValue({ header: 'V', kind: 'pu' }, null), '–');
});
