// The physics beside an explanation: for every outage of case30 (overloads,
// voltage violations and islands among them) the flow changes equal an
// independent power flow of the case with that branch out of service, the
// LODF is the DC screen's, and the overloads and voltage violations listed
// are exactly the ones the verdict counts.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { N1Engine } from '../../main/core/grid/contingency';
import { DcScreen } from '../../main/core/grid/lodf';
import { OutagePhysicsEngine } from '../../main/core/grid/outage-physics';
import { runPowerFlow } from '../../main/core/grid/powerflow';
import { BR_STATUS } from '../../main/core/grid/idx';
import { loadCase, loadReference } from '../helpers/shared';

test('outage physics of case30: flows, LODF, overloads and violations as the verdict counts them', () => {
  const c = loadCase('case30');
  const engine = N1Engine.forCase(c);
  const net = engine.net;
  const screen = new DcScreen(net);
  const phys = new OutagePhysicsEngine(engine, screen);
  const ref = loadReference('case30');
  const base = runPowerFlow(c);
  let overloads = 0, violations = 0, compared = 0;
  const col = new Float64Array(net.nl);
  for (let k = 0; k < net.nl; k++) {
    const row = net.branchRow[k] + 1;
    const p = phys.outage(k);
    const r = ref.contingencies.find((x) => x.branch === row)!;
    assert.equal(p.record.verdict, r.verdict, `branch ${row}`);
    assert.deepEqual(p.record, engine.branchOutage(row));
    assert.equal(p.overloaded.length, p.record.nOverloads, `branch ${row} overloads`);
    assert.equal(p.voltage.length, p.record.nVoltageViolations, `branch ${row} voltage violations`);
    assert.equal(p.overloaded.length ? net.branchRow[p.overloaded[0].k] + 1 : null, p.record.worstBranch, `branch ${row} worst`);
    for (const o of p.overloaded) assert.ok(o.loading > o.countsAbove && o.countsAbove >= 1);
    for (const v of p.voltage) assert.ok(v.kind === 'high' ? v.vm > v.limit : v.vm < v.limit);
    overloads += p.overloaded.length;
    violations += p.voltage.length;
    assert.ok(p.flowChange.every((f) => f.k !== k), 'the outaged branch is not listed');
    for (let i = 1; i < p.flowChange.length; i++) assert.ok(Math.abs(p.flowChange[i - 1].deltaMW) >= Math.abs(p.flowChange[i].deltaMW));
    for (const f of p.flowChange) assert.ok(Math.abs(f.preMW - base.pf[net.branchRow[f.k]]) < 1e-6, 'pre-outage flow is the base case');
    const bridge = !screen.lodfColumn(k, col);
    for (const f of p.flowChange) {
      if (bridge) assert.equal(f.lodf, null);
      else assert.equal(f.lodf, col[f.k]);
    }
    if (bridge || !p.record.converged) continue; // a bridge cuts buses off: the plain solver refuses the split case
    // An independent solve: the case with that branch out of service, from its own start point.
    const out = { ...c, branch: c.branch.map((b, i) => (i === row - 1 ? Object.assign(b.slice(), { [BR_STATUS]: 0 }) : b)) };
    const pf = runPowerFlow(out);
    assert.ok(pf.converged);
    assert.equal(p.flowChange.length, net.nl - 1);
    for (const f of p.flowChange) assert.ok(Math.abs(f.postMW - pf.pf[net.branchRow[f.k]]) < 1e-5, `branch ${row}: flow of row ${net.branchRow[f.k] + 1}`);
    compared++;
    // DC and AC agree on which way the largest change goes.
    const top = p.flowChange[0];
    assert.ok(top.dcDeltaMW !== null && Math.sign(top.dcDeltaMW) === Math.sign(top.deltaMW), `branch ${row}: AC ${top.deltaMW}, DC ${top.dcDeltaMW}`);
  }
  assert.ok(overloads > 0 && violations > 0 && compared > 30, `${overloads} overloads, ${violations} violations, ${compared} compared`);
});
