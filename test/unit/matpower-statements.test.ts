// The statements MATPOWER's distribution cases use to convert their data
// (idx_* bindings, define_constants, variables, column assignments, arithmetic
// in fields and matrices): each construct on a hand-made feeder, MATLAB's
// precedence and broadcasting against hand-computed values, and every
// construct outside the subset refused at its exact file:line:column, before
// anything runs.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseMatpower, writeMatpower, formatNumber, CaseParseError } from '../../main/core/grid/matpower';
import { DEFINE_CONSTANTS, IDX_OUTPUTS } from '../../main/core/grid/matpower/constants';
import type { Case, MatValue } from '../../main/core/grid/case';
import { PD, QD, BR_R, BR_X, BASE_KV } from '../../main/core/grid/idx';

// A three-bus feeder in kW and Ohms, as the distribution cases write it. Lines 1-15.
const FEEDER = [
  'function mpc = feeder', // 1
  "mpc.version = '2';", // 2
  'mpc.baseMVA = 10;', // 3
  'mpc.bus = [', // 4
  '\t1\t3\t0\t0\t0\t0\t1\t1\t0\t12.66\t1\t1\t1;', // 5
  '\t2\t1\t100\t60\t0\t0\t1\t1\t0\t12.66\t1\t1.1\t0.9;', // 6
  '\t3\t1\t90\t40\t0\t0\t1\t1\t0\t12.66\t1\t1.1\t0.9;', // 7
  '];', // 8
  'mpc.gen = [', // 9
  '\t1\t0\t0\t10\t-10\t1\t100\t1\t10\t0;', // 10
  '];', // 11
  'mpc.branch = [', // 12
  '\t1\t2\t0.0922\t0.0470\t0\t0\t0\t0\t0\t0\t1\t-360\t360;', // 13
  '\t2\t3\t0.4930\t0.2511\t0\t0\t0\t0\t0\t0\t1\t-360\t360;', // 14
  '];', // 15
].join('\n') + '\n';

/** The feeder followed by `lines` (the first of them is line 16). */
const feeder = (...lines: string[]): string => FEEDER + lines.join('\n') + '\n';
const parse = (...lines: string[]): Case => parseMatpower(feeder(...lines), 'feeder.m');
const raw = parseMatpower(FEEDER, 'feeder.m');
const col = (m: number[][], k: number): number[] => m.map((r) => r[k]);

/** mpc.out = EXPR evaluated after `vars` are assigned: a number, or rows for a matrix. */
function value(expr: string, vars: Record<string, number> = {}): number | number[][] {
  const lets = Object.entries(vars).map(([k, v]) => `${k} = ${formatNumber(v)};`);
  const c = parse('define_constants;', ...lets, `mpc.out = ${expr};`);
  const v = c.extra.out as MatValue;
  if (v.kind === 'scalar') return v.value;
  if (v.kind === 'matrix') return v.rows;
  throw new Error(`mpc.out is ${v.kind}`);
}

/** Asserts the exact message, file:line:column included, and that no Case came back. */
function refuses(text: string, line: number, column: number, reason: string): void {
  let err: unknown;
  let loaded: Case | undefined;
  try {
    loaded = parseMatpower(text, 'feeder.m');
  } catch (e) {
    err = e;
  }
  assert.equal(loaded, undefined, `loaded: ${text.split('\n').slice(15).join(' | ')}`);
  assert.ok(err instanceof CaseParseError, String(err));
  assert.equal(err.message, `feeder.m:${line}:${column}: ${reason}`);
}

// ---- the constants ---------------------------------------------------------

test('idx_* output lists are MATPOWER\'s, in its order, with its values', () => {
  // Sizes of MATPOWER's lib/idx_*.m: 4 bus types + 13 + 4 OPF bus columns, 13 + 8 branch
  // columns, 21 + 4 gen columns, 7 cost names, 28 change-table names.
  assert.deepEqual(Object.fromEntries(Object.entries(IDX_OUTPUTS).map(([k, v]) => [k, v.length])),
    { idx_bus: 21, idx_brch: 21, idx_gen: 25, idx_cost: 7, idx_ct: 28 });
  for (const [fn, names] of Object.entries(IDX_OUTPUTS)) {
    for (const n of names) assert.ok(DEFINE_CONSTANTS.has(n), `${fn}: ${n}`);
  }
  // Output order is not column order: idx_brch returns PF before ANGMIN, idx_gen MU_PMAX before PC1.
  assert.deepEqual(IDX_OUTPUTS.idx_brch.slice(11, 19).map((n) => [n, DEFINE_CONSTANTS.get(n)]),
    [['PF', 14], ['QF', 15], ['PT', 16], ['QT', 17], ['MU_SF', 18], ['MU_ST', 19], ['ANGMIN', 12], ['ANGMAX', 13]]);
  assert.deepEqual(IDX_OUTPUTS.idx_gen.slice(10, 15).map((n) => DEFINE_CONSTANTS.get(n)), [22, 23, 24, 25, 11]);
  assert.deepEqual(IDX_OUTPUTS.idx_bus.slice(0, 5).map((n) => DEFINE_CONSTANTS.get(n)), [1, 2, 3, 4, 1]);
  // define_constants binds all of them (and the bus type and cost model names).
  assert.equal(DEFINE_CONSTANTS.size, new Set(Object.values(IDX_OUTPUTS).flat()).size);
});

