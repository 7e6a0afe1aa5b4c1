// N-1 engine properties beyond the reference files: DC-LODF exactness,
// generator outages, severity order, bad requests.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { N1Engine, ContingencyError, BaseCaseError } from '../../main/core/grid/contingency';
import { DcScreen } from '../../main/core/grid/lodf';
import { compile } from '../../main/core/grid/network';
import { dcPowerFlow } from '../../main/core/grid/dcpf';
import { BR_STATUS, BUS_TYPE, PD, PQ, PV, QD, GEN_STATUS, REF } from '../../main/core/grid/idx';
import { severity } from '../../main/core/grid/severity';
import { NEWTON_TOL } from '../../main/core/grid/limits';
import { VERDICTS } from '../../main/core/grid/contingency-types';
import type { Case } from '../../main/core/grid/case';
import { loadCase } from '../helpers/shared';

const without = (c: Case, row: number): Case => ({ ...c, branch: c.branch.map((r, i) => (i === row - 1 ? r.map((v, j) => (j === BR_STATUS ? 0 : v)) : r)) });

for (const name of ['case30', 'case118', 'case_ACTIVSg200', 'case300']) {
  test(`${name}: DC-LODF post-outage flows equal a DC power flow with the branch removed (1e-8)`, () => {
    const c = loadCase(name);
    const net = compile(c);
    const s = new DcScreen(net);
    const fl = new Float64Array(net.nl);
    let checked = 0;
    for (let k = 0; k < net.nl; k += Math.max(1, Math.floor(net.nl / 60))) {
      const row = net.branchRow[k] + 1;
      const active = s.outageFlows(k, fl);
      if (active) {
        // Islanded: the main island's DC flows, with the cut side's injections dropped.
        const c3: Case = { ...without(c, row), bus: c.bus.map((b, i) => (active[net.busIndex.get(b[0])!] ? b : b.map((v, j) => (j === 1 ? 4 : v)))) };
        const net3 = compile(c3);
        const d3 = dcPowerFlow(net3);
        // Lost generation at cut buses is taken up by the reference bus: same as dropping it.
        for (let l = 0; l < net3.nl; l++) assert.ok(Math.abs(d3.Pf[l] - fl[net.branchOfRow[net3.branchRow[l]]]) < 1e-8, `${name} bridge ${row}`);
      } else {
        const net2 = compile(without(c, row));
        const d = dcPowerFlow(net2);
        for (let l = 0; l < net2.nl; l++) assert.ok(Math.abs(d.Pf[l] - fl[net.branchOfRow[net2.branchRow[l]]]) < 1e-8, `${name} outage ${row}`);
      }
      checked++;
    }
    assert.ok(checked > 5);
  });
}

test('LODF column: the outaged branch gets -1 and bridges are refused', () => {
  const net = compile(loadCase('case118'));
  const s = new DcScreen(net);
  const col = new Float64Array(net.nl);
  const k = s.isBridge.indexOf(0);
  assert.ok(s.lodfColumn(k, col));
  assert.equal(col[k], -1);
  const b = s.isBridge.indexOf(1);
  assert.ok(b >= 0);
  assert.equal(s.lodfColumn(b, col), false);
});

