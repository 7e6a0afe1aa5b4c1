// The analyst's own cases through the Api, on a real store file: import a
// case file and a change table, refuse bad files whole (file:line:column,
// nothing written), rename, delete with what depends on it, export back.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore, type Store } from '../../main/store';
import { createServices, handlersOf } from '../../main/services/app';
import { casesDir } from '../../main/paths';
import { parseMatpower, writeMatpower } from '../../main/core/grid/matpower';
import { BR_R, BR_X } from '../../main/core/grid/idx';
import { caseText } from '../helpers/shared';
import { ApiError, validators } from '../../main/api';

function withApi(fn: (api: ReturnType<typeof handlersOf>, store: Store) => Promise<void>): () => Promise<void> {
  return async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gridrewire-library-'));
    const store = openStore(join(dir, 'app.db'));
    try { await fn(handlersOf(createServices({ casesDir: casesDir(), store })), store); } finally { store.close(); rmSync(dir, { recursive: true, force: true }); }
  };
}

/** Everything a refused import must leave as it was. */
const snapshot = (store: Store) => JSON.stringify({ cases: store.cases.list(), tables: store.changeSets.list(), runs: store.n1.listRuns?.() ?? null });

const mine = () => `${caseText('case9')}\n% my copy of case9\n`;

test('a case file is imported once, listed with its import date, and opens like any case', withApi(async (api, store) => {
  const a = await api.importFile({ fileName: 'my9.m', text: mine() });
  assert.equal(a.kind, 'case');
  assert.equal(a.created, true);
  assert.equal(a.case.source, 'stored');
  assert.match(a.case.importedAt!, /^\d{4}-\d\d-\d\dT/);
  assert.deepEqual([a.case.buses, a.case.branches, a.case.gens, a.case.file], [9, 9, 3, 'my9.m']);
  // The same content again: the same case, nothing new.
  const b = await api.importFile({ fileName: 'again.m', text: mine() });
  assert.deepEqual([b.created, b.case.key], [false, a.case.key]);
  assert.equal(store.cases.list().length, 1);
  assert.equal((await api.listCases()).filter((c) => c.key === a.case.key).length, 1);
  assert.equal((await api.powerFlow({ name: a.case.key })).converged, true);
  // A bundled text imported as a file is the bundled case, listed once.
  const bundled = await api.importFile({ fileName: 'case30.m', text: caseText('case30') });
  assert.equal(bundled.case.key, 'case30');
  assert.equal((await api.listCases()).filter((c) => c.name === 'case30').length, 1);
}));

test('a malformed file is refused at its file:line:column and nothing is written', withApi(async (api, store) => {
  const before = snapshot(store);
  const broken = mine().replace('mpc.branch = [', 'mpc.branch = [\n\t1\t4\t0\t0.0576\t0\t250\t250\t250\t0\t0\t1\t-360\t360;\n\t4 x 5;');
  await assert.rejects(api.importFile({ fileName: 'broken.m', text: broken }), (e: Error) => e.name === 'CaseParseError' && /^broken\.m:\d+:\d+: /.test(e.message));
  // A case no solver can use (a zero-impedance branch) is refused at that branch's row.
  const c = parseMatpower(caseText('case9'), 'case9.m');
  const zero = writeMatpower({ ...c, name: 'zero9', branch: c.branch.map((r, i) => (i === 1 ? r.map((v, j) => (j === BR_R || j === BR_X ? 0 : v)) : r)) });
  const line = zero.split('\n').findIndex((l) => l.startsWith('mpc.branch = [')) + 3;
  await assert.rejects(api.importFile({ fileName: 'zero9.m', text: zero }), (e: Error) => new RegExp(`^zero9\\.m:${line}:\\d+: branch 2 \\(4-5\\) has zero impedance`).test(e.message));
  // An empty file: refused by the request's schema (IPC and HTTP), and by the reader behind it.
  assert.throws(() => validators.importFile({ fileName: 'empty.m', text: '' }), (e: Error) => e instanceof ApiError && /field 'text': is empty/.test(e.message));
  await assert.rejects(api.importFile({ fileName: 'empty.m', text: '' }), (e: Error) => /^empty\.m:1:1: the file is empty/.test(e.message));
  await assert.rejects(api.importFile({ fileName: 'junk.m', text: 'hello world' }), (e: Error) => /^junk\.m:1:1: /.test(e.message));
  assert.equal(snapshot(store), before);
}));