// ---- each construct --------------------------------------------------------

test('[A, B, ...] = idx_bus binds by position, as MATLAB does, and ~ skips an output', () => {
  const c = parse('[A, B, C, D, E, F, G] = idx_bus;', 'mpc.bus(:, G) = A + B * 10 + C * 100 + D * 1000 + E * 1e4 + F * 1e5;');
  // PQ PV REF NONE BUS_I BUS_TYPE PD: 1 2 3 4 1 2 and column 3.
  assert.deepEqual(col(c.bus, PD), [214321, 214321, 214321]);
  const d = parse('[~, ~, ~, ~, ~, ~, ~, ~, ~, ~, ~, PF_] = idx_brch;', '[~, ~, ~, ~, ~, ~, ~, ~, ~, ~, MUP] = idx_gen;',
    '[PWL, POLY] = idx_cost;', '[L, P, T, TB] = idx_ct;', 'mpc.x = PF_ * 1e6 + MUP * 1e4 + PWL * 1e3 + POLY * 100 + TB;');
  assert.deepEqual(d.extra.x, { kind: 'scalar', value: 14e6 + 22e4 + 1e3 + 200 + 1 });
  // Bound names read in a literal matrix written after the binding, as in MATLAB.
  const e = parse('[PQ, PV, REF] = idx_bus;', 'mpc.types = [PQ PV REF];');
  assert.deepEqual(e.extra.types, { kind: 'matrix', rows: [[1, 2, 3]] });
});

test('define_constants binds every name; a column assignment uses them', () => {
  const c = parse('define_constants;', 'mpc.bus(:, [PD, QD]) = mpc.bus(:, [PD, QD]) / 1e3;',
    'mpc.branch(:, BR_STATUS) = mpc.branch(:, BR_STATUS) * CT_TBRCH;');
  assert.deepEqual(col(c.bus, PD), [0, 0.1, 0.09]);
  assert.deepEqual(col(c.bus, QD), [0, 0.06, 0.04]);
  assert.deepEqual(col(c.branch, 10), [3, 3]);
  assert.deepEqual(c.statements, ['define_constants;', 'mpc.bus(:, [PD, QD]) = mpc.bus(:, [PD, QD]) / 1e3;',
    'mpc.branch(:, BR_STATUS) = mpc.branch(:, BR_STATUS) * CT_TBRCH;']);
});

test('the Ohms-to-p.u. conversion of case33bw on the feeder equals the hand computation', () => {
  const c = parse(
    '[PQ, PV, REF, NONE, BUS_I, BUS_TYPE, PD, QD, GS, BS, BUS_AREA, VM, ...',
    '    VA, BASE_KV, ZONE, VMAX, VMIN, LAM_P, LAM_Q, MU_VMAX, MU_VMIN] = idx_bus;',
    '[F_BUS, T_BUS, BR_R, BR_X] = idx_brch;',
    'Vbase = mpc.bus(1, BASE_KV) * 1e3;      %% in Volts',
    'Sbase = mpc.baseMVA * 1e6;              %% in VA',
    'mpc.branch(:, [BR_R BR_X]) = mpc.branch(:, [BR_R BR_X]) / (Vbase^2 / Sbase);');
  const zbase = Math.pow(raw.bus[0][BASE_KV] * 1e3, 2) / (raw.baseMVA * 1e6);
  for (let i = 0; i < 2; i++) {
    assert.equal(c.branch[i][BR_R], raw.branch[i][BR_R] / zbase);
    assert.equal(c.branch[i][BR_X], raw.branch[i][BR_X] / zbase);
  }
  assert.deepEqual(c.bus, raw.bus); // untouched fields are as read
  assert.deepEqual(c.statements?.[0].split('\n'), ['[PQ, PV, REF, NONE, BUS_I, BUS_TYPE, PD, QD, GS, BS, BUS_AREA, VM, ...',
    '    VA, BASE_KV, ZONE, VMAX, VMIN, LAM_P, LAM_Q, MU_VMAX, MU_VMIN] = idx_bus;']);
  assert.equal(c.statements?.[3], 'Sbase = mpc.baseMVA * 1e6;'); // the trailing comment is not part of it
});

