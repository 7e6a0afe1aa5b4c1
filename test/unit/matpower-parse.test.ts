// parseMatpower on every shipped case (sizes from /work/shared/cases/README.md)
// and on a hand-written file that uses every piece of syntax the reader takes.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseMatpower } from '../../main/core/grid/matpower';
import { BUS_I, BUS_TYPE, PD, QD, BS, VM, VA, VMIN, QMAX, QMIN, PMIN, GEN_STATUS, BR_R, TAP, SHIFT, BR_STATUS } from '../../main/core/grid/idx';

const CASES = '/work/shared/cases/';
const read = (f: string) => readFileSync(CASES + f, 'utf8');

// buses, branches, gens: the README table; the generator counts it leaves blank
// (case5 ... case57) are those of MATPOWER's own case files.
const SIZES: [string, number, number, number][] = [
  ['case5', 5, 6, 5], ['case9', 9, 9, 3], ['case14', 14, 20, 5],
  ['case30', 30, 41, 6], ['case39', 39, 46, 10], ['case57', 57, 80, 7],
  ['case24_ieee_rts', 24, 38, 33], ['case118', 118, 186, 54], ['case300', 300, 411, 69],
  ['case_RTS_GMLC', 73, 120, 158], ['case89pegase', 89, 210, 12], ['case_ACTIVSg200', 200, 245, 49],
  ['case_ACTIVSg500', 500, 597, 90], ['case1354pegase', 1354, 1991, 260], ['case_ACTIVSg2000', 2000, 3206, 544],
  ['case2383wp', 2383, 2896, 327], ['case9241pegase', 9241, 16049, 1445],
];

test('every shipped case parses with the documented sizes', () => {
  for (const [name, nb, nl, ng] of SIZES) {
    const c = parseMatpower(read(name + '.m'), name + '.m');
    assert.equal(c.name, name);
    assert.equal(c.version, '2', name);
    assert.equal(c.baseMVA, 100, name);
    assert.equal(c.bus.length, nb, `${name} buses`);
    assert.equal(c.branch.length, nl, `${name} branches`);
    assert.equal(c.gen.length, ng, `${name} gens`);
    assert.equal(c.gencost?.length, ng, `${name} gencost rows`);
    for (const r of c.bus) assert.ok(r.length >= 13);
    for (const r of c.gen) assert.ok(r.length >= 10);
    for (const r of c.branch) assert.ok(r.length >= 11);
  }
});

test('case9: values read exactly as written', () => {
  const c = parseMatpower(read('case9.m'), 'case9.m');
  assert.deepEqual(c.bus[0], [1, 3, 0, 0, 0, 0, 1, 1, 0, 345, 1, 1.1, 0.9]);
  assert.deepEqual(c.bus[4], [5, 1, 90, 30, 0, 0, 1, 1, 0, 345, 1, 1.1, 0.9]);
  assert.deepEqual(c.gen[0].slice(0, 10), [1, 72.3, 27.03, 300, -300, 1.04, 100, 1, 250, 10]);
  assert.deepEqual(c.branch[0], [1, 4, 0, 0.0576, 0, 250, 250, 250, 0, 0, 1, -360, 360]);
  assert.deepEqual(c.branch[8], [9, 4, 0.01, 0.085, 0.176, 250, 250, 250, 0, 0, 1, -360, 360]);
  assert.deepEqual(c.gencost?.[0], [2, 1500, 0, 3, 0.11, 5, 150]);
  assert.deepEqual(c.fieldOrder, ['version', 'baseMVA', 'bus', 'gen', 'branch', 'gencost']);
  assert.deepEqual(c.extra, {});
});

