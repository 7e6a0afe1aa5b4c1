// Every kind of bad case file is rejected with CaseParseError at the right
// line and column, with a message naming the problem; junk, even 50 MB of it, is rejected too.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomFillSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parseMatpower, parseChangeTable, CaseParseError } from '../../main/core/grid/matpower';

// A small valid case; line numbers in the comments are those the tests use.
const LINES = [
  'function mpc = small', // 1
  "mpc.version = '2';", // 2
  'mpc.baseMVA = 100;', // 3
  'mpc.bus = [', // 4
  '\t1\t3\t0\t0\t0\t0\t1\t1\t0\t345\t1\t1.1\t0.9;', // 5
  '\t2\t1\t90\t30\t0\t0\t1\t1\t0\t345\t1\t1.1\t0.9;', // 6
  '\t3\t2\t0\t0\t0\t0\t1\t1\t0\t345\t1\t1.1\t0.9;', // 7
  '];', // 8
  'mpc.gen = [', // 9
  '\t1\t0\t0\t300\t-300\t1\t100\t1\t250\t10;', // 10
  '\t3\t85\t0\t300\t-300\t1\t100\t1\t270\t10;', // 11
  '];', // 12
  'mpc.branch = [', // 13
  '\t1\t2\t0\t0.0576\t0\t250\t250\t250\t0\t0\t1;', // 14
  '\t2\t3\t0.01\t0.085\t0.176\t250\t250\t250\t0\t0\t1;', // 15
  '\t1\t3\t0.01\t0.085\t0.176\t250\t250\t250\t0\t0\t1;', // 16
  '];', // 17
];
const GOOD = LINES.join('\n') + '\n';

/** GOOD with line `n` (1-based) replaced. */
const edit = (n: number, line: string): string => LINES.map((l, i) => (i === n - 1 ? line : l)).join('\n') + '\n';
const append = (...more: string[]): string => GOOD + more.join('\n') + '\n';

function rejects(text: string, line: number, column: number, reason: RegExp,
  parse: (text: string, file: string) => unknown = parseMatpower): CaseParseError {
  let err: unknown;
  try {
    parse(text, 'small.m');
  } catch (e) {
    err = e;
  }
  assert.ok(err instanceof CaseParseError, `expected CaseParseError, got ${err === undefined ? 'a loaded case' : String(err)}`);
  const e = err as CaseParseError;
  assert.equal(e.file, 'small.m');
  assert.deepEqual([e.line, e.column], [line, column], e.message);
  assert.match(e.reason, reason);
  assert.equal(e.message, `small.m:${line}:${column}: ${e.reason}`);
  return e;
}

test('the template itself is valid', () => {
  const c = parseMatpower(GOOD, 'small.m');
  assert.equal(c.bus.length, 3);
  assert.equal(c.branch.length, 3);
});

test('branch to an unknown bus points at the bus number', () => {
  rejects(edit(15, '\t2\t99\t0.01\t0.085\t0.176\t250\t250\t250\t0\t0\t1;'), 15, 4,
    /^branch row 2 refers to bus 99, which is not in mpc\.bus$/);
  rejects(edit(14, '\t0\t2\t0\t0.0576\t0\t250\t250\t250\t0\t0\t1;'), 14, 2, /branch row 1 refers to bus 0/);
});

test('lines and columns are the same with CR LF or lone CR line ends', () => {
  const bad = edit(15, '\t2\t99\t0.01\t0.085\t0.176\t250\t250\t250\t0\t0\t1;');
  rejects(bad.replace(/\n/g, '\r\n'), 15, 4, /branch row 2 refers to bus 99/);
  rejects(bad.replace(/\n/g, '\r'), 15, 4, /branch row 2 refers to bus 99/);
});

test('generator at an unknown bus', () => {
  rejects(edit(11, '\t7\t85\t0\t300\t-300\t1\t100\t1\t270\t10;'), 11, 2, /^gen row 2 is at bus 7, which is not in mpc\.bus$/);
});