test('variables: reassigned in order, functions of them (case141 derives QD from a power factor)', () => {
  const c = parse('define_constants;', 'pf = 0.85;', 'mpc.bus(:, QD) = mpc.bus(:, PD) * sin(acos(pf));',
    'mpc.bus(:, PD) = mpc.bus(:, PD) * pf;', 'k = 1; k = k + 1; k = k * 10;', 'mpc.k = k;');
  assert.deepEqual(col(c.bus, QD), col(raw.bus, PD).map((p) => p * Math.sin(Math.acos(0.85))));
  assert.deepEqual(col(c.bus, PD), col(raw.bus, PD).map((p) => p * 0.85));
  assert.deepEqual(c.extra.k, { kind: 'scalar', value: 20 });
});

test('every function, elementwise, against Math', () => {
  const fns: [string, (x: number) => number][] = [['sin', Math.sin], ['cos', Math.cos], ['tan', Math.tan],
    ['asin', Math.asin], ['acos', Math.acos], ['atan', Math.atan], ['sqrt', Math.sqrt], ['abs', Math.abs],
    ['exp', Math.exp], ['log', Math.log]];
  for (const [fn, f] of fns) {
    assert.deepEqual(value(`${fn}(mpc.bus(:, VMIN))`), raw.bus.map((r) => [f(r[12])]), fn);
    if (fn !== 'sqrt' && fn !== 'log') assert.equal(value(`${fn}(-0.5)`), f(-0.5), fn); // real for -0.5
  }
});

test('literal arithmetic: in a field (mpc.baseMVA = 50/3) and inside matrices (case533mt), not noted as statements', () => {
  const c = parseMatpower(FEEDER.replace('mpc.baseMVA = 10;', 'mpc.baseMVA = 50/3;')
    .replace('\t12.66\t1\t1\t1;', '\t135/sqrt(3)\t1\t1\t1;'), 'feeder.m');
  assert.equal(c.baseMVA, 50 / 3);
  assert.equal(c.bus[0][BASE_KV], 135 / Math.sqrt(3));
  assert.equal(c.statements, undefined);
  // MATLAB's blanks in [ ]: `a - b` and `a-b` are one element, `a -b` two; a comma always separates.
  const m = parse('mpc.m = [90 - 5, 2 -1, 3 * 2, 4 -  1, 2-1, -50/3, (1 + 2) -(4), 1, - 2, 2^-1 pi];');
  assert.deepEqual(m.extra.m, { kind: 'matrix', rows: [[85, 2, -1, 6, 3, 1, -50 / 3, 3, -4, 1, -2, 0.5, Math.PI]] });
  const cells = parse("mpc.c = {'a', 1 - 2, 5; 'b', 3 -4};");
  assert.deepEqual(cells.extra.c, { kind: 'cell', rows: [['a', -1, 5], ['b', 3, -4]] });
});

test('MATLAB precedence, hand-computed: unary minus binds looser than ^, ^ is left-associative', () => {
  const cases: [string, number][] = [
    ['-2^2', -4], ['2^-2', 0.25], ['-2^-2', -0.25], ['2^3^2', 64], ['2*3^2', 18], ['-3^2 + 10', 1],
    ['2 + 3 * 4', 14], ['(2 + 3) * 4', 20], ['8 / 4 / 2', 1], ['1 - 2 - 3', -4], ['2 * -3', -6], ['- -2', 2],
    ['10 - -2', 12], ['2 .^ 3', 8], ['6 ./ 4', 1.5], ['3 .* 4', 12], ['2.^3', 8], ['3./4', 0.75], ['2.*3', 6],
    ['sqrt(16) + abs(-3)', 7], ['2^(1+1)^2', 16], ['-(2 + 3)^2', -25], ['1e3 * 2', 2000], ['.5 * 4', 2],
    ['1/0', Infinity], ['-1/0', -Infinity], ['0/0', NaN], ['Inf - Inf', NaN], ['-Inf', -Infinity], ['-0', -0],
    ['1^NaN', 1], ['BR_X * 10 + PD', 43],
  ];
  for (const [expr, want] of cases) assert.ok(Object.is(value(expr), want), `${expr}: got ${value(expr)}, want ${want}`);
});

test('precedence and associativity hold for random operands (same result as the parenthesized form)', () => {
  let seed = 7;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  const pow = Math.pow;
  const forms: [string, (a: number, b: number, c: number) => number][] = [
    ['a + b * c', (a, b, c) => a + b * c], ['a - b - c', (a, b, c) => (a - b) - c], ['a / b / c', (a, b, c) => (a / b) / c],
    ['a * b / c', (a, b, c) => (a * b) / c], ['a - b / c', (a, b, c) => a - b / c], ['-a ^ 2', (a) => -pow(a, 2)],
    ['a ^ b ^ c', (a, b, c) => pow(pow(a, b), c)], ['a ^ -b', (a, b) => pow(a, -b)], ['-a * b', (a, b) => -a * b],
    ['c * -a ^ b', (a, b, c) => c * -pow(a, b)], ['a .^ b .* c', (a, b, c) => pow(a, b) * c],
    ['(a + b) .* c ./ a', (a, b, c) => ((a + b) * c) / a], ['sqrt(a) ^ 2 - b', (a, b) => pow(Math.sqrt(a), 2) - b],
    ['exp(-a) + log(b) * c', (a, b, c) => Math.exp(-a) + Math.log(b) * c],
  ];
  for (let trial = 0; trial < 40; trial++) {
    // Positive a and b keep every power real; c takes either sign.
    const a = 0.1 + rnd() * 3, b = 0.1 + rnd() * 2, c = (rnd() - 0.5) * 100;
    for (const [expr, f] of forms) {
      const got = value(expr, { a, b, c });
      assert.ok(Object.is(got, f(a, b, c)), `${expr} with a=${a} b=${b} c=${c}: ${got} != ${f(a, b, c)}`);
    }
  }
});