test('extra columns, cell arrays and other fields are kept', () => {
  const g = parseMatpower(read('case_ACTIVSg200.m'));
  assert.equal(g.bus[0].length, 17);
  assert.equal(g.gen[0].length, 25);
  assert.equal(g.branch[0].length, 21);
  assert.deepEqual(g.fieldOrder, ['version', 'baseMVA', 'bus', 'gen', 'branch', 'gencost', 'gentype', 'genfuel', 'bus_name']);
  assert.equal(g.bus_name?.length, 200);
  const gentype = g.extra.gentype;
  assert.equal(gentype.kind, 'cell');
  if (gentype.kind === 'cell') {
    assert.equal(gentype.rows.length, 49);
    for (const r of gentype.rows) assert.ok(r.length === 1 && typeof r[0] === 'string');
  }

  const rts = parseMatpower(read('case_RTS_GMLC.m'));
  assert.deepEqual(rts.fieldOrder, ['version', 'baseMVA', 'bus', 'gen', 'branch', 'areas', 'gencost', 'bus_name', 'dcline']);
  assert.deepEqual(rts.extra.areas, { kind: 'matrix', rows: [[1, 101], [2, 201], [3, 301]] });
  assert.deepEqual(rts.extra.dcline, {
    kind: 'matrix',
    rows: [[113, 316, 1, 0, 0, 0, 0, 1, 1, -100, 100, -Infinity, Infinity, -Infinity, Infinity, 0, 0]],
  });
  assert.equal(rts.bus_name?.[0], 'ABEL');
});

test('Inf and -Inf in generator limits (case2383wp)', () => {
  const c = parseMatpower(read('case2383wp.m'));
  const withInf = c.gen.filter((g) => g[QMAX] === Infinity && g[QMIN] === -Infinity);
  assert.ok(withInf.length > 0);
});

test('hand-written case: comments, block comments, continuations, tabs, commas, constants, strings', () => {
  const text = readFileSync(new URL('../fixtures/matpower/torture.m', import.meta.url), 'utf8');
  const c = parseMatpower(text, 'torture.m');
  assert.equal(c.name, 'torture');
  assert.equal(c.baseMVA, 100); // the block-commented `mpc.baseMVA = 1` is not read
  assert.equal(c.bus.length, 5);
  assert.deepEqual(c.bus.map((r) => r[BUS_I]), [1, 5, 7, 9, 12]);
  assert.deepEqual(c.bus.map((r) => r[BUS_TYPE]), [3, 1, 1, 4, 2]); // PQ and NONE via define_constants
  assert.deepEqual(c.bus[1], [5, 1, 90, 30, 0, 0, 1, 1, 0, 345, 1, 1.1, 0.9]);
  assert.equal(c.bus[2][PD], 100);
  assert.equal(c.bus[2][QD], -0.35);
  assert.equal(c.bus[4][BS], 19.5);
  assert.equal(c.bus[0][VM], 1.04);
  assert.ok(Object.is(c.bus[4][VA], -0));
  assert.equal(c.bus[4][VMIN], 0.9); // after the `...` continuation
  assert.deepEqual(c.gen, [
    [1, 0, 0, Infinity, -Infinity, 1.04, 100, 1, 250, 10],
    [12, 163, 0, 300, -300, 1.025, 100, 0, 300, 10],
  ]);
  assert.equal(c.gen[1][GEN_STATUS], 0);
  assert.equal(c.gen[1][PMIN], 10);
  assert.equal(c.branch.length, 5);
  assert.equal(c.branch[1][BR_R], 0.017);
  assert.deepEqual(c.branch[1].slice(0, 10), c.branch[2].slice(0, 10)); // parallel pair
  assert.equal(c.branch[2][BR_STATUS], 0);
  assert.equal(c.branch[3][TAP], 0.95);
  assert.equal(c.branch[3][SHIFT], -3);
  assert.deepEqual(c.bus_name, ["Bus 'one'", 'five "5"', 'seven % not a comment', 'nine', 'twelve ... not a continuation']);
  assert.deepEqual(c.fieldOrder, ['version', 'baseMVA', 'bus', 'gen', 'branch', 'bus_name', 'gentype', 'note',
    'x_scalar', 'y', 'empty', 'mixed', 'reserves.zones', 'big']);
  assert.deepEqual(c.extra.gentype, { kind: 'cell', rows: [['NG'], ['WT']] });
  assert.deepEqual(c.extra.note, { kind: 'string', value: "it's a test" });
  assert.deepEqual(c.extra.x_scalar, { kind: 'scalar', value: -Infinity });
  assert.deepEqual(c.extra.y, { kind: 'scalar', value: NaN });
  assert.deepEqual(c.extra.empty, { kind: 'matrix', rows: [] });
  assert.deepEqual(c.extra.mixed, { kind: 'cell', rows: [['a', 1], ['b', 0.002]] });
  assert.deepEqual(c.extra['reserves.zones'], { kind: 'matrix', rows: [[1, 1, 0, 0, 0]] });
  assert.deepEqual(c.extra.big, {
    kind: 'matrix', rows: [[1.7976931348623157e308, 5e-324, 0.1, 1.2345678901234568e29]],
  });
  assert.equal(c.gencost, undefined);

  // Windows and old Mac line ends read the same.
  assert.deepEqual(parseMatpower(text.replace(/\n/g, '\r\n'), 'torture.m'), c);
  assert.deepEqual(parseMatpower(text.replace(/\n/g, '\r'), 'torture.m'), c);
});

