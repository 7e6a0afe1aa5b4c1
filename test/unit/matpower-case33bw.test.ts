// case33bw, MATPOWER's Baran & Wu feeder, whose data are in Ohms and kW and
// converted by statements after the matrices: read, converted and solved, it
// equals MATPOWER 8's own power flow of it (../shared/reference/case33bw.pf.json,
// base power flow only: the .pf.json fields are flat, unlike .n1.json's `base`).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseMatpower, writeMatpower } from '../../main/core/grid/matpower';
import { runPowerFlow } from '../../main/core/grid/powerflow';
import { BUS_I } from '../../main/core/grid/idx';
import { REFERENCE, caseText, maxAbsDiff } from '../helpers/shared';

interface PfReference {
  case: string; success: boolean; iterations: number; bus_i: number[]; vm: number[]; va: number[];
  pf: number[]; qf: number[]; pt: number[]; qt: number[]; dcva: number[]; dcpf: number[];
}

const ref: PfReference = JSON.parse(readFileSync(join(REFERENCE, 'case33bw.pf.json'), 'utf8'));
const c = parseMatpower(caseText('case33bw'), 'case33bw.m');

test('case33bw: AC power flow equals MATPOWER (voltages 1e-6 p.u., angles 1e-4 deg, flows 1e-4 MW, same iterations)', () => {
  assert.equal(ref.case, 'case33bw');
  assert.deepEqual(c.bus.map((r) => r[BUS_I]), ref.bus_i);
  const r = runPowerFlow(c);
  assert.equal(r.converged, ref.success);
  assert.equal(r.iterations, ref.iterations);
  assert.ok(r.mismatch < 1e-8);
  assert.ok(maxAbsDiff(r.vm, ref.vm) < 1e-6, `vm ${maxAbsDiff(r.vm, ref.vm)}`);
  assert.ok(maxAbsDiff(r.va, ref.va) < 1e-4, `va ${maxAbsDiff(r.va, ref.va)}`);
  for (const k of ['pf', 'qf', 'pt', 'qt'] as const) assert.ok(maxAbsDiff(r[k], ref[k]) < 1e-4, k);
});

test('case33bw: DC power flow equals MATPOWER', () => {
  const r = runPowerFlow(c, { dc: true });
  assert.ok(maxAbsDiff(r.va, ref.dcva) < 1e-4, 'dc va');
  assert.ok(maxAbsDiff(r.pf, ref.dcpf) < 1e-4, 'dc pf');
});

test('case33bw: the exported case is in MATPOWER units, notes the statements, and solves the same', () => {
  const text = writeMatpower(c);
  assert.match(text, /\n%@ mpc\.bus\(:, \[PD, QD\]\) = mpc\.bus\(:, \[PD, QD\]\) \/ 1e3;\n/);
  assert.match(text, /\n\t2\t1\t0\.1\t0\.06\t0\t0\t1\t1\t0\t12\.66\t1\t1\.1\t0\.9;\n/); // 100 kW, 60 kVAr in MW
  const back = parseMatpower(text, 'case33bw.m');
  assert.deepStrictEqual(back, c);
  const r = runPowerFlow(back);
  assert.equal(r.iterations, ref.iterations);
  assert.ok(maxAbsDiff(r.vm, ref.vm) < 1e-6);
});