test('duplicate, non-integer and badly typed bus numbers', () => {
  rejects(edit(7, '\t2\t2\t0\t0\t0\t0\t1\t1\t0\t345\t1\t1.1\t0.9;'), 7, 2, /bus row 3 repeats bus number 2, already used by bus row 2/);
  rejects(edit(7, '\t3.5\t2\t0\t0\t0\t0\t1\t1\t0\t345\t1\t1.1\t0.9;'), 7, 2, /bus row 3 has bus number 3\.5; bus numbers must be positive integers/);
  rejects(edit(7, '\t3\t7\t0\t0\t0\t0\t1\t1\t0\t345\t1\t1.1\t0.9;'), 7, 4, /bus 3 \(row 3\) has type 7; expected 1 \(PQ\)/);
  rejects(edit(6, '\t2\t1\tNaN\t30\t0\t0\t1\t1\t0\t345\t1\t1.1\t0.9;'), 6, 6, /bus row 2 has NaN in column 3/);
});

test('no reference bus points at the bus matrix', () => {
  rejects(edit(5, '\t1\t2\t0\t0\t0\t0\t1\t1\t0\t345\t1\t1.1\t0.9;'), 4, 11, /no reference bus: no row of mpc\.bus has BUS_TYPE 3/);
});

test('missing bus, gen, branch or baseMVA', () => {
  rejects(edit(4, 'mpc.buses = ['), 18, 1, /^mpc\.bus is missing/);
  rejects(edit(9, 'mpc.gens = ['), 18, 1, /^mpc\.gen is missing/);
  rejects(edit(13, 'mpc.branches = ['), 18, 1, /^mpc\.branch is missing/);
  rejects(edit(3, ''), 18, 1, /^mpc\.baseMVA is missing/);
  rejects(LINES.slice(0, 3).join('\n') + '\nmpc.bus = [];\n' + LINES.slice(8).join('\n'), 4, 11, /^mpc\.bus is empty/);
  rejects(append('mpc.gencost = {1, 2};'), 18, 15, /^mpc\.gencost must be a numeric matrix \[ \.\.\. \], not a cell array/);
});

test('too few columns', () => {
  const cut = (n: number, k: number) => LINES[n - 1].split('\t').slice(0, k + 1).join('\t') + ';';
  const fewBus = LINES.map((l, i) => (i >= 4 && i <= 6 ? cut(i + 1, 12) : l)).join('\n');
  rejects(fewBus, 5, 2, /^mpc\.bus rows have 12 columns; a bus row needs at least 13/);
  const fewGen = LINES.map((l, i) => (i >= 9 && i <= 10 ? cut(i + 1, 9) : l)).join('\n');
  rejects(fewGen, 10, 2, /^mpc\.gen rows have 9 columns; a gen row needs at least 10/);
  const fewBranch = LINES.map((l, i) => (i >= 13 && i <= 15 ? cut(i + 1, 10) : l)).join('\n');
  rejects(fewBranch, 14, 2, /^mpc\.branch rows have 10 columns; a branch row needs at least 11/);
});

test('ragged rows', () => {
  rejects(edit(15, '\t2\t3\t0.01\t0.085\t0.176\t250\t250\t250\t0\t0\t1\t0;'), 15, 2,
    /^mpc\.branch row 2 has 12 values, but row 1 \(line 14\) has 11/);
  rejects(edit(7, '\t3\t2\t0\t0\t0\t0\t1\t1\t0\t345\t1\t1.1;'), 7, 2, /^mpc\.bus row 3 has 12 values, but row 1 \(line 5\) has 13/);
});