test('generator outages: the reference bus picks up the lost output', () => {
  const c = loadCase('case30');
  const e = N1Engine.forCase(c);
  const gens = e.defaultGens();
  assert.equal(gens.length, c.gen.filter((g) => g[GEN_STATUS] > 0).length);
  for (const g of gens) {
    const r = e.genOutage(g);
    assert.equal(r.gen, g);
    assert.equal(r.branch, undefined);
    assert.ok(VERDICTS.includes(r.verdict));
    assert.ok(Number.isFinite(r.severity));
  }
  // Losing the reference bus's only generator moves the reference elsewhere; still solved.
  const refBus = c.bus.find((b) => b[BUS_TYPE] === REF)![0];
  const atRef = gens.filter((g) => c.gen[g - 1][0] === refBus);
  assert.equal(atRef.length, 1, 'case30 has one generator at its reference bus');
  const refGen = atRef[0];
  const r = e.genOutage(refGen);
  assert.equal(r.converged, true);
  assert.equal(r.islanded, false);
  assert.ok(r.verdict !== 'diverged' && r.verdict !== 'islanded', r.verdict);
  assert.ok(r.iterations > 0 && r.mismatch < NEWTON_TOL, `${r.iterations} iterations, mismatch ${r.mismatch}`);
  // The state it solved is the base case of the case without that generator, its bus PQ and the
  // first PV bus (bus 2) the reference.
  const pv = c.bus.find((b) => b[BUS_TYPE] === PV)![0];
  assert.equal(pv, 2);
  const moved: Case = {
    ...c,
    gen: c.gen.map((g, i) => (i === refGen - 1 ? g.map((v, j) => (j === GEN_STATUS ? 0 : v)) : g)),
    bus: c.bus.map((b) => (b[0] === refBus ? b.map((v, j) => (j === BUS_TYPE ? PQ : v)) : b[0] === pv ? b.map((v, j) => (j === BUS_TYPE ? REF : v)) : b)),
  };
  const m = N1Engine.forCase(moved).base;
  assert.ok(Math.abs(r.minVm - Math.min(...m.Vm)) < 1e-6, `minVm ${r.minVm} vs ${Math.min(...m.Vm)}`);
  assert.ok(Math.abs(r.maxVm - Math.max(...m.Vm)) < 1e-6, `maxVm ${r.maxVm} vs ${Math.max(...m.Vm)}`);
  assert.ok(Math.abs(r.maxLoading - m.maxLoading) < 1e-6, `maxLoading ${r.maxLoading} vs ${m.maxLoading}`);
});

test('distributed slack shares a generator outage among the others', () => {
  const c = loadCase('case118');
  const a = N1Engine.forCase(c).genOutage(5);
  const b = N1Engine.forCase(c, { slack: 'distributed' }).genOutage(5);
  assert.ok(a.converged && b.converged);
  assert.notEqual(a.maxVm + a.minVm, b.maxVm + b.minVm);
});

test('unknown and out-of-service elements are clear errors', () => {
  const c = loadCase('case14');
  const e = N1Engine.forCase(c);
  assert.throws(() => e.branchOutage(21), (err: Error) => err instanceof ContingencyError && /branch 21 does not exist: the case has 20 branches/.test(err.message));
  assert.throws(() => e.branchOutage(0), ContingencyError);
  assert.throws(() => e.genOutage(99), /generator 99 does not exist/);
  const off = N1Engine.forCase(without(c, 3));
  assert.throws(() => off.branchOutage(3), /out of service/);
});

test('a base case that does not converge is refused with its mismatch', () => {
  const c = loadCase('case14');
  const heavy: Case = { ...c, bus: c.bus.map((row) => row.map((v, j) => (j === PD || j === QD ? v * 8 : v))) };
  assert.throws(() => N1Engine.forCase(heavy), (err: Error) => err instanceof BaseCaseError && /does not converge/.test(err.message) && /mismatch/.test(err.message));
});

test('severity keeps verdict classes apart and grows within them', () => {
  const s = (verdict: (typeof VERDICTS)[number], o = 0, v = 0, lost = 0, L = 0) => severity({ verdict, maxLoading: L, overloadExcess: o, voltageExcess: v, lostFraction: lost });
  assert.ok(s('diverged') >= s('islanded', 0, 0, 0.99));
  assert.ok(s('islanded', 0, 0, 0.01) > s('overload', 10));
  assert.ok(s('overload', 0.01) > s('secure', 0, 0, 0, 0.99));
  assert.ok(s('overload', 0.5) > s('overload', 0.1));
  assert.ok(s('voltage', 0, 0.02) > s('voltage', 0, 0.01));
  assert.ok(s('secure', 0, 0, 0, 0.9) > s('secure', 0, 0, 0, 0.5));
});
