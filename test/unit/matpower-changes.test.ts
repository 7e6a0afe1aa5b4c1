// Change tables: idx_ct codes, parsing, applyChanges on hand-computed
// examples (MATPOWER apply_changes / scale_load semantics), the ACTIVSg200
// scenario table, and contingency tables read as outage lists.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { Case, ChangeTable } from '../../main/core/grid/case';
import {
  parseMatpower, parseChangeTable, applyChanges, swapAreaZone, changeLabels, contingenciesFromTable,
  ChangeTableError,
  CT_LABEL, CT_PROB, CT_TABLE, CT_ROW, CT_COL, CT_CHGTYPE, CT_NEWVAL,
  CT_TBUS, CT_TGEN, CT_TBRCH, CT_TAREABUS, CT_TAREAGEN, CT_TAREABRCH, CT_TLOAD, CT_TAREALOAD,
  CT_TGENCOST, CT_TAREAGENCOST, CT_REP, CT_REL, CT_ADD,
  CT_LOAD_ALL_PQ, CT_LOAD_FIX_PQ, CT_LOAD_DIS_PQ, CT_LOAD_ALL_P, CT_LOAD_FIX_P, CT_LOAD_DIS_P,
  CT_MODCOST_F, CT_MODCOST_X,
} from '../../main/core/grid/matpower';
import { PD, QD, GS, VMAX, BUS_AREA, ZONE, PG, QG, QMAX, QMIN, PMAX, PMIN, GEN_STATUS, RATE_A, BR_STATUS } from '../../main/core/grid/idx';

const CASES = '/work/shared/cases/';

