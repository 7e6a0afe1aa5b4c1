// gridrewire report as a user runs it (the built CLI): every format of one
// stored AC run of case30 with a stored layout and a small trained surrogate,
// checked against the run itself (row counts, verdict counts, numbers), the
// HTML for external references, the PDF through pdftotext/pdfinfo, the XLSX
// read back with exceljs; a comparison with a DC run; and the bad inputs:
// unknown run, run in progress, unwritable path, unknown format (one line,
// exit 2, nothing lost).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { openStore } from '../../main/store';
import { layoutGraph, layoutGraphOf } from '../../main/core/map/layout';
import { BUS_I } from '../../main/core/grid/idx';
import { LOADING_MARGIN, VOLTAGE_MARGIN } from '../../main/core/grid/limits';
import { VERDICTS } from '../../main/core/grid/contingency-types';
import type { ReportData } from '../../main/core/report/types';
import { buildReport, DEFAULT_DETAIL } from '../../main/services/report';
import { runStoredN1 } from '../../main/services/n1-stored';
import { cli, ROOT } from '../helpers/cli';

const dir = mkdtempSync(join(tmpdir(), 'gridrewire-report-'));
const db = join(dir, 'r.db');
const case30 = join(ROOT, 'resources', 'cases', 'case30.m');
const out = (f: string) => join(dir, f);
let data: ReportData;

function ok(args: string[]) {
  const r = cli(args);
  assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
  return r;
}

/** A one-line refusal with exit 2. */
function refused(args: string[], re: RegExp): string {
  const r = cli(args);
  assert.equal(r.code, 2, `${args.join(' ')} should exit 2: ${r.stdout}${r.stderr}`);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, r.stderr);
  assert.match(lines[0], re);
  return lines[0];
}

before(() => {
  ok(['dataset', case30, '--db', db, '--random', '6', '--dispatch', 'proportional']);
  ok(['train', '--db', db, '--dataset', '1', '--epochs', '2']);
  ok(['n1', case30, '--db', db, '--quiet']); // run 1, AC
  ok(['n1', case30, '--db', db, '--quiet', '--mode', 'dc']); // run 2, DC
  const store = openStore(db);
  const caseId = store.n1.getRun(1)!.caseId;
  const c = store.cases.getParsed(caseId);
  const xy = layoutGraph(layoutGraphOf(c), { seed: 1 });
  store.layouts.replace(caseId, c.bus.map((b, i) => ({ bus: b[BUS_I], x: xy[2 * i], y: xy[2 * i + 1] })));
  store.close();
  ok(['report', '--db', db, '--run', '1', '--format', 'json', '--out', out('r.json')]);
  data = JSON.parse(readFileSync(out('r.json'), 'utf8'));
});

after(() => rmSync(dir, { recursive: true, force: true }));

test('JSON: every record of the run, the counts of the run, the rules of limits.ts, a machine, a map and a surrogate', () => {
  const store = openStore(db, { readonly: true });
  const run = store.n1.getRun(1)!;
  const records = store.n1.getRecords(1, { orderBy: 'severity' });
  store.close();
  assert.equal(data.contingencies.length, run.total);
  assert.deepEqual(data.contingencies.map((r) => r.element), records.map((r) => r.branch));
  for (const v of VERDICTS) assert.equal(data.summary.byVerdict[v], run.counts[v], v);
  assert.equal(data.rules.loadingMargin, LOADING_MARGIN);
  assert.equal(data.rules.voltageMarginPu, VOLTAGE_MARGIN);
  assert.equal(data.case.hash.length, 64);
  assert.equal(data.case.baseMVA, 100);
  assert.match(data.run.machine ?? '', /cores/);
  assert.equal(data.run.partial, false);
  const insecure = data.contingencies.filter((r) => r.verdict !== 'secure').length;
  assert.equal(data.summary.insecure, insecure);
  assert.equal(data.details.length, Math.min(insecure, DEFAULT_DETAIL));
  // Solved again: each detail's overload count is the stored record's.
  for (const d of data.details) {
    const r = data.contingencies.find((x) => x.element === d.element)!;
    assert.equal(d.overloads.length, r.nOverloads, d.label);
    assert.equal(d.voltages.length, r.nVoltageViolations, d.label);
    if (r.worstBranch !== null) assert.equal(d.overloads[0].branch, r.worstBranch, d.label);
  }
  const t = data.summary.byType;
  assert.equal(t.thermal, run.counts.overload + run.counts['overload+voltage']);
  assert.equal(t.voltageUnclassified, 0);
  assert.ok(t.lowVoltage + t.highVoltage >= run.counts.voltage + run.counts['overload+voltage']);
  // The cross-reference lists every overloaded branch of the details, worst first.
  for (const x of data.crossReference) {
    const ls = x.contingencies.map((c) => c.loading);
    assert.deepEqual(ls, [...ls].sort((a, b) => b - a));
  }
  assert.ok(data.map && data.map.branches.length > 30 && data.map.branches.some((b) => b.outaged));
  assert.ok(data.surrogate);
  assert.equal(data.surrogate!.agreement!.compared, run.total);
  assert.ok(data.surrogate!.explained.length > 0 && data.surrogate!.explained[0].connections.length > 0);
});