test('broadcasting: scalars against columns, a column against a row, matching widths', () => {
  const pd = col(raw.bus, PD), qd = col(raw.bus, QD);
  assert.deepEqual(value('mpc.bus(:, PD) + 1'), pd.map((p) => [p + 1]));
  assert.deepEqual(value('2 - mpc.bus(:, PD)'), pd.map((p) => [2 - p]));
  assert.deepEqual(value('mpc.bus(:, [PD QD]) .* mpc.bus(:, [QD PD])'), pd.map((p, i) => [p * qd[i], qd[i] * p]));
  assert.deepEqual(value('mpc.bus(:, [PD QD]) ./ mpc.bus(:, VMAX)'), pd.map((p, i) => [p / raw.bus[i][11], qd[i] / raw.bus[i][11]]));
  assert.deepEqual(value('mpc.bus(:, PD) + mpc.bus(1, [VM VMAX])'), pd.map((p) => [p + 1, p + 1]));
  assert.deepEqual(value('mpc.bus(:, PD) .^ 2'), pd.map((p) => [Math.pow(p, 2)]));
  assert.deepEqual(value('-mpc.bus(2:end, [PD, QD])'), [[-100, -60], [-90, -40]]);
  assert.equal(value('mpc.bus(1, BASE_KV)'), 12.66);
});

test('rows and columns: :, a number, a name, [ ] lists (blanks, commas, semicolons), ranges a:b, end', () => {
  const c = parse('define_constants;', 'mpc.bus(2:end, PD) = mpc.bus(2:end, PD) / 1e3;', 'mpc.bus(end, VM) = 1.01;',
    'mpc.bus([1; end], 12) = 1.05;', 'mpc.branch(1, [BR_R, BR_X]) = 0;', 'mpc.branch(:, 3:4) = mpc.branch(:, 3:4) * 2;',
    'mpc.bus(end-1, BUS_AREA) = 2;', 'mpc.bus(1:0, PD) = 99;', 'mpc.bus(:, :) = mpc.bus(:, :) + 0;');
  assert.deepEqual(col(c.bus, PD), [0, 0.1, 0.09]);
  assert.deepEqual(col(c.bus, 7), [1, 1, 1.01]);
  assert.deepEqual(col(c.bus, 11), [1.05, 1.1, 1.05]);
  assert.deepEqual(col(c.bus, 6), [1, 2, 1]);
  assert.deepEqual(c.branch.map((r) => r.slice(2, 4)), [[0, 0], [0.986, 0.5022]]);
});

test('parse(write(c)) equals c; the statements are noted in the header as %@ lines and never run again', () => {
  const c = parse('define_constants;', 'Zb = (mpc.bus(1, BASE_KV) * 1e3)^2 / (mpc.baseMVA * 1e6);',
    'mpc.branch(:, [BR_R BR_X]) = ...', '    mpc.branch(:, [BR_R BR_X]) / Zb;', 'mpc.bus(:, [PD, QD]) = mpc.bus(:, [PD, QD]) / 1e3;');
  const text = writeMatpower(c);
  assert.match(text, /\n%@ define_constants;\n%@ Zb = \(mpc\.bus\(1, BASE_KV\) \* 1e3\)\^2 \/ \(mpc\.baseMVA \* 1e6\);\n/);
  assert.match(text, /\n%@ mpc\.branch\(:, \[BR_R BR_X\]\) = \.\.\.\n%@\+    mpc\.branch\(:, \[BR_R BR_X\]\) \/ Zb;\n/);
  assert.match(text, /\n\t2\t1\t0\.1\t0\.06\t/); // converted numbers, in MW
  const back = parseMatpower(text, 'feeder.m');
  assert.deepStrictEqual(back, c);
  assert.equal(writeMatpower(back), text);
  // CR LF and lone CR line ends: the same Case, statements included.
  assert.deepStrictEqual(parseMatpower(text.replace(/\n/g, '\r\n'), 'feeder.m'), c);
  const crlf = feeder('define_constants;', 'mpc.bus(:, [PD, ...', '  QD]) = mpc.bus(:, [PD, QD]) / 1e3;').replace(/\n/g, '\r\n');
  assert.deepEqual(parseMatpower(crlf, 'feeder.m').statements, ['define_constants;', 'mpc.bus(:, [PD, ...\n  QD]) = mpc.bus(:, [PD, QD]) / 1e3;']);
  // A %@ note in a file is kept, not run: the numbers stay as written.
  const noted = parseMatpower(FEEDER.replace('function mpc = feeder\n', 'function mpc = feeder\n%@ mpc.bus(:, 3) = 0;\n%@+more\n'), 'feeder.m');
  assert.deepEqual(noted.bus, raw.bus);
  assert.deepEqual(noted.statements, ['mpc.bus(:, 3) = 0;\nmore']);
  // The writer refuses statement text a comment line cannot hold.
  assert.throws(() => writeMatpower({ ...c, statements: ['a\rb'] }), /control character \(code 13\)/);
});