test('idx_ct codes are those of MATPOWER lib/idx_ct.m', () => {
  assert.deepEqual([CT_LABEL, CT_PROB, CT_TABLE, CT_ROW, CT_COL, CT_CHGTYPE, CT_NEWVAL], [1, 2, 3, 4, 5, 6, 7]);
  assert.deepEqual([CT_TBUS, CT_TGEN, CT_TBRCH, CT_TAREABUS, CT_TAREAGEN, CT_TAREABRCH, CT_TLOAD, CT_TAREALOAD,
    CT_TGENCOST, CT_TAREAGENCOST], [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  assert.deepEqual([CT_REP, CT_REL, CT_ADD], [1, 2, 3]);
  assert.deepEqual([CT_LOAD_ALL_PQ, CT_LOAD_FIX_PQ, CT_LOAD_DIS_PQ, CT_LOAD_ALL_P, CT_LOAD_FIX_P, CT_LOAD_DIS_P],
    [1, 2, 3, 4, 5, 6]);
  assert.deepEqual([CT_MODCOST_F, CT_MODCOST_X], [-1, -2]);
});

// Four buses in two areas; gen row 3 is a dispatchable load (PMIN < 0, PMAX = 0)
// in area 2, gen row 4 one that is out of service.
const SMALL = `function mpc = small4
mpc.version = '2';
mpc.baseMVA = 100;
mpc.bus = [
	1	3	0	0	0	0	1	1	0	345	1	1.1	0.9;
	2	1	100	40	0	0	1	1	0	345	2	1.1	0.9;
	3	2	50	10	0	0	2	1	0	345	2	1.1	0.9;
	4	1	30	20	0	5	2	1	0	345	1	1.1	0.9;
];
mpc.gen = [
	1	100	0	300	-300	1	100	1	250	10;
	3	50	0	300	-300	1	100	1	200	0;
	4	-20	-5	0	-10	1	100	1	0	-20;
	2	-10	0	0	0	1	100	0	0	-10;
];
mpc.branch = [
	1	2	0.01	0.1	0	100	100	100	0	0	1;
	2	3	0.01	0.1	0	100	100	100	0	0	1;
	3	4	0.01	0.1	0	100	100	100	0	0	1;
	1	4	0.01	0.1	0	100	100	100	0	0	1;
];
`;

const small = (): Case => parseMatpower(SMALL, 'small4.m');

/** A change table from `label prob table row col chgtype newval` lines, names allowed. */
const table = (rows: string): ChangeTable => parseChangeTable(`function chgtab = t\ndefine_constants;\nchgtab = [\n${rows}\n];\n`, 't.m');

/** Apply one change set written as table rows (label 1). */
const apply = (c: Case, rows: string): Case => applyChanges(c, table(rows), 1);

const col = (m: number[][], k: number) => m.map((r) => r[k]);

test('parseChangeTable reads names through define_constants', () => {
  const t = table('1 0.1 CT_TGEN 2 GEN_STATUS CT_REP 0\n2 0.05 CT_TGEN 3 PMAX CT_REP 100\n' +
    '3 0.2 CT_TBRCH 2 BR_STATUS CT_REP 0\n4 0.1 CT_TAREALOAD 2 CT_LOAD_ALL_P CT_REL 1.1');
  assert.equal(t.name, 't');
  assert.deepEqual(t.rows, [
    { label: 1, prob: 0.1, table: 2, row: 2, col: 8, chgtype: 1, newval: 0 },
    { label: 2, prob: 0.05, table: 2, row: 3, col: 9, chgtype: 1, newval: 100 },
    { label: 3, prob: 0.2, table: 3, row: 2, col: 11, chgtype: 1, newval: 0 },
    { label: 4, prob: 0.1, table: 8, row: 2, col: 4, chgtype: 2, newval: 1.1 },
  ]);
});

test('changeLabels: distinct labels in order of first appearance', () => {
  const t = table('3 0 CT_TBUS 1 PD CT_REP 1\n1 0 CT_TBUS 1 PD CT_REP 1\n3 0 CT_TBUS 2 PD CT_REP 1\n2 0 CT_TBUS 1 PD CT_REP 1\n1 0 CT_TBUS 1 PD CT_REP 1');
  assert.deepEqual(changeLabels(t), [3, 1, 2]);
});

test('bus, gen and branch rows: replace, scale, add; row 0 means all rows', () => {
  const c = small();
  assert.deepEqual(col(apply(c, '1 0 CT_TBUS 2 PD CT_REP 120').bus, PD), [0, 120, 50, 30]);
  assert.deepEqual(col(apply(c, '1 0 CT_TBUS 0 QD CT_REL 2').bus, QD), [0, 80, 20, 40]);
  assert.deepEqual(col(apply(c, '1 0 CT_TBUS 3 GS CT_ADD 1.5').bus, GS), [0, 0, 1.5, 0]);
  assert.deepEqual(col(apply(c, '1 0 CT_TGEN 2 PMAX CT_REL 0.5').gen, PMAX), [250, 100, 0, 0]);
  assert.deepEqual(col(apply(c, '1 0 CT_TGEN 1 GEN_STATUS CT_REP 0').gen, GEN_STATUS), [0, 1, 1, 0]);
  assert.deepEqual(col(apply(c, '1 0 CT_TBRCH 3 BR_STATUS CT_REP 0').branch, BR_STATUS), [1, 1, 0, 1]);
  assert.deepEqual(col(apply(c, '1 0 CT_TBRCH 0 RATE_A CT_REL 1.2').branch, RATE_A), [120, 120, 120, 120]);
});

test('the rows of one change set apply in table order; other labels are ignored', () => {
  const t = table('1 0 CT_TBUS 2 PD CT_REP 10\n2 0 CT_TBUS 2 PD CT_REP 999\n1 0 CT_TBUS 2 PD CT_REL 3\n1 0 CT_TBUS 2 PD CT_ADD 1');
  assert.equal(applyChanges(small(), t, 1).bus[1][PD], 31);   // (10 * 3) + 1
  assert.equal(applyChanges(small(), t, 2).bus[1][PD], 999);
});

test('area-wide bus, gen and branch changes select by BUS_AREA', () => {
  const c = small();
  assert.deepEqual(col(apply(c, '1 0 CT_TAREABUS 2 VMAX CT_REP 1.05').bus, VMAX), [1.1, 1.1, 1.05, 1.05]);
  // Gens at buses 3 and 4 (area 2) only.
  assert.deepEqual(col(apply(c, '1 0 CT_TAREAGEN 2 PMAX CT_ADD 10').gen, PMAX), [250, 210, 10, 0]);
  // Branches with either end in area 2: 2-3, 3-4, 1-4.
  assert.deepEqual(col(apply(c, '1 0 CT_TAREABRCH 2 BR_STATUS CT_REP 0').branch, BR_STATUS), [1, 0, 0, 0]);
});

test('a change past the last column widens the matrix with zeros, as MATLAB does', () => {
  const out = apply(small(), '1 0 CT_TGEN 1 RAMP_AGC CT_REP 5');
  for (const g of out.gen) assert.equal(g.length, 17);
  assert.equal(out.gen[0][16], 5);
  assert.equal(out.gen[1][16], 0);
});

test('area load scaling (scale_load): fixed and dispatchable, P only or P and Q', () => {
  const c = small();
  // Area 2: fixed PD 50 + 30 = 80, dispatchable (gen row 3) 20, total 100.
  let o = apply(c, '1 0 CT_TAREALOAD 2 CT_LOAD_ALL_P CT_REP 150'); // factor 1.5
  assert.deepEqual(col(o.bus, PD), [0, 100, 75, 45]);
  assert.deepEqual(col(o.bus, QD), [0, 40, 10, 20]); // _P keeps reactive power
  assert.deepEqual([o.gen[2][PG], o.gen[2][PMIN], o.gen[2][QG], o.gen[2][QMIN], o.gen[2][QMAX]], [-30, -30, -5, -10, 0]);
  assert.deepEqual(o.gen[3], c.gen[3]); // out of service: not a load to scale
  assert.deepEqual(o.gen[0], c.gen[0]);

  o = apply(c, '1 0 CT_TAREALOAD 2 CT_LOAD_ALL_PQ CT_REP 150');
  assert.deepEqual(col(o.bus, PD), [0, 100, 75, 45]);
  assert.deepEqual(col(o.bus, QD), [0, 40, 15, 30]);
  assert.deepEqual([o.gen[2][PG], o.gen[2][PMIN], o.gen[2][QG], o.gen[2][QMIN], o.gen[2][QMAX]], [-30, -30, -7.5, -15, 0]);

  o = apply(c, '1 0 CT_TAREALOAD 2 CT_LOAD_FIX_P CT_REP 150'); // (150 - 20) / 80 = 1.625
  assert.deepEqual(col(o.bus, PD), [0, 100, 81.25, 48.75]);
  assert.deepEqual(o.gen[2], c.gen[2]);

  o = apply(c, '1 0 CT_TAREALOAD 2 CT_LOAD_DIS_P CT_REP 150'); // (150 - 80) / 20 = 3.5
  assert.deepEqual(col(o.bus, PD), [0, 100, 50, 30]);
  assert.deepEqual([o.gen[2][PG], o.gen[2][PMIN]], [-70, -70]);

  o = apply(c, '1 0 CT_TAREALOAD 2 CT_LOAD_ALL_P CT_REL 0.5');
  assert.deepEqual(col(o.bus, PD), [0, 100, 25, 15]);
  assert.deepEqual([o.gen[2][PG], o.gen[2][PMIN]], [-10, -10]);

  o = apply(c, '1 0 CT_TAREALOAD 2 CT_LOAD_ALL_P CT_ADD 50'); // 100 + 50 = 150: factor 1.5
  assert.deepEqual(col(o.bus, PD), [0, 100, 75, 45]);

  o = apply(c, '1 0 CT_TAREALOAD 2 CT_LOAD_FIX_PQ CT_ADD -40'); // target 60: (60 - 20) / 80 = 0.5
  assert.deepEqual(col(o.bus, PD), [0, 100, 25, 15]);
  assert.deepEqual(col(o.bus, QD), [0, 40, 5, 10]);

  o = apply(c, '1 0 CT_TAREALOAD 2 CT_LOAD_DIS_PQ CT_REL 2');
  assert.deepEqual(col(o.bus, PD), [0, 100, 50, 30]);
  assert.deepEqual([o.gen[2][PG], o.gen[2][PMIN], o.gen[2][QG], o.gen[2][QMIN]], [-40, -40, -10, -20]);
});

test('bus load changes: CT_TLOAD row k is bus row k, row 0 all buses', () => {
  const c = small();
  let o = apply(c, '1 0 CT_TLOAD 0 CT_LOAD_ALL_P CT_REL 2');
  assert.deepEqual(col(o.bus, PD), [0, 200, 100, 60]);
  assert.deepEqual([o.gen[2][PG], o.gen[2][PMIN]], [-40, -40]);
  assert.deepEqual(o.gen[3], c.gen[3]);
  o = apply(c, '1 0 CT_TLOAD 2 CT_LOAD_FIX_PQ CT_REP 50');
  assert.deepEqual(col(o.bus, PD), [0, 50, 50, 30]);
  assert.deepEqual(col(o.bus, QD), [0, 20, 10, 20]);
});

test('load changes that cannot be met, and the edge cases that can', () => {
  const c = small();
  // Area 1 has no in-service dispatchable load: it cannot be set to 10 MW...
  assert.throws(() => apply(c, '1 0 CT_TAREALOAD 1 CT_LOAD_DIS_P CT_REP 10'),
    (e: unknown) => e instanceof ChangeTableError && /cannot make the load equal 10 MW by scaling dispatchable load/.test(e.message));
  // ...but asking for what it already has (the fixed 100 MW) is a no-op, as in scale_load.
  assert.deepEqual(apply(c, '1 0 CT_TAREALOAD 1 CT_LOAD_DIS_P CT_REP 100'), c);
  // An area without buses: 0 MW is fine, anything else is not.
  assert.deepEqual(apply(c, '1 0 CT_TAREALOAD 9 CT_LOAD_ALL_P CT_REP 0'), c);
  assert.throws(() => apply(c, '1 0 CT_TAREALOAD 9 CT_LOAD_ALL_P CT_REP 5'), /cannot make the load equal 5 MW/);
  // Negative codes also scale dispatchable-load costs: refused where such loads are affected.
  assert.throws(() => apply(c, '1 0 CT_TAREALOAD 2 -4 CT_REL 2'), /costs of dispatchable loads/);
  assert.deepEqual(col(apply(c, '1 0 CT_TAREALOAD 1 -4 CT_REL 2').bus, PD), [0, 200, 50, 30]);
  assert.throws(() => apply(c, '1 0 CT_TAREALOAD 2 7 CT_REL 2'), /column 7 is not a load code/);
});

test('unsupported or mismatched changes give ChangeTableError', () => {
  const c = small();
  const isCTE = (re: RegExp) => (e: unknown) => e instanceof ChangeTableError && re.test(e.message);
  assert.throws(() => applyChanges(c, table('1 0 CT_TBUS 1 PD CT_REP 1'), 2), isCTE(/has no change set with label 2/));
  assert.throws(() => apply(c, '1 0 CT_TBRCH 5 BR_STATUS CT_REP 0'),
    isCTE(/refers to branch row 5, but the case has 4 branch rows/));
  assert.throws(() => apply(c, '1 0 CT_TGENCOST 1 2 CT_REP 0'), isCTE(/generator costs are not supported/));
  assert.throws(() => apply(c, '1 0 CT_TAREAGENCOST 1 -1 CT_REL 2'), isCTE(/generator costs are not supported/));
  assert.throws(() => apply(c, '1 0 CT_TGEN 1 PG CT_REP 0'), isCTE(/column 2 of the gen table cannot be changed/));
  assert.throws(() => apply(c, '1 0 CT_TBUS 1 BUS_TYPE CT_REP 2'), isCTE(/column 2 of the bus table cannot be changed/));
});

test('applyChanges leaves its input untouched', () => {
  const c = small();
  const before = JSON.stringify(c);
  apply(c, '1 0 CT_TBUS 0 PD CT_REL 2\n1 0 CT_TAREALOAD 2 CT_LOAD_ALL_PQ CT_REL 3\n1 0 CT_TBRCH 1 BR_STATUS CT_REP 0\n1 0 CT_TGEN 1 RAMP_AGC CT_REP 5');
  assert.equal(JSON.stringify(c), before);
});

test('swapAreaZone swaps the two columns in a copy', () => {
  const c = small();
  const s = swapAreaZone(c);
  assert.deepEqual(col(s.bus, BUS_AREA), col(c.bus, ZONE));
  assert.deepEqual(col(s.bus, ZONE), col(c.bus, BUS_AREA));
  assert.deepEqual(col(c.bus, BUS_AREA), [1, 1, 2, 2]);
  assert.deepEqual(swapAreaZone(s), c);
});

test('scenarios_ACTIVSg200: 8760 hourly change sets; each sets its zone totals on the swapped case', () => {
  const t = parseChangeTable(readFileSync(CASES + 'scenarios_ACTIVSg200.m', 'utf8'), 'scenarios_ACTIVSg200.m');
  assert.equal(t.name, 'scenarios_ACTIVSg200');
  assert.equal(t.rows.length, 8760 * 6);
  const labels = changeLabels(t);
  assert.equal(labels.length, 8760);
  assert.deepEqual(labels.slice(0, 3), [1, 2, 3]);
  assert.deepEqual(t.rows[0], { label: 1, prob: 0, table: CT_TAREALOAD, row: 2, col: CT_LOAD_ALL_P, chgtype: CT_REP, newval: 412.8 });

  const c = parseMatpower(readFileSync(CASES + 'case_ACTIVSg200.m', 'utf8'));
  // Unswapped, every bus is in area 1, so zone 2 has no load to scale.
  assert.throws(() => applyChanges(c, t, 1), /cannot make the load equal 412\.8 MW/);

  const swapped = swapAreaZone(c);
  for (const label of [1, 2, 4380, 8760]) {
    const out = applyChanges(swapped, t, label);
    const rows = t.rows.filter((r) => r.label === label);
    assert.equal(rows.length, 6);
    for (const r of rows) {
      let total = 0;
      let before = 0;
      out.bus.forEach((b, i) => { if (b[BUS_AREA] === r.row) { total += b[PD]; before += swapped.bus[i][PD]; } });
      assert.ok(Math.abs(total - r.newval) < 1e-9 * r.newval, `label ${label} area ${r.row}: ${total} vs ${r.newval}`);
      // One common factor per area.
      out.bus.forEach((b, i) => {
        if (b[BUS_AREA] === r.row && swapped.bus[i][PD] !== 0) {
          assert.ok(Math.abs(b[PD] / swapped.bus[i][PD] - r.newval / before) < 1e-12);
        }
      });
    }
    assert.deepEqual(col(out.bus, QD), col(swapped.bus, QD)); // CT_LOAD_ALL_P
    assert.deepEqual(out.gen, swapped.gen);
    assert.deepEqual(out.branch, swapped.branch);
  }
});

test('contab_ACTIVSg200: one branch outage per label', () => {
  const t = parseChangeTable(readFileSync(CASES + 'contab_ACTIVSg200.m', 'utf8'), 'contab_ACTIVSg200.m');
  const c = parseMatpower(readFileSync(CASES + 'case_ACTIVSg200.m', 'utf8'));
  const k = contingenciesFromTable(c, t);
  assert.equal(k.length, 245);
  k.forEach((x, i) => assert.deepEqual(x, { label: i + 1, branches: [i + 1], gens: [] }));
  // Applying a label takes exactly that branch out.
  const out = applyChanges(c, t, 7);
  out.branch.forEach((b, i) => assert.equal(b[BR_STATUS], i === 6 ? 0 : c.branch[i][BR_STATUS]));
  // The table belongs to a 245-branch case: case9 has 9 branches.
  const c9 = parseMatpower(readFileSync(CASES + 'case9.m', 'utf8'));
  assert.throws(() => contingenciesFromTable(c9, t),
    (e: unknown) => e instanceof ChangeTableError && /refers to branch row 10, but case case9 has 9 branch rows; is the table meant for another case\?/.test(e.message));
});

test('contingenciesFromTable: multi-element outages, generators, and non-outage rows', () => {
  const c = small();
  const k = contingenciesFromTable(c, table(
    '5 0 CT_TBRCH 2 BR_STATUS CT_REP 0\n5 0 CT_TGEN 3 GEN_STATUS CT_REP 0\n5 0 CT_TBRCH 4 BR_STATUS CT_REP 0\n' +
    '2 0 CT_TGEN 1 GEN_STATUS CT_REP 0\n5 0 CT_TBRCH 2 BR_STATUS CT_REP 0'));
  assert.deepEqual(k, [{ label: 5, branches: [2, 4], gens: [3] }, { label: 2, branches: [], gens: [1] }]);
  assert.throws(() => contingenciesFromTable(c, table('1 0 CT_TBRCH 1 RATE_A CT_REP 0')), /is not an outage/);
  assert.throws(() => contingenciesFromTable(c, table('1 0 CT_TBRCH 1 BR_STATUS CT_REP 1')), /is not an outage/);
  assert.throws(() => contingenciesFromTable(c, table('1 0 CT_TBRCH 0 BR_STATUS CT_REP 0')), /takes out every branch/);
  assert.throws(() => contingenciesFromTable(c, table('1 0 CT_TGEN 5 GEN_STATUS CT_REP 0')), /gen row 5, but case small4 has 4 gen rows/);
});