test('HTML: self-contained (no address, no file, no link, no script) with every insecure contingency and the map', () => {
  ok(['report', '--db', db, '--run', '1', '--format', 'html', '--out', out('r.html')]);
  const html = readFileSync(out('r.html'), 'utf8');
  assert.doesNotMatch(html, /https?:/i);
  assert.doesNotMatch(html, /\bsrc\s*=/i);
  assert.doesNotMatch(html, /<link\b/i);
  assert.doesNotMatch(html, /<script\b/i);
  assert.doesNotMatch(html, /url\(/i);
  assert.match(html, /<svg /);
  const ranked = html.slice(html.indexOf('id="t-insecure"'), html.indexOf('</section>', html.indexOf('id="t-insecure"')));
  assert.equal((ranked.match(/<tr>/g) ?? []).length - 1, data.summary.insecure, 'one row per insecure contingency under the header');
  assert.match(html, new RegExp(`more than ${LOADING_MARGIN * 100} pp`));
  assert.match(html, /Surrogate model card/);
});

test('CSV: one row per contingency, and a second file with one row per violation', () => {
  ok(['report', '--db', db, '--run', '1', '--format', 'csv', '--out', out('r.csv')]);
  const rows = readFileSync(out('r.csv'), 'utf8').trim().split('\r\n');
  assert.equal(rows.length, data.contingencies.length + 1);
  assert.match(rows[0], /^rank,element,from,to,verdict,severity/);
  assert.equal(rows[1].split(',')[1], String(data.contingencies[0].element));
  const v = readFileSync(out('r.violations.csv'), 'utf8').trim().split('\r\n');
  const expected = data.details.reduce((n, d) => n + d.overloads.length + d.voltages.length + (d.verdict === 'islanded' || d.verdict === 'diverged' ? 1 : 0), 0);
  assert.equal(v.length, expected + 1);
});

test('XLSX: a sheet per table, and it opens with the same numbers', async () => {
  ok(['report', '--db', db, '--run', '1', '--format', 'xlsx', '--out', out('r.xlsx')]);
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.readFile(out('r.xlsx'));
  const names = wb.worksheets.map((w) => w.name);
  for (const n of ['Case', 'Summary by verdict', 'Insecure contingencies, wor', 'All contingencies', 'All violations']) assert.ok(names.some((x) => x.startsWith(n)), `${n} in ${names}`);
  const all = wb.getWorksheet('All contingencies')!;
  assert.equal(all.actualRowCount, data.contingencies.length + 1);
  data.contingencies.forEach((r, i) => {
    const row = all.getRow(i + 2);
    assert.equal(row.getCell(2).value, r.element);
    assert.equal(row.getCell(6).value, r.severity);
    assert.equal(row.getCell(9).value, r.maxLoading);
  });
  // The number formats and the bold header are kept (shared cell styles, not column styles).
  assert.equal(all.getRow(1).getCell(1).font?.bold, true);
  assert.equal(all.getRow(2).getCell(9).numFmt, '0.0%');
  assert.equal(all.getRow(2).getCell(6).numFmt, undefined);
  const verdicts = wb.getWorksheet('Summary by verdict')!;
  VERDICTS.forEach((v, i) => assert.equal(verdicts.getRow(i + 2).getCell(2).value, data.summary.byVerdict[v]));
});

test('PDF: numbered pages, the tables and the map, without a browser', () => {
  ok(['report', '--db', db, '--run', '1', '--format', 'pdf', '--out', out('r.pdf')]);
  const pages = Number(/Pages:\s+(\d+)/.exec(execFileSync('pdfinfo', [out('r.pdf')], { encoding: 'utf8' }))![1]);
  assert.ok(pages >= 3 && pages <= 12, `${pages} pages`);
  const text = execFileSync('pdftotext', ['-layout', out('r.pdf'), '-'], { encoding: 'utf8' });
  const perPage = text.split('\f').filter((p) => p.trim());
  assert.equal(perPage.length, pages);
  perPage.forEach((p, i) => assert.match(p, new RegExp(`page ${i + 1} of ${pages}`)));
  assert.match(text, /N-1 contingency report: case30, run 1/);
  assert.match(text, /Insecure contingencies, worst first/);
  assert.match(text, /Map after the outage of/);
  assert.match(text, /Overloaded elements and the contingencies that overload them/);
  assert.match(text, new RegExp(data.contingencies[0].label.replace(/[()]/g, '\\$&')));
  assert.match(text, /\d+\.\d MVA/);
});

test('--compare-to: new, resolved and worsened against the DC screen of the same case', () => {
  ok(['report', '--db', db, '--run', '1', '--format', 'json', '--out', out('cmp.json'), '--compare-to', '2']);
  const d: ReportData = JSON.parse(readFileSync(out('cmp.json'), 'utf8'));
  const c = d.comparison!;
  assert.equal(c.otherRunId, 2);
  assert.equal(c.sameCase, true);
  const store = openStore(db, { readonly: true });
  const dc = new Map(store.n1.getRecords(2).map((r) => [r.branch!, r.verdict !== 'secure']));
  store.close();
  const ac = new Map(d.contingencies.map((r) => [r.element, r.verdict !== 'secure']));
  assert.equal(c.added.length, [...ac].filter(([k, v]) => v && !dc.get(k)).length);
  assert.equal(c.resolved.length, [...ac].filter(([k, v]) => !v && dc.get(k)).length);
  assert.ok(c.added.length + c.resolved.length > 0);
});

test('DC runs and generator outages: the same report, their violations solved again by their own engine', async () => {
  const store = openStore(db);
  try {
    const dc = buildReport(store, 2, { model: null });
    assert.equal(dc.run.engine, 'DC-LODF screen (linear, no voltages)');
    assert.equal(dc.contingencies.length, 41);
    for (const d of dc.details) assert.equal(d.voltages.length, 0);
    const { runId } = await runStoredN1(store, { caseText: readFileSync(case30, 'utf8'), fileName: 'case30.m', mode: 'ac', kind: 'gen' });
    const gen = buildReport(store, runId, {});
    assert.equal(gen.surrogate, null, 'the surrogate judges branch outages only');
    assert.match(gen.contingencies[0].label, /^gen \d+ \(bus \d+\)$/);
    for (const d of gen.details) {
      const r = gen.contingencies.find((x) => x.element === d.element)!;
      assert.equal(d.overloads.length, r.nOverloads, d.label);
      assert.equal(d.voltages.length, r.nVoltageViolations, d.label);
    }
    assert.equal(gen.map!.branches.filter((b) => b.outaged).length, 0, 'no line is outaged by a generator outage');
  } finally {
    store.close();
  }
});

test('the reports written are listed in the database with their run', () => {
  const store = openStore(db, { readonly: true });
  const list = store.reports.list({ runId: 1 });
  store.close();
  assert.ok(list.some((r) => r.kind === 'xlsx' && r.path === out('r.xlsx')));
  assert.equal(list.filter((r) => r.kind === 'csv').length, 2);
});

test('a run in progress: the report says it is partial and how far it got', () => {
  const store = openStore(db);
  const run1 = store.n1.getRun(1)!;
  const id = store.n1.createRun({ caseId: run1.caseId, mode: 'ac', kind: 'branch', elements: run1.config.elements, options: {} }, run1.total);
  store.n1.appendRecords(id, store.n1.getRecords(1, { orderBy: 'element' }).slice(0, 10));
  store.close(); // still 'running', owned by this live process
  const r = ok(['report', '--db', db, '--run', String(id), '--format', 'html', '--out', out('partial.html')]);
  assert.match(r.stderr, new RegExp(`run ${id} is running: 10 of ${run1.total} contingencies computed`));
  const html = readFileSync(out('partial.html'), 'utf8');
  assert.match(html, new RegExp(`Partial: run ${id} is running; 10 of ${run1.total} contingencies \\(24\\.4 %\\)`));
});

test('bad input: one line, exit 2, nothing written or lost', () => {
  writeFileSync(out('keep.html'), 'old report');
  refused(['report', '--db', db, '--run', '99', '--format', 'html', '--out', out('keep.html')], /^gridrewire report: there is no N-1 run 99 in .* \(its runs are 1, 2/);
  assert.equal(readFileSync(out('keep.html'), 'utf8'), 'old report');
  refused(['report', '--db', db, '--run', '1', '--format', 'docx', '--out', out('x.docx')], /unknown format 'docx': use one of html, pdf, csv, xlsx, json/);
  assert.equal(existsSync(out('x.docx')), false);
  // The path is checked before anything else: the run does not even exist here.
  refused(['report', '--db', db, '--run', '99', '--format', 'pdf', '--out', join(dir, 'no-such-folder', 'r.pdf')], /cannot write .*no-such-folder.*does not exist/);
  mkdirSync(out('a-folder'));
  refused(['report', '--db', db, '--run', '1', '--format', 'html', '--out', out('a-folder')], /a-folder.*it is a folder/);
  refused(['report', '--db', db, '--run', '1', '--format', 'html', '--out', db], /is the database/);
  refused(['report', '--db', join(dir, 'none.db'), '--run', '1', '--format', 'html', '--out', out('y.html')], /there is no database at/);
  assert.equal(existsSync(out('y.html')), false);
  refused(['report', '--db', db, '--run', 'x', '--format', 'html', '--out', out('y.html')], /--run needs a number/);
  refused(['report', '--db', db, '--run', '1', '--format', 'html', '--out', out('y.html'), '--compare-to', '1'], /is the run reported on/);
  assert.equal(existsSync(out('y.html')), false);
  // The database kept its runs.
  const store = openStore(db, { readonly: true });
  assert.deepEqual(store.n1.listRuns().slice(0, 2).map((r) => [r.id, r.status, r.done]), [[1, 'done', 41], [2, 'done', 41]]);
  assert.deepEqual(store.reports.list().filter((r) => r.fileName.startsWith('y.') || r.fileName.startsWith('x.')), [], 'no refused report is listed');
  store.close();
});