test('a field computed from the case (mpc.x = EXPR) is kept with its value; a computed baseMVA is checked as one', () => {
  const c = parse('define_constants;', 'mpc.loadMW = mpc.bus(:, PD) / 1e3;', 'mpc.total = mpc.baseMVA * 2;');
  assert.deepEqual(c.extra.loadMW, { kind: 'matrix', rows: [[0], [0.1], [0.09]] });
  assert.deepEqual(c.extra.total, { kind: 'scalar', value: 20 });
  assert.deepEqual(c.fieldOrder.slice(-2), ['loadMW', 'total']);
  const bad = FEEDER.replace('mpc.baseMVA = 10;', 'k = -1;\nmpc.baseMVA = 10 * k;');
  let e: unknown;
  try { parseMatpower(bad, 'feeder.m'); } catch (x) { e = x; }
  assert.ok(e instanceof CaseParseError);
  assert.equal(e.message, 'feeder.m:4:15: mpc.baseMVA is -10; it must be a positive finite number of MVA (usually 100)');
});

test('a cell a statement made invalid is blamed on that statement, not on the literal it replaced', () => {
  refuses(feeder('define_constants;', 'mpc.bus(:, BUS_I) = mpc.bus(:, BUS_I) + 0.5;'), 17, 1,
    'bus row 1 has bus number 1.5; bus numbers must be positive integers');
  refuses(feeder('define_constants;', 'mpc.bus(3, BUS_TYPE) = 7;'), 17, 1,
    "bus 3 (row 3) has type 7; expected 1 (PQ), 2 (PV), 3 (reference) or 4 (isolated)");
  // A cell the statement did not write still points at its literal.
  refuses(feeder('define_constants;', 'mpc.bus(1, BUS_TYPE) = 1;', 'mpc.bus(1, PD) = 1;'), 4, 11,
    'no reference bus: no row of mpc.bus has BUS_TYPE 3; mark the slack bus as type 3');
});

test('nothing runs before the whole file is read: a refused statement late in the file wins over an earlier error', () => {
  // sqrt(-1) on line 17 would fail when run, but the loop on line 18 refuses the file first.
  refuses(feeder('define_constants;', 'mpc.bus(:, PD) = sqrt(-1) * mpc.bus(:, PD);', 'for k = 1:3', 'end'), 18, 1,
    'unsupported statement "for k = 1:3": loops, conditionals, function definitions and other control flow are not run; ' +
    'run the file in MATPOWER and save the result with savecase');
  // Valid conversions followed by one that cannot run: no Case at all.
  refuses(feeder('define_constants;', 'mpc.bus(:, PD) = mpc.bus(:, PD) / 1e3;', 'mpc.bus(:, 14) = 0;'), 18, 12,
    'cannot evaluate "mpc.bus(:, 14) = 0;": column 14 is outside mpc.bus, which has 13 columns');
});

// ---- refusals: every construct outside the subset ---------------------------

const SAVE = 'run the file in MATPOWER and save the result with savecase';
const FNS = 'it evaluates only sin, cos, tan, asin, acos, atan, sqrt, abs, exp and log';