test('non-numeric tokens', () => {
  rejects(edit(6, '\t2\t1\tabc\t30\t0\t0\t1\t1\t0\t345\t1\t1.1\t0.9;'), 6, 6, /"abc" in mpc\.bus is not a number/);
  rejects(edit(6, '\t2\t1\t90x\t30\t0\t0\t1\t1\t0\t345\t1\t1.1\t0.9;'), 6, 6, /"90x" in mpc\.bus is not a number/);
  rejects(edit(6, '\t2\t1\t1.2.3\t30\t0\t0\t1\t1\t0\t345\t1\t1.1\t0.9;'), 6, 6, /"1\.2\.3" in mpc\.bus is not a number/);
  rejects(edit(6, '\t2\t1\t1e\t30\t0\t0\t1\t1\t0\t345\t1\t1.1\t0.9;'), 6, 6, /malformed number "1e/);
  rejects(edit(6, "\t2\t1\t'90'\t30\t0\t0\t1\t1\t0\t345\t1\t1.1\t0.9;"), 6, 6, /text in mpc\.bus, which holds numbers only/);
  rejects(edit(6, '\t2\t1\t90\t30\t0\t0\t1\t1\t0\t345\t1\t1.1\t0.9\t@;'), 6, 36, /"@" in mpc\.bus: expected a number/);
  rejects(edit(6, '\t2\t1\tPD\t30\t0\t0\t1\t1\t0\t345\t1\t1.1\t0.9;'), 6, 6,
    /PD in mpc\.bus is a MATPOWER constant, but "define_constants;" does not come before it/);
});

test('what a matrix cannot hold is rejected, not evaluated (its arithmetic is: matpower-statements.test.ts)', () => {
  // Arithmetic of numbers inside a matrix is evaluated now (`90 - 5`, `90*2`, as
  // MATPOWER's case533mt writes `135/sqrt(3)`); names of variables and comparisons are not.
  rejects(edit(6, '\t2\t1\t90*Vbase\t30\t0\t0\t1\t1\t0\t345\t1\t1.1\t0.9;'), 6, 9, /^"Vbase" in mpc\.bus is not a number/);
  rejects(edit(6, '\t2\t1\t90 > 5\t30\t0\t0\t1\t1\t0\t345\t1\t1.1\t0.9;'), 6, 9, /^">" in mpc\.bus: expected a number$/);
  rejects(edit(17, "]';"), 17, 2, /^mpc\.branch: "'" starts an expression/);
  rejects(edit(3, 'mpc.baseMVA = [100] * 2;'), 3, 21, /^mpc\.baseMVA: "\*" starts an expression/);
  rejects(edit(3, "mpc.baseMVA = 10'^2;"), 3, 17, /^unsupported statement "mpc\.baseMVA = 10'\^2;": transposes are not evaluated/);
});

test('statements the reader does not understand are rejected with their line', () => {
  rejects(append('mpc.gen(:, 9) = max(mpc.gen(:, 9), 0);'), 18, 17,
    /^unsupported statement "mpc\.gen\(:, 9\) = max\(mpc\.gen\(:, 9\), 0\);": max\(\.\.\.\) calls max, a function GridRewire does not evaluate/);
  rejects(append('if true', '  mpc.baseMVA = 50;', 'end'), 18, 1, /^unsupported statement "if true"/);
  rejects(append("disp('loaded');"), 18, 1, /^unsupported statement "disp\('loaded'\);"/);
  rejects(append('mpc.bus(2) = 100;'), 18, 8, /^unsupported statement "mpc\.bus\(2\) = 100;": mpc\.bus\(\.\.\.\) with one index/);
  rejects(append('x.y = 5;'), 18, 1, /^assignment to "x": GridRewire reads only mpc and its fields/);
  rejects(append('mpc.baseMVA = 50;'), 18, 1, /^mpc\.baseMVA is assigned twice \(first on line 3\)/);
  rejects(append("mpc.extra = mpc.baseMVA';"), 18, 24, /^unsupported statement "mpc\.extra = mpc\.baseMVA';": transposes are not evaluated/);
  rejects(append('mpc.extra = [mpc.gen(1, :)];'), 18, 14, /"mpc" in mpc\.extra is not a number/);
  rejects(append('mpc.a = 1;', 'mpc.a.b = 2;'), 19, 1, /^mpc\.a\.b conflicts with mpc\.a on line 18/);
  // Code in the middle, before the matrices are complete.
  rejects(edit(8, '];  mpc.bus(:, 3) = zeros(3, 1);'), 8, 21, /^unsupported statement "mpc\.bus\(:, 3\) = zeros\(3, 1\);": zeros\(\.\.\.\) calls zeros/);
  // The function's closing `end` must be the last thing.
  rejects(append('end', 'mpc.x = 1;'), 19, 1, /^text after the closing `end` of the function/);
});

test('baseMVA must be a positive finite number', () => {
  rejects(edit(3, 'mpc.baseMVA = -100;'), 3, 15, /^mpc\.baseMVA is -100; it must be a positive finite number/);
  rejects(edit(3, 'mpc.baseMVA = 0;'), 3, 15, /^mpc\.baseMVA is 0; it must be a positive/);
  rejects(edit(3, 'mpc.baseMVA = NaN;'), 3, 15, /^mpc\.baseMVA is NaN/);
  rejects(edit(3, 'mpc.baseMVA = Inf;'), 3, 15, /^mpc\.baseMVA is Inf/);
  rejects(edit(3, "mpc.baseMVA = '100';"), 3, 15, /^mpc\.baseMVA must be a single number/);
  rejects(edit(3, 'mpc.baseMVA = [100 100];'), 3, 15, /^mpc\.baseMVA must be a single number/);
});

test('unterminated strings, brackets, block comments; truncated files', () => {
  rejects(edit(2, "mpc.version = '2;"), 2, 15, /^text starting here is never closed/);
  rejects(append("mpc.names = {'a'; 'b};"), 18, 19, /^text starting here is never closed/);
  // The file stops in the middle of the branch matrix.
  const cut = GOOD.indexOf('0.085\t0.176', GOOD.indexOf('\t2\t3\t'));
  rejects(GOOD.slice(0, cut), 15, 11, /^the file ends inside mpc\.branch: the "\[" on line 13 is never closed by "\]" \(is the file truncated\?\)/);
  rejects(LINES.slice(0, 16).join('\n') + '\n', 17, 1, /^the file ends inside mpc\.branch/);
  rejects(GOOD.slice(0, GOOD.indexOf('-300')) + '-', 10, 13, /the file ends in the middle of mpc\.gen/);
  rejects(append('mpc.c = {1, 2'), 19, 1, /^the file ends inside mpc\.c: the "\{" on line 18 is never closed by "\}"/);
  rejects(append('%{', 'mpc.x = 1;'), 18, 1, /^block comment '%\{' is never closed/);
});

test('version 1 and missing version', () => {
  rejects(edit(2, "mpc.version = '1';"), 2, 15, /^mpc\.version is '1': only version 2 cases are read/);
  rejects(edit(2, ''), 1, 1, /^mpc\.version is missing, so MATPOWER reads this as a version 1 case/);
});

test('bus_name must be one text per bus', () => {
  rejects(append("mpc.bus_name = {'a'; 'b'};"), 18, 16, /^mpc\.bus_name has 2 names but mpc\.bus has 3 rows/);
  rejects(append("mpc.bus_name = {'a'; 2; 'c'};"), 18, 22, /^mpc\.bus_name entry 2 is not text/);
  rejects(append("mpc.bus_name = ['a'; 'b'; 'c'];"), 18, 17, /text in mpc\.bus_name/);
});

test('a change table read as a case, and a case read as a change table', () => {
  const contab = readFileSync('/work/shared/cases/contab_ACTIVSg200.m', 'utf8');
  rejects(contab, 23, 1, /^"chgtab = \.\.\." assigns a whole variable, as a change table does; .*Is this a change table rather than a case\?/);
  rejects(GOOD, 2, 1, /^mpc\.version is a field assignment, as in a case file; .*Is this a case rather than a change table\?/, parseChangeTable);
});

test('empty files', () => {
  rejects('', 1, 1, /^the file is empty/);
  rejects('  \n\n\t\n', 1, 1, /^the file is empty/);
  rejects('% only\n% comments\n', 1, 1, /^the file is empty/);
  rejects('function mpc = nothing\n', 1, 1, /^function nothing assigns no mpc fields/);
});

test('binary data is rejected at its first byte', () => {
  const at = GOOD.indexOf('90'); // line 6, column 6
  rejects(GOOD.slice(0, at) + '\0\0\0' + GOOD.slice(at), 6, 6, /^control byte 0x00: this is binary data, not a MATPOWER text file/);
  rejects('PK\u0003\u0004\u0014\u0000', 1, 3, /^control byte 0x03: this is binary data/);
  rejects('function mpc = x\n% comment \uFFFD\uFFFD\n', 2, 11, /^an invalid UTF-8 sequence: this is binary data/);
  rejects(append("mpc.s = 'a\u0001b';"), 18, 11, /control byte 0x01/);
});

test('change tables: located errors too', () => {
  const head = 'function chgtab = t\ndefine_constants;\nchgtab = [\n';
  const ok = head + '\t1\t0\tCT_TBRCH\t1\tBR_STATUS\tCT_REP\t0;\n];\n';
  assert.equal(parseChangeTable(ok).rows.length, 1);
  const pct = parseChangeTable;
  rejects(head + '\t0\t0\tCT_TBRCH\t1\tBR_STATUS\tCT_REP\t0;\n];\n', 4, 2, /label 0 must be a positive integer/, pct);
  rejects(head + '\t1\t0\tCT_TBRCH\t1\tBR_STATUS\t7\t0;\n];\n', 4, 27, /change type 7 is not CT_REP/, pct);
  rejects(head + '\t1\t0\t12\t1\tBR_STATUS\tCT_REP\t0;\n];\n', 4, 6, /table 12 is not one of CT_TBUS/, pct);
  rejects(head + '\t1\t0\tCT_TBRCH\t-1\tBR_STATUS\tCT_REP\t0;\n];\n', 4, 15, /row -1 must be a non-negative integer/, pct);
  rejects(head + '\t1\t0\tCT_TBRCH\t1\tBR_STATUS\tCT_REP;\n];\n', 4, 2, /chgtab rows have 6 columns; a change row needs 7/, pct);
  rejects(head + '\t1\t0\tCT_TBRCHX\t1\tBR_STATUS\tCT_REP\t0;\n];\n', 4, 6, /"CT_TBRCHX" in chgtab is not a number/, pct);
  rejects('function chgtab = t\nchgtab = [\n\t1\t0\tCT_TBRCH\t1\tBR_STATUS\tCT_REP\t0;\n];\n', 3, 6,
    /CT_TBRCH in chgtab is a MATPOWER constant, but "define_constants;" does not come before it/, pct);
  rejects('function chgtab = t\ndefine_constants;\n', 3, 1, /chgtab is never assigned/, pct);
  rejects('', 1, 1, /the file is empty/, pct);
  rejects(ok + 'chgtab(1, 7) = 2;\n', 6, 1, /unsupported statement/, pct);
});

// ---- junk: bounded time, first bad token ----

const MB50 = 50 * 1024 * 1024;

/** `n` characters of random printable ASCII and line ends (a random 1 MB block, repeated). */
function randomPrintable(n: number): string {
  const block = Buffer.allocUnsafe(1 << 20);
  randomFillSync(block);
  for (let i = 0; i < block.length; i++) block[i] = block[i] % 17 === 0 ? 10 : 32 + (block[i] % 95);
  return block.toString('latin1').repeat(Math.ceil(n / block.length)).slice(0, n);
}

/** About `n` characters of random bytes read as UTF-8 (invalid sequences become U+FFFD). */
function randomUtf8(n: number): string {
  const block = Buffer.allocUnsafe(1 << 20);
  randomFillSync(block);
  const s = block.toString('utf8');
  return s.repeat(Math.ceil(n / s.length));
}

/** What `parse` threw on `text` (undefined if it returned). */
function thrown(text: string, parse: (t: string) => unknown = parseMatpower): unknown {
  try { parse(text); } catch (e) { return e; }
  return undefined;
}

// How fast junk is rejected is a speed figure, never a timed test; here, that it is rejected as a CaseParseError.
test('50 MB of junk is rejected with a CaseParseError by both readers', () => {
  // Built one at a time so that only one 50 MB string is alive at once.
  const kinds: [string, () => string][] = [
    ['random printable text', () => randomPrintable(MB50)],
    ['random bytes read as UTF-8', () => randomUtf8(MB50)],
    ['NUL bytes', () => '\0'.repeat(MB50)],
    ['a case header, then junk', () => GOOD.slice(0, GOOD.indexOf('\t2\t1\t90')) + randomPrintable(MB50)],
    ['one 50 MB comment line', () => '%' + 'x'.repeat(MB50)],
    ['one 50 MB name', () => 'a'.repeat(MB50)],
    ['one 50 MB number', () => 'mpc.baseMVA = ' + '1'.repeat(MB50)],
    ['one 50 MB name as a value', () => 'mpc.baseMVA = ' + 'x'.repeat(MB50)],
    ['one 50 MB name in a matrix', () => 'define_constants; mpc.bus = [' + 'x'.repeat(MB50)],
    ['one 50 MB unclosed text', () => "mpc.x = '" + 'x'.repeat(MB50)],
    ['one 50 MB closed text, then junk', () => "mpc.x = '" + 'x'.repeat(MB50) + "' junk"],
  ];
  for (const [what, make] of kinds) {
    const text = make();
    assert.ok(text.length >= MB50, what);
    const err = thrown(text);
    assert.ok(err instanceof CaseParseError, `${what}: ${String(err)}`);
    const errTable = thrown(text, parseChangeTable);
    assert.ok(errTable instanceof CaseParseError, `${what} (change table): ${String(errTable)}`);
  }
});