test('a file without a function header, and one ending with `end`', () => {
  const body = "mpc.version = '2';\nmpc.baseMVA = 100;\nmpc.bus = [1 3 0 0 0 0 1 1 0 345 1 1.1 0.9];\n" +
    'mpc.gen = [1 0 0 0 0 1 100 1 10 0];\nmpc.branch = zeros(0, 13);\n';
  // `zeros(...)` is a call: rejected even without a header.
  assert.throws(() => parseMatpower(body, 'script.m'), /script\.m:5:/);
  const ok = body.replace('zeros(0, 13)', '[]');
  const c = parseMatpower(ok, 'dir/script.m');
  assert.equal(c.name, 'script');
  assert.deepEqual(c.branch, []);
  const withEnd = parseMatpower('function mpc = f\n' + ok + 'end\n');
  assert.equal(withEnd.name, 'f');
  assert.deepEqual(withEnd.bus, c.bus);
});

test('numbers: scientific notation, signs, leading dots, long mantissas read like Number()', () => {
  const samples = ['0', '-0', '+1', '1.', '.5', '-.5', '1e5', '1E+05', '2.5e-3', '1e-320', '4.9e-324', '1e308', '1.8e308',
    '0.1', '0.30000000000000004', '123456789012345678', '9007199254740993', '3.14159265358979323846', '1e22', '1e23',
    '123456789012345e-30', '000123.4500'];
  const row = samples.join(' ');
  const text = `mpc.version='2'; mpc.baseMVA=100; mpc.bus=[1 3 0 0 0 0 1 1 0 345 1 1.1 0.9]; mpc.gen=[1 0 0 0 0 1 100 1 10 0];
mpc.branch=[]; mpc.nums = [${row}];`;
  const c = parseMatpower(text);
  const got = (c.extra.nums as { rows: number[][] }).rows[0];
  assert.equal(got.length, samples.length);
  samples.forEach((s, i) => assert.ok(Object.is(got[i], Number(s)), `${s}: got ${got[i]}, want ${Number(s)}`));
});

test('random decimal literals read exactly like Number() (fast and slow paths)', () => {
  let seed = 12345;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  const lits: string[] = [];
  for (let i = 0; i < 3000; i++) {
    const intDigits = Math.floor(rnd() * 12);
    const fracDigits = Math.floor(rnd() * 12);
    let s = rnd() < 0.3 ? '-' : '';
    for (let k = 0; k < intDigits; k++) s += Math.floor(rnd() * 10);
    if (fracDigits > 0 || intDigits === 0) { s += '.'; for (let k = 0; k < Math.max(fracDigits, 1); k++) s += Math.floor(rnd() * 10); }
    if (rnd() < 0.4) s += 'e' + (rnd() < 0.5 ? '-' : '') + Math.floor(rnd() * 30);
    lits.push(s);
  }
  const text = `mpc.version='2'; mpc.baseMVA=100; mpc.bus=[1 3 0 0 0 0 1 1 0 345 1 1.1 0.9]; mpc.gen=[1 0 0 0 0 1 100 1 10 0];
mpc.branch=[]; mpc.nums = [${lits.join(';')}];`;
  const rows = (parseMatpower(text).extra.nums as { rows: number[][] }).rows;
  lits.forEach((s, i) => assert.ok(Object.is(rows[i][0], Number(s)), `${s}: got ${rows[i][0]}, want ${Number(s)}`));
});

// How fast case9241pegase parses (target <= 400 ms) is the bench's `parse` row (`npm run bench -- parse`),
// never a timed test; its sizes are checked with every other shipped case above.