test('loops, conditionals, other functions and the shell are refused at their statement', () => {
  const flow = 'loops, conditionals, function definitions and other control flow are not run; ' + SAVE;
  for (const s of ['for k = 1:3', 'while true', 'if fixed', 'switch x', 'try', 'function y = f(x)', 'parfor k = 1:2']) {
    refuses(feeder(s), 16, 1, `unsupported statement "${s}": ${flow}`);
  }
  refuses(feeder("disp('loaded');"), 16, 1, `unsupported statement "disp('loaded');": calls disp, a function GridRewire does not run; ${SAVE}`);
  refuses(feeder('x = foo(2);'), 16, 5, `unsupported statement "x = foo(2);": foo(...) calls foo, a function GridRewire does not evaluate; ${FNS}`);
  refuses(feeder('mpc.bus(:, 3) = max(mpc.bus(:, 3), 0);'), 16, 17,
    `unsupported statement "mpc.bus(:, 3) = max(mpc.bus(:, 3), 0);": max(...) calls max, a function GridRewire does not evaluate; ${FNS}`);
  refuses(feeder("mpc.x = eval('1');"), 16, 9, `unsupported statement "mpc.x = eval('1');": eval(...) calls eval, a function GridRewire does not evaluate; ${FNS}`);
  refuses(feeder("x = system('ls');"), 16, 5, `unsupported statement "x = system('ls');": system(...) calls system, a function GridRewire does not evaluate; ${FNS}`);
  refuses(feeder("mpc = loadcase('case9');"), 16, 7, `unsupported statement "mpc = loadcase('case9');": loadcase(...) calls loadcase, a function GridRewire does not evaluate; ${FNS}`);
  const generic = "GridRewire reads literal assignments (mpc.field = [...], {...}, 'text' or a number) and the unit " +
    "conversions of MATPOWER's distribution cases (name = EXPR, mpc.X(:, COLS) = EXPR, [NAMES] = idx_bus, define_constants); " + SAVE;
  refuses(feeder('!ls'), 16, 1, `unsupported statement "!ls": ${generic}`);
  refuses(feeder('system ls'), 16, 1, `unsupported statement "system ls": ${generic}`);
  refuses(feeder('mpc.bus(:, 3) == 3;'), 16, 1, `unsupported statement "mpc.bus(:, 3) == 3;": ${generic}`);
  refuses(feeder('[A, B] = idx_branch;'), 16, 10, 'unsupported statement "[A, B] = idx_branch;": [...] = idx_branch calls ' +
    'idx_branch, a function GridRewire does not run; only idx_bus, idx_brch, idx_gen, idx_cost and idx_ct are evaluated here');
});

test('logical indexing, comparisons, transposes, left division and anonymous functions are refused', () => {
  const logical = (op: string) => `comparisons and logical operators ("${op}") are not evaluated, nor is the logical indexing they serve; ${SAVE}`;
  refuses(feeder('mpc.bus(mpc.bus(:, 3) > 50, 3) = 0;'), 16, 23, `unsupported statement "mpc.bus(mpc.bus(:, 3) > 50, 3) = 0;": ${logical('>')}`);
  refuses(feeder('mpc.x = mpc.bus(:, 3) == 0;'), 16, 23, `unsupported statement "mpc.x = mpc.bus(:, 3) == 0;": ${logical('==')}`);
  refuses(feeder('mpc.x = ~mpc.bus(:, 3);'), 16, 9, `unsupported statement "mpc.x = ~mpc.bus(:, 3);": ${logical('~')}`);
  refuses(feeder('mpc.x = mpc.bus(:, 3) & 1;'), 16, 23, `unsupported statement "mpc.x = mpc.bus(:, 3) & 1;": ${logical('&')}`);
  refuses(feeder("mpc.x = mpc.bus(:, 3)';"), 16, 22, `unsupported statement "mpc.x = mpc.bus(:, 3)';": transposes are not evaluated; ${SAVE}`);
  refuses(feeder('mpc.x = 2 \\ mpc.bus(:, 3);'), 16, 11, `unsupported statement "mpc.x = 2 \\ mpc.bus(:, 3);": left division ("\\") is not evaluated; ${SAVE}`);
  refuses(feeder('mpc.x = @(x) x;'), 16, 9, `unsupported statement "mpc.x = @(x) x;": anonymous functions ("@") are not evaluated; ${SAVE}`);
  refuses(feeder('mpc.x = [1 < 2];'), 16, 12, '"<" in mpc.x: expected a number');
});

test('names never assigned, fields not assigned, and names a file may not redefine are refused', () => {
  const unassigned = (n: string) => `${n} is not assigned before this statement (an expression may use the file's own variables, MATPOWER's idx_* names, Inf, NaN and pi)`;
  refuses(feeder('mpc.bus(:, 3) = mpc.bus(:, 3) * k;'), 16, 33, `cannot evaluate "mpc.bus(:, 3) = mpc.bus(:, 3) * k;": ${unassigned('k')}`);
  refuses(feeder('[PQ, PV] = idx_bus;', 'mpc.bus(:, [3 QX]) = 0;'), 17, 15, `cannot evaluate "mpc.bus(:, [3 QX]) = 0;": ${unassigned('QX')}`);
  refuses(feeder('[PQ, PV] = idx_bus;', 'mpc.bus(:, [PD QD]) = 0;'), 17, 13, 'cannot evaluate "mpc.bus(:, [PD QD]) = 0;": PD is a ' +
    'MATPOWER constant, but no define_constants or [...] = idx_* statement before this one binds it');
  refuses(feeder('x = y + 1;', 'y = 2;'), 16, 5, `cannot evaluate "x = y + 1;": ${unassigned('y')}`);
  refuses(feeder('mpc.bus(:, 3) = mpc.load(:, 1);'), 16, 17, 'cannot evaluate "mpc.bus(:, 3) = mpc.load(:, 1);": mpc.load is used before it is assigned');
  refuses(feeder('mpc.load(:, 1) = 1;', 'mpc.load = [1];'), 16, 1, 'cannot evaluate "mpc.load(:, 1) = 1;": mpc.load is changed before it is assigned');
  refuses(feeder('mpc.r.z = [1 2];', 'mpc.x = mpc.r;'), 17, 9, 'cannot evaluate "mpc.x = mpc.r;": mpc.r holds fields, not numbers');
  refuses(feeder('mpc.x = mpc.version;'), 16, 9, 'cannot evaluate "mpc.x = mpc.version;": mpc.version is text, not numbers');
  refuses(feeder('mpc.x = mpc;'), 16, 9, 'unsupported statement "mpc.x = mpc;": mpc is the whole case; an expression uses its fields, as in mpc.bus(:, PD)');
  refuses(feeder('sin = 2;'), 16, 1, 'unsupported statement "sin = 2;": sin is MATLAB\'s own; a case file may not redefine it');
  refuses(feeder('[A, pi] = idx_bus;'), 16, 5, 'unsupported statement "[A, pi] = idx_bus;": pi is MATLAB\'s own; a case file may not redefine it');
  refuses(feeder('[A, B, C, D, E, F, G, H] = idx_cost;'), 16, 23, 'cannot evaluate "[A, B, C, D, E, F, G, H] = idx_cost;": idx_cost returns 7 values, but the list names 8');
  refuses(feeder('Vb = 2;', 'mpc.x = [Vb 1];'), 17, 10, 'Vb in mpc.x is a variable of the file; a literal matrix holds numbers, Inf, NaN and MATPOWER constant names only');
});

