// writeMatpower: parse(write(c)) equals c for every shipped case, every
// double survives the trip, and the text looks like a MATPOWER case.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { randomFillSync } from 'node:crypto';
import type { Case } from '../../main/core/grid/case';
import { parseMatpower, writeMatpower, formatNumber } from '../../main/core/grid/matpower';

const CASES = '/work/shared/cases/';

test('every shipped case survives write and read unchanged', () => {
  const files = readdirSync(CASES).filter((f) => f.startsWith('case') && f.endsWith('.m'));
  // The 17 of the README's table and case33bw, whose conversions the writer exports evaluated.
  assert.ok(files.length >= 18 && files.includes('case33bw.m') && files.includes('case9241pegase.m'), files.join(' '));
  for (const f of files) {
    const c = parseMatpower(readFileSync(CASES + f, 'utf8'), f);
    const text = writeMatpower(c);
    assert.deepStrictEqual(parseMatpower(text, f), c, f); // NaN equals NaN, -0 differs from 0
  }
});

test('the hand-written case (extra fields, NaN, -0, quotes, sub-fields) survives too', () => {
  const c = parseMatpower(readFileSync(new URL('../fixtures/matpower/torture.m', import.meta.url), 'utf8'), 'torture.m');
  const text = writeMatpower(c);
  assert.deepStrictEqual(parseMatpower(text), c);
  assert.match(text, /^function mpc = torture\n/);
  assert.match(text, /\nmpc\.note = 'it''s a test';\n/);
  assert.match(text, /\nmpc\.x_scalar = -Inf;\n/);
  assert.match(text, /\nmpc\.y = NaN;\n/);
  assert.match(text, /\nmpc\.empty = \[\n\];\n/);
  assert.match(text, /\nmpc\.reserves\.zones = \[\n\t1\t1\t0\t0\t0;\n\];\n/);
  assert.match(text, /\n\t'Bus ''one''';\n/);
  assert.match(text, /\n\t12\t2\t0\t0\t0\t19\.5\t1\t1\.025\t-0\t345\t1\t1\.1\t0\.9;\n/);
  assert.match(text, /\n\t1\t0\t0\tInf\t-Inf\t1\.04\t100\t1\t250\t10;\n/);
  // Fields come in file order.
  const order = [...text.matchAll(/^mpc\.([\w.]+) =/gm)].map((m) => m[1]);
  assert.deepEqual(order, c.fieldOrder);
});

test('formatNumber gives the shortest text that reads back to the same double', () => {
  assert.equal(formatNumber(0.1), '0.1');
  assert.equal(formatNumber(-0), '-0');
  assert.equal(formatNumber(Infinity), 'Inf');
  assert.equal(formatNumber(-Infinity), '-Inf');
  assert.equal(formatNumber(NaN), 'NaN');
  assert.equal(formatNumber(1e21), '1e+21');
  assert.equal(formatNumber(5e-324), '5e-324');
  assert.equal(formatNumber(0.1 + 0.2), '0.30000000000000004');
});

test('random doubles (every bit pattern class) survive write and read', () => {
  const bytes = Buffer.alloc(8 * 4000);
  randomFillSync(bytes);
  const values = Array.from(new Float64Array(bytes.buffer, bytes.byteOffset, 4000));
  // Add decimal-looking values, as case files hold, and edge cases.
  for (let i = 0; i < 2000; i++) values.push(Math.round((values[i] % 1e6) * 1e4) / 1e4 || 0);
  values.push(0, -0, 5e-324, -5e-324, 2.2250738585072014e-308, 1.7976931348623157e308, Infinity, -Infinity, NaN,
    9007199254740993, 0.1, 1 / 3);
  const cols = 10;
  const rows: number[][] = [];
  for (let i = 0; i + cols <= values.length; i += cols) rows.push(values.slice(i, i + cols));
  const base = parseMatpower(readFileSync(CASES + 'case9.m', 'utf8'));
  const c: Case = { ...base, extra: { vals: { kind: 'matrix', rows } }, fieldOrder: [...base.fieldOrder, 'vals'] };
  const back = parseMatpower(writeMatpower(c));
  const got = (back.extra.vals as { rows: number[][] }).rows;
  assert.equal(got.length, rows.length);
  rows.forEach((r, i) => r.forEach((x, k) => assert.ok(Object.is(got[i][k], x), `${x} came back as ${got[i][k]}`)));
});

test('a Case built in code (empty fieldOrder) is written with every field', () => {
  const base = parseMatpower(readFileSync(CASES + 'case14.m', 'utf8'));
  const c: Case = { ...base, fieldOrder: [], extra: { note: { kind: 'string', value: 'x' } } };
  const back = parseMatpower(writeMatpower(c));
  assert.deepEqual(back.fieldOrder, ['version', 'baseMVA', 'bus', 'gen', 'branch', 'gencost', 'bus_name', 'note']);
  assert.deepStrictEqual({ ...back, fieldOrder: [] }, c);
});

test('a case without mpc.version but with version-2 gen columns reads as version 2 and writes it', () => {
  const text = readFileSync(CASES + 'case9.m', 'utf8').replace("mpc.version = '2';", '');
  const c = parseMatpower(text);
  assert.equal(c.version, '2');
  assert.equal(c.fieldOrder[0], 'version');
  assert.deepStrictEqual(parseMatpower(writeMatpower(c)), c);
});

test('the writer refuses what MATLAB text cannot hold', () => {
  const base = parseMatpower(readFileSync(CASES + 'case9.m', 'utf8'));
  assert.throws(() => writeMatpower({ ...base, name: '9bus' }), /not a valid MATLAB function name/);
  assert.throws(() => writeMatpower({ ...base, bus_name: base.bus.map(() => 'a\nb') }), /control character/);
  assert.throws(() => writeMatpower({ ...base, branch: [base.branch[0], base.branch[1].slice(0, 12)] }), /row 2 has 12 values/);
  assert.throws(() => writeMatpower({ ...base, extra: { 'bad name': { kind: 'scalar', value: 1 } } }), /not a MATLAB field name/);
});