test('a change table is kept with the open case (contingencies told from scenarios); without a case it is refused', withApi(async (api, store) => {
  const contab = caseText('contab_ACTIVSg200');
  const before = snapshot(store);
  await assert.rejects(api.importFile({ fileName: 'contab.m', text: contab }), /is a change table: open the case it belongs to first/);
  assert.equal(snapshot(store), before);
  const r = await api.importFile({ fileName: 'contab_ACTIVSg200.m', text: contab, forCase: 'case_ACTIVSg200' });
  assert.equal(r.kind, 'changeTable');
  assert.equal(r.changeTable!.kind, 'contingencies');
  assert.equal(r.case.key, 'case_ACTIVSg200');
  assert.ok(r.case.storedId !== null, 'the bundled case went to the store with its table');
  const tables = await api.changeTables({ name: 'case_ACTIVSg200' });
  assert.deepEqual(tables.map((t) => [t.kind, t.file]), [['contingencies', 'contab_ACTIVSg200.m']]);
  // A table that does not take elements out of service is a scenario table.
  const scen = 'function chgtab = mine\ndefine_constants;\nchgtab = [\n\t1\t0\tCT_TAREALOAD\t1\tCT_LOAD_ALL_P\tCT_REL\t1.1;\n];\n';
  const s = await api.importFile({ fileName: 'mine.m', text: scen, forCase: 'case_ACTIVSg200' });
  assert.equal(s.changeTable!.kind, 'scenarios');
  assert.equal(store.changeSets.list().length, 2);
}));

test('an imported case is renamed and deleted with what depends on it; bundled cases are not', withApi(async (api, store) => {
  const { case: info } = await api.importFile({ fileName: 'my9.m', text: mine() });
  const renamed = await api.renameCase({ name: info.key, newName: 'Feeder nine' });
  assert.equal(renamed.name, 'Feeder nine');
  assert.equal((await api.listCases()).find((c) => c.key === info.key)!.name, 'Feeder nine');
  await assert.rejects(api.renameCase({ name: 'case30', newName: 'x' }), /case30 is bundled with the app and cannot be renamed/);
  await assert.rejects(api.deleteCase({ name: 'case30' }), /cannot be deleted/);
  // Something that depends on it: a stored N-1 run and a layout.
  const { jobId } = await api.startN1({ name: info.key });
  for (let i = 0; i < 400 && ['running', 'queued'].includes((await api.job({ jobId })).status); i++) await new Promise((r) => setTimeout(r, 25));
  await api.saveLayout({ name: info.key, positions: [{ bus: 1, x: 0, y: 0 }, { bus: 2, x: 1, y: 1 }] });
  const deps = await api.caseDependents({ name: info.key });
  assert.deepEqual(deps, { n1Runs: 1, datasets: 0, changeSets: 0, layoutBuses: 2, models: 0 });
  assert.deepEqual(await api.deleteCase({ name: info.key }), deps);
  assert.equal((await api.listCases()).find((c) => c.key === info.key), undefined);
  assert.equal(store.cases.list().length, 0);
  await assert.rejects(api.powerFlow({ name: info.key }), /no case with id \d+ in the store/);
}));

test('a case exports back to MATPOWER text that reads back to the same case', withApi(async (api) => {
  for (const key of ['case30', 'case33bw']) {
    const { fileName, text } = await api.exportCase({ name: key });
    assert.equal(fileName, `${key}.m`);
    // Against the file as read, not through the writer again. The writer prints each
    // number as the shortest text that reads back to the same double (formatNumber),
    // so no tolerance: the numbers must come back exactly, every column of every row.
    const back = parseMatpower(text, fileName), orig = parseMatpower(caseText(key), `${key}.m`);
    assert.ok(orig.gencost && orig.gen[0].length === 21, `${key}: the source has gencost and the 21-column gen rows the check relies on`);
    assert.equal(back.baseMVA, orig.baseMVA);
    assert.deepEqual(back.bus, orig.bus, `${key} bus`);
    assert.deepEqual(back.gen, orig.gen, `${key} gen`);
    assert.deepEqual(back.branch, orig.branch, `${key} branch`);
    assert.deepEqual(back.gencost, orig.gencost, `${key} gencost`);
    assert.deepEqual(back, orig, `${key}: every other field too`);
  }
  const { case: info } = await api.importFile({ fileName: 'my9.m', text: mine() });
  const out = await api.exportCase({ name: info.key });
  const back = parseMatpower(out.text), orig = parseMatpower(caseText('case9'));
  assert.equal(back.baseMVA, orig.baseMVA);
  for (const f of ['bus', 'gen', 'branch', 'gencost'] as const) assert.deepEqual(back[f], orig[f], `my9 ${f}`);
}));
