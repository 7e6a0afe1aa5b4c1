// Every shipped case converges from its own start point; non-convergence and
// singular Jacobians are reported, never dressed up as answers.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runPowerFlow } from '../../main/core/grid/powerflow';
import { compile } from '../../main/core/grid/network';
import { AcSolver, makeSbus, startPoint, wrapAngle } from '../../main/core/grid/acpf';
import { loadCase, caseNames } from '../helpers/shared';
import { PD, QD, BR_X, BR_R, BR_STATUS, QMAX, QMIN, GEN_STATUS } from '../../main/core/grid/idx';
import type { Case } from '../../main/core/grid/case';

const big = new Set(['case9241pegase']);

for (const name of caseNames()) {
  test(`${name} converges from its own start point`, { skip: big.has(name) && process.env.GRIDREWIRE_QUICK ? 'quick run' : false }, () => {
    const r = runPowerFlow(loadCase(name));
    assert.equal(r.converged, true, `${name}: ${r.status} after ${r.iterations}, mismatch ${r.mismatch}`);
    assert.ok(r.mismatch < 1e-8);
    assert.ok(r.iterations <= 10);
    for (const v of r.vm) assert.ok(Number.isFinite(v));
  });
}

function scaleLoad(c: Case, k: number): Case {
  return { ...c, bus: c.bus.map((row) => row.map((v, j) => (j === PD || j === QD ? v * k : v))) };
}

test('an overloaded system reports non-convergence with its final mismatch', () => {
  const r = runPowerFlow(scaleLoad(loadCase('case14'), 8));
  assert.equal(r.converged, false);
  assert.ok(r.status === 'max-iterations' || r.status === 'singular' || r.status === 'non-finite');
  assert.ok(r.mismatch > 1e-8);
  assert.ok(r.iterations <= 10);
});

test('a singular Jacobian is reported as singular, not as NaN voltages', () => {
  // Two buses joined by a branch of zero impedance and no admittance anywhere
  // else: the network equations have no unique solution.
  const c = loadCase('case5');
  const bad: Case = { ...c, branch: c.branch.map((row) => row.map((v, j) => (j === BR_X || j === BR_R ? 1e300 : v))) };
  const r = runPowerFlow(bad);
  assert.equal(r.converged, false);
  assert.ok(['singular', 'non-finite', 'max-iterations'].includes(r.status), r.status);
  assert.ok(!Number.isNaN(r.mismatch));
});

test('the solver is reusable: a second solve from the solution converges in zero iterations', () => {
  const net = compile(loadCase('case118'));
  const s = new AcSolver(net);
  const { Pbus, Qbus } = makeSbus(net);
  const sp = startPoint(net);
  const r1 = s.solve({ Vm: sp.Vm, Va: sp.Va, Pbus, Qbus });
  const r2 = s.solve({ Vm: r1.Vm, Va: r1.Va, Pbus, Qbus });
  assert.equal(r2.iterations, 0);
  assert.ok(r2.converged);
});

test('out-of-service branches carry no flow and do not change the solution of the rest', () => {
  const c = loadCase('case30');
  const off: Case = { ...c, branch: c.branch.map((row, i) => (i === 4 ? row.map((v, j) => (j === BR_STATUS ? 0 : v)) : row)) };
  const r = runPowerFlow(off);
  assert.ok(r.converged);
  assert.equal(r.pf[4], 0); assert.equal(r.qt[4], 0);
});

test('enforcing Q limits keeps every generator within its reactive range', () => {
  for (const name of ['case30', 'case118', 'case300']) {
    const c = loadCase(name);
    const free = runPowerFlow(c);
    const r = runPowerFlow(c, { enforceQLimits: true });
    assert.ok(r.converged, name);
    const violatedBefore = c.gen.some((g, k) => g[GEN_STATUS] > 0 && (free.qg[k] > g[QMAX] + 1e-6 || free.qg[k] < g[QMIN] - 1e-6));
    if (violatedBefore) assert.ok(r.qLimited.length > 0, `${name} had violations, none were fixed`);
    c.gen.forEach((g, k) => {
      if (g[GEN_STATUS] <= 0) return;
      assert.ok(r.qg[k] <= g[QMAX] + 1e-6 && r.qg[k] >= g[QMIN] - 1e-6, `${name} gen ${k + 1}: ${r.qg[k]} not in [${g[QMIN]}, ${g[QMAX]}]`);
    });
  }
});

test('wrapAngle maps to (-pi, pi]', () => {
  assert.equal(wrapAngle(Math.PI), Math.PI);
  assert.ok(Math.abs(wrapAngle(3 * Math.PI) - Math.PI) < 1e-12);
  assert.ok(Math.abs(wrapAngle(-Math.PI) - Math.PI) < 1e-12);
  assert.ok(Math.abs(wrapAngle(7) - (7 - 2 * Math.PI)) < 1e-12);
});