test('indexing outside the matrix, bad indices and sizes that do not agree are refused', () => {
  refuses(feeder('mpc.bus(:, 14) = 0;'), 16, 12, 'cannot evaluate "mpc.bus(:, 14) = 0;": column 14 is outside mpc.bus, which has 13 columns');
  refuses(feeder('mpc.x = mpc.bus(4, 3);'), 16, 17, 'cannot evaluate "mpc.x = mpc.bus(4, 3);": row 4 is outside mpc.bus, which has 3 rows');
  refuses(feeder('mpc.bus(2:end+1, 3) = 0;'), 16, 11, 'cannot evaluate "mpc.bus(2:end+1, 3) = 0;": row 4 is outside mpc.bus, which has 3 rows');
  refuses(feeder('mpc.bus(1.5, 3) = 0;'), 16, 9, 'cannot evaluate "mpc.bus(1.5, 3) = 0;": row index 1.5 is not a positive integer');
  refuses(feeder('mpc.bus(0, 3) = 0;'), 16, 9, 'cannot evaluate "mpc.bus(0, 3) = 0;": row index 0 is not a positive integer');
  refuses(feeder('mpc.bus(3) = 0;'), 16, 8, 'unsupported statement "mpc.bus(3) = 0;": mpc.bus(...) with one index (linear indexing) is not evaluated; write mpc.bus(ROWS, COLS)');
  refuses(feeder('mpc.bus(1, 2, 3) = 0;'), 16, 13, 'unsupported statement "mpc.bus(1, 2, 3) = 0;": mpc.bus has two dimensions: write mpc.bus(ROWS, COLS)');
  refuses(feeder('mpc.bus(1:2:3, 3) = 0;'), 16, 12, 'unsupported statement "mpc.bus(1:2:3, 3) = 0;": a range is a:b with a number at each end; a step (a:s:b) is not evaluated');
  refuses(feeder('mpc.bus(:, [3 4]) = mpc.bus(:, 3);'), 16, 21, 'cannot evaluate "mpc.bus(:, [3 4]) = mpc.bus(:, 3);": the right side is 3x1, but mpc.bus(...) picks 3x2; the sizes must agree (or the right side be one number)');
  refuses(feeder('mpc.x = mpc.bus(:, 3:4) + mpc.bus(1:2, 3:4);'), 16, 25, 'cannot evaluate "mpc.x = mpc.bus(:, 3:4) + mpc.bus(1:2, 3:4);": "+" of a 3x2 and a 2x2 matrix: the sizes do not agree');
  refuses(feeder('mpc.x = mpc.bus(mpc.bus(:, 1), 3);'), 16, 17, 'cannot evaluate "mpc.x = mpc.bus(mpc.bus(:, 1), 3);": an index here is one number, a range a:b or a [ ] list of numbers, not a 3x1 matrix');
  refuses(feeder('x = mpc.bus(:, 3);'), 16, 5, 'cannot evaluate "x = mpc.bus(:, 3);": x would hold a 3x1 matrix; a variable holds one number (use columns directly in mpc.X(:, COLS) = ...)');
  refuses(feeder('x = 2;', 'x(1) = 3;'), 17, 1, 'unsupported statement "x(1) = 3;": x(...) indexes x, which holds one number; only mpc fields are indexed');
  refuses(feeder('mpc.x = mpc.bus(:, 3)(1);'), 16, 22, 'unsupported statement "mpc.x = mpc.bus(:, 3)(1);": only mpc fields can be indexed, and an index cannot be indexed again');
  refuses(feeder('mpc.x = end;'), 16, 9, 'unsupported statement "mpc.x = end;": "end" stands for a size only inside an index, as in mpc.bus(2:end, PD)');
});

test('matrix products, divisions and powers, and results MATLAB makes complex, are refused', () => {
  refuses(feeder('mpc.x = mpc.bus(:, 3) * mpc.bus(:, 4);'), 16, 23, 'cannot evaluate "mpc.x = mpc.bus(:, 3) * mpc.bus(:, 4);": "*" of a 3x1 and a 3x1 matrix is a matrix product, which is not evaluated; write ".*" for elementwise products');
  refuses(feeder('mpc.x = 1 / mpc.bus(:, 4);'), 16, 11, 'cannot evaluate "mpc.x = 1 / mpc.bus(:, 4);": "/" by a 3x1 matrix is a matrix division, which is not evaluated; write "./" to divide elementwise');
  refuses(feeder('mpc.x = mpc.bus(:, 3) ^ 2;'), 16, 23, 'cannot evaluate "mpc.x = mpc.bus(:, 3) ^ 2;": "^" of a 3x1 and a 1x1 operand is a matrix power, which is not evaluated; write ".^" for elementwise powers');
  refuses(feeder('mpc.x = sqrt(-mpc.bus(:, 3));'), 16, 9, 'cannot evaluate "mpc.x = sqrt(-mpc.bus(:, 3));": sqrt(-100) is complex in MATLAB; a case holds real numbers');
  refuses(feeder('mpc.x = (-mpc.bus(:, 3)).^0.5;'), 16, 25, 'cannot evaluate "mpc.x = (-mpc.bus(:, 3)).^0.5;": (-100)^0.5 is complex in MATLAB; a case holds real numbers');
  refuses(feeder('mpc.x = log(-1);'), 16, 9, 'cannot evaluate "mpc.x = log(-1);": log(-1) is complex in MATLAB; a case holds real numbers');
  refuses(feeder('mpc.x = [1 2 asin(2)];'), 16, 14, 'mpc.x: asin(2) is complex in MATLAB; a case holds real numbers');
});

test('text, matrices, cells and ranges inside expressions, and broken expressions, are refused', () => {
  refuses(feeder("mpc.x = 'kW' + 1;"), 16, 14, "mpc.x: \"+\" starts an expression; a literal [matrix], {cell} or 'text' is read as it stands, not computed with (evaluate the file in MATPOWER and save it with savecase)");
  refuses(feeder("mpc.bus(:, 3) = 'kW';"), 16, 17, 'unsupported statement "mpc.bus(:, 3) = \'kW\';": text inside an expression is not evaluated');
  refuses(feeder('mpc.bus(:, 3) = [1; 2; 3];'), 16, 17, 'unsupported statement "mpc.bus(:, 3) = [1; 2; 3];": a [matrix] inside an expression is not evaluated; a literal matrix stands alone, as in mpc.field = [...]');
  refuses(feeder('mpc.x = 1 + {1};'), 16, 13, 'unsupported statement "mpc.x = 1 + {1};": a {cell} inside an expression is not evaluated');
  refuses(feeder('mpc.x = 1:3;'), 16, 10, 'unsupported statement "mpc.x = 1:3;": a colon range is evaluated only as an index, as in mpc.bus(2:end, PD)');
  refuses(feeder('mpc.x = (1 + 2;'), 16, 15, 'unsupported statement "mpc.x = (1 + 2;": the "(" at column 9 is never closed by ")"');
  refuses(feeder('mpc.x = 1 +;'), 16, 12, 'unsupported statement "mpc.x = 1 +;": the expression ends where an operand (a number, a name or "(") should be');
  refuses(feeder('y = 1 2;'), 16, 7, 'unsupported statement "y = 1 2;": unexpected "2" after the expression');
  refuses(feeder('mpc.x = sin(1, 2);'), 16, 14, 'unsupported statement "mpc.x = sin(1, 2);": sin takes one argument here');
  refuses(feeder('mpc.x = sin;'), 16, 9, 'unsupported statement "mpc.x = sin;": sin is a function: write sin(x)');
  refuses(feeder('mpc.x = 2e3x;'), 16, 9, '"2e3x" in mpc.x is not a number');
  refuses(feeder('x = ;'), 16, 5, 'x = has no value');
  refuses(feeder(`mpc.x = ${'('.repeat(70)}1${')'.repeat(70)};`), 16, 73, `unsupported statement "mpc.x = ${'('.repeat(49)}...": parentheses and indices nested more than 64 deep`);
  // The 1001st operand, at column 9 + 4 * 1000; the statement is quoted to 57 characters.
  refuses(feeder(`mpc.x = 1${' + 1'.repeat(1000)};`), 16, 4009, `unsupported statement "mpc.x = 1${' + 1'.repeat(12)}...": ` +
    'more than 1000 operands in one expression: this is not MATPOWER data');
});
